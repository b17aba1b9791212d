"""Figure values of two editions -> what changed: the report line, the manifest record.

The manifest keeps each edition's figure values (`figures`: {id: value}). When a build makes
a new edition, `compare_figures` lines its values up against the previous edition's and
`change_record` turns that into what the manifest stores under `changes`:
`{"first": false, "line": "changed: idps 657,749 -> 660,102 (+0.4%)", "items": [...]}`, each
item with the figure's id, old and new value, the move in percent and its `max_change` limit.
Imports nothing heavy: the skip path reads these records back.
"""

from __future__ import annotations

from dataclasses import dataclass

NO_CHANGE = "no figure changed (text only)"
FIRST = "first edition: no earlier figures to compare with"


@dataclass(frozen=True)
class Change:
    """One figure whose value differs from the previous edition's (None: new or removed)."""

    id: str
    old: object
    new: object
    limit: float | None = None  # max_change in percent

    @property
    def percent(self) -> float | None:
        """The move in percent of the old value; None when it cannot be said (new, zero)."""
        if not _is_number(self.old) or not _is_number(self.new) or self.old == 0:
            return None
        return (self.new - self.old) / abs(self.old) * 100

    @property
    def breaks_limit(self) -> bool:
        if self.limit is None or self.old is None or self.new is None:
            return False
        percent = self.percent
        return percent is None or abs(percent) > self.limit + 1e-9


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compare_figures(old: dict | None, new: dict, *, limits: dict | None = None) -> list:
    """The figures whose values differ, in id order; `old` None means a first edition."""
    if old is None:
        return []
    limits = limits or {}
    return [Change(fid, old.get(fid), new.get(fid), limits.get(fid))
            for fid in sorted(set(old) | set(new)) if old.get(fid) != new.get(fid)]


def format_value(value) -> str:
    """657749 -> '657,749'; 4.5 -> '4.5'; None -> '-' (the report is in English)."""
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,}"
    if _is_number(value):
        return f"{int(value):,}"
    return str(value)


def format_percent(percent: float | None) -> str:
    return "" if percent is None else f" ({percent:+.1f}%)"


def change_line(changes: list, *, first: bool) -> str:
    """`changed: idps 657,749 -> 660,102 (+0.4%); ...`, or a line saying nothing changed."""
    if first:
        return FIRST
    if not changes:
        return NO_CHANGE
    parts = [f"{c.id} {format_value(c.old)} -> {format_value(c.new)}{format_percent(c.percent)}"
             for c in changes]
    return "changed: " + "; ".join(parts)


def change_record(previous_entry: dict | None, values: dict, limits: dict) -> dict:
    """What the manifest stores about a new edition's changes against `previous_entry`."""
    old = (previous_entry or {}).get("figures")
    first = not isinstance(old, dict)
    changes = compare_figures(None if first else old, values, limits=limits)
    return {"first": first, "line": change_line(changes, first=first),
            "items": [{"id": c.id, "old": c.old, "new": c.new, "percent": c.percent,
                       "limit": c.limit} for c in changes]}


def changes_from_record(record: dict | None) -> list:
    """The Change list back from a manifest record (empty for none or a first edition)."""
    if not isinstance(record, dict):
        return []
    return [Change(item.get("id", "?"), item.get("old"), item.get("new"), item.get("limit"))
            for item in record.get("items", ()) if isinstance(item, dict)]
