"""The guard: a new edition whose figures moved beyond their `max_change` is built but held.

`send` and `schedule --send` call `hold_if_breached` after the build and before any message
goes out. It reads the change records the build left in the manifest, so it needs neither
the data nor the renderer. `--accept-changes` releases a held edition (for that run).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ReportError
from .changes import changes_from_record, format_percent, format_value
from .manifest import peek_manifest


class HeldError(ReportError):
    """An edition's figures moved beyond their limits: nothing is sent."""

    exit_code = 1


def breaches(out_dir: Path, *, keys=None) -> list:
    """Return (lang, Change) for every figure of the current editions that breaks its limit.

    `keys` (manifest keys, `<name>-<lang>`: the editions a build just returned) limits it to
    one briefing's editions when several share the folder.
    """
    editions = peek_manifest(out_dir)["editions"]
    found = []
    for key in sorted(editions):
        if keys is not None and key not in keys:
            continue
        entry = editions[key]
        for change in changes_from_record(entry.get("changes")):
            if change.breaks_limit:
                found.append((entry.get("lang", key), change))
    return found


def hold_if_breached(out_dir: Path, *, keys=None, accept: bool = False,
                     release_hint: str = "send --accept-changes") -> None:
    """Raise HeldError naming each figure, its old and new value and its limit."""
    found = breaches(out_dir, keys=keys)
    if not found or accept:
        return
    seen, lines = set(), []
    for _lang, change in found:
        if change.id in seen:  # the same figure in every language: say it once
            continue
        seen.add(change.id)
        lines.append(f"  {change.id}: {format_value(change.old)} -> "
                     f"{format_value(change.new)}{format_percent(change.percent)}, "
                     f"limit {change.limit:g}%")
    langs_held = ", ".join(sorted({lang for lang, _ in found}))
    raise HeldError(
        f"held: the new edition ({langs_held}) moves {len(lines)} figure"
        f"{'s' if len(lines) != 1 else ''} beyond max_change; nothing was sent:\n"
        + "\n".join(lines)
        + f"\nCheck the data and its tables. If the new values are right, release the "
          f"edition with `{release_hint}`.")
