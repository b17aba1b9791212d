"""The `figures:` and `tables:` blocks of a data file -> one validated figure per id.

Each figure is declared once, under its id, with its kind, and one of:
- `value:` typed in the data file;
- `table:` + `row:` + `column:` read from a table file (tables.py);
- a formula over other figures: `share: {part: a, whole: b}` (a percentage),
  `difference: [a, b]` (a - b, e.g. a gap) or `sum: [a, b, ...]` (a total).

Every value, typed, read or computed, is finite and below 10^15, with 0 to 6 `decimals`.
Kinds (KINDS) say what a value may be: a count is a whole number, not negative; an amount is
not negative and has a currency (and the unit words printed after it, with an optional
scale); a percent lies from 0 to 100; a date is a
partial date. A derived figure is rounded to its `decimals`; where the source prints a
rounded value (`printed: 56`), the computed value must round to it: it may differ from it by
at most half a unit of the printed value's last decimal (56.25 prints as 56; 56.6 does not).
A share's part may not exceed its whole, a difference may not be negative, and `checks:`
pairs (part, whole) hold for every figure, whatever section shows it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from . import fields as f
from .derived import resolve_figures
from .model import Figure, Number, PartialDate, Text
from .tables import TableError, cell_number, read_table

KINDS = ("count", "amount", "percent", "date")
SCALES = ("units", "thousand", "million", "billion")
FORMULAS = ("share", "difference", "sum")
ORIGINS = ("value", "table", *FORMULAS)
CHANGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


@dataclass(frozen=True)
class FigureDef:
    """A declared figure: its value (typed, read or computed) and what it is."""

    id: str
    kind: str
    value: Number | PartialDate
    source: str
    label: Text | None = None
    as_of: Text | None = None
    unit: Text | None = None  # e.g. "million US dollars"
    currency: str | None = None
    scale: str | None = None
    decimals: int = 0
    max_change: float | None = None  # percent an edition may move it by
    origin: str = ""  # where the value comes from: "data.yaml:88" or a table cell

    def as_figure(self, **overrides) -> Figure:
        """The figure as a section shows it (a card, a bar); words may be overridden."""
        fields = {"value": self.value, "label": self.label, "source": self.source,
                  "id": self.id, "as_of": self.as_of, "unit": self.unit,
                  "style": "percent" if self.kind == "percent" else "number",
                  "decimals": self.decimals}
        fields.update({k: v for k, v in overrides.items() if v is not None})
        return Figure(**fields)


def read_max_change(ctx, raw, path):
    """'25%' (or 25) -> 25.0: how far, in percent, a figure may move between editions."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw_text = f"{raw}%"
    else:
        raw_text = raw if isinstance(raw, str) else ""
    match = CHANGE_RE.match(raw_text)
    if match and float(match[1]) > 0:
        return float(match[1])
    ctx.problem(path, f"expected a limit like '25%', got {f.describe(raw)}")
    return None


def read_figures(ctx, top: dict, *, base: Path) -> dict | None:
    """{id: FigureDef} from the top-level `tables:`, `figures:` and `max_change:`."""
    raw = top.get("figures")
    tables = ctx.tables = _Tables(ctx, top.get("tables"), base)  # table sections read it too
    if raw is None:
        return {}
    limit = None
    if top.get("max_change") is not None:
        limit = read_max_change(ctx, top["max_change"], ("max_change",))
    if not isinstance(raw, dict):
        ctx.problem(("figures",), f"expected a mapping of figure ids to figures, got "
                                  f"{f.describe(raw)}")
        return None
    specs = {}
    for fid, item in raw.items():
        path = ("figures", fid)
        if f.ident(ctx, fid, path) is not None:
            specs[fid] = _read_spec(ctx, item, path, tables, limit)
    resolved = resolve_figures(ctx, {k: v for k, v in specs.items() if v is not None},
                               make=FigureDef, check=check_kind,
                               failed={k for k, v in specs.items() if v is None})
    ctx.failed_figures = set(raw) - set(resolved)
    return resolved


class _Tables:
    """The `tables:` block, each file read once, when a figure first needs it."""

    def __init__(self, ctx, raw, base):
        self.ctx, self.base, self.read = ctx, base, {}
        self.specs = {}
        if raw is None:
            return
        if not isinstance(raw, dict):
            ctx.problem(("tables",), f"expected a mapping of table names to files, got "
                                     f"{f.describe(raw)}")
            return
        for name, spec in raw.items():
            r = f.Reader(ctx, spec if not isinstance(spec, str) else {"file": spec},
                         ("tables", name))
            self.specs[name] = {"file": r.get("file", f.plain_str),
                                "sheet": r.get("sheet", f.plain_str, default=None),
                                "decimal": r.get("decimal", f.choice(".", ","), default=".")}
            r.done()

    def get(self, name, path):
        if name not in self.specs:
            known = ", ".join(sorted(self.specs)) or "none (add a 'tables:' block)"
            self.ctx.problem(path, f"unknown table '{name}'; the tables are: {known}")
            return None
        if name not in self.read:
            spec = self.specs[name]
            try:
                self.read[name] = read_table(spec["file"], base=self.base, sheet=spec["sheet"],
                                             decimal=spec["decimal"]) if spec["file"] else None
            except TableError as exc:
                self.ctx.problem(("tables", name, "file"), str(exc))
                self.read[name] = None
        return self.read[name]


def _read_spec(ctx, raw, path, tables, limit):
    r = f.Reader(ctx, raw, path)
    if not r.ok:
        return None
    kind = r.get("kind", f.choice(*KINDS), default="count")
    spec = {
        "id": path[-1], "kind": kind, "source": r.get("source", f.ident),
        "label": r.get("label", f.text, default=None),
        "as_of": r.get("as_of", f.text, default=None),
        "unit": r.get("unit", f.text, default=None),
        "currency": r.get("currency", _currency, default=None),
        "scale": r.get("scale", f.choice(*SCALES), default=None),
        "decimals": r.get("decimals", f.decimals, default=0),
        "max_change": r.get("max_change", read_max_change, default=limit),
        "line": ctx.doc.line(path),
    }
    origins = [key for key in ORIGINS if key in r.value]
    spec["origin"] = _read_origin(ctx, r, path, origins, tables, kind)
    r.done(("row", "column", "printed"))
    if kind == "amount" and r.ok and (spec["currency"] is None or spec["unit"] is None):
        if r.value.get("currency") is None or r.value.get("unit") is None:
            ctx.problem(path, "an amount needs 'currency:' (e.g. USD) and 'unit:' (the words "
                              "printed after it, e.g. 'million US dollars')")
        return None  # else the currency or unit given has a problem, already reported
    return None if None in (spec["kind"], spec["source"], spec["origin"], spec["decimals"]) \
        else spec


def _currency(ctx, raw, path):
    if isinstance(raw, str) and re.fullmatch(r"[A-Z]{3}", raw):
        return raw
    ctx.problem(path, f"expected a three-letter currency code like USD, got {f.describe(raw)}")
    return None


def _read_origin(ctx, r, path, origins, tables, kind):
    """('value', number) | ('table', number, where) | (formula, operands, printed)."""
    if len(origins) != 1:
        found = " and ".join(f"'{o}'" for o in origins)
        ctx.problem(path, f"has {found}: give exactly one of 'value:', 'table:' (with 'row:' "
                          "and 'column:') or a formula ('share:', 'difference:', 'sum:')"
                    if origins else "has no value: add 'value:', 'table:' (with 'row:' and "
                                    "'column:') or a formula ('share:', 'difference:', 'sum:')")
        return None
    origin = origins[0]
    if origin == "value":
        value = r.get("value", _value_reader(kind))
        where = f"{ctx.doc.name}:{ctx.doc.line(path + ('value',))}"
        return None if value is None else ("value", value, where)
    if origin == "table":
        return _read_from_table(ctx, r, path, tables, kind)
    return _read_formula(ctx, r, path, origin)


def _value_reader(kind):
    if kind == "date":
        return f.partial_date

    def read(ctx, raw, path):
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            ctx.problem(path, f"expected a number, got {f.describe(raw)}")
            return None
        return check_kind(ctx, kind, raw, path)
    return read


def check_kind(ctx, kind, value, path, *, where=""):
    """The value if it is finite, below 10^15 and suits the kind (count whole, not negative;
    percent 0-100), else None: typed, read from a table or computed alike."""
    problem = _magnitude_problem(value) or _kind_problem(kind, value)
    if problem:
        ctx.problem(path, f"{where}{problem}")
        return None
    return int(value) if kind == "count" else value


def _magnitude_problem(value) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"expected a finite number, got {value}"
    if isinstance(value, int | float) and abs(value) >= f.MAX_MAGNITUDE:
        return f"expected a number below 10^15, got {value}"
    return None


def _kind_problem(kind, value) -> str | None:
    if kind == "count" and isinstance(value, float) and not value.is_integer():
        return f"expected a whole number (a count), got {value}"
    if kind in ("count", "amount", "percent") and value < 0:
        return f"expected a number that is not negative, got {value}"
    if kind == "percent" and value > 100:
        return f"expected a percentage from 0 to 100, got {value}"
    return None


def _read_from_table(ctx, r, path, tables, kind):
    name = r.get("table", f.plain_str)
    row_spec = r.get("row", _row_spec)
    column = r.get("column", f.plain_str)
    table = tables.get(name, path + ("table",)) if name else None
    if table is None or row_spec is None or column is None:
        return None
    try:
        row = table.select_row(row_spec)
        cell = row[table.column_index(column)]
        if kind == "date":
            raise TableError(f"{cell.where}: a date figure cannot come from a table yet; "
                             "type it with 'value:'")
        number = cell_number(cell, decimal=table.decimal, whole=kind == "count",
                             percent=kind == "percent")
    except TableError as exc:
        ctx.problem(path + ("row",), str(exc))
        return None
    value = check_kind(ctx, kind, number, path + ("column",),
                       where=f"{cell.where}: column '{cell.column}': ")
    return None if value is None else ("table", value, cell.where)


def _row_spec(ctx, raw, path):
    if isinstance(raw, dict) and raw and all(isinstance(v, str | int | float) and
                                             not isinstance(v, bool) for v in raw.values()):
        return {str(k): v for k, v in raw.items()}
    ctx.problem(path, "expected a mapping of column (header or #hxl+tag) to the value that "
                      "picks the row, e.g. {'#population+type': idps}, got "
                      f"{f.describe(raw)}")
    return None


def _read_formula(ctx, r, path, formula):
    printed = r.get("printed", f.amount, default=None)
    if formula == "share":
        operands = r.get("share", _share)
    else:
        minimum = 2
        operands = r.get(formula, f.list_of(f.ident, min_items=minimum))
        if operands is not None and formula == "difference" and len(operands) != 2:
            ctx.problem(path + (formula,), "expected two figure ids: [whole, part]")
            return None
    return None if operands is None else (formula, tuple(operands), printed)


def _share(ctx, raw, path):
    r = f.Reader(ctx, raw, path)
    part, whole = r.get("part", f.ident), r.get("whole", f.ident)
    r.done()
    return (part, whole) if part and whole else None


def check_parts(ctx, figures: dict, checks) -> None:
    """Each `(part, whole, path)` of `checks:`: both are figures and part <= whole."""
    for part, whole, path in checks:
        for name, key in ((part, "part"), (whole, "whole")):
            if name not in figures:
                ctx.problem(path + (key,), f"no figure has the id '{name}'")
        if part in figures and whole in figures and figures[part].value > figures[whole].value:
            ctx.problem(path, f"'{part}' ({figures[part].value}) exceeds its whole "
                              f"'{whole}' ({figures[whole].value})")


def check_sources(ctx, figures: dict, known: set) -> None:
    """Every figure names a source of the file."""
    for fid, fig in figures.items():
        if fig.source not in known:
            ctx.problem(("figures", fid, "source"), f"unknown source '{fig.source}'; the "
                                                    f"sources are: {', '.join(sorted(known))}")


def figure_values(figures: dict) -> dict:
    """{id: plain value} as the manifest records them (dates as ISO strings)."""
    return {fid: fig.value.iso() if isinstance(fig.value, PartialDate) else fig.value
            for fid, fig in sorted(figures.items())}


# --- references from sections ------------------------------------------------------------

LITERAL_HINT = ("declare it once under 'figures:' (with its kind, label and source) and "
                "refer to it by id")


def figure_ref(ctx, raw, path):
    """A figure shown by a section: `idps`, or `{figure: idps, label: ..., as_of: ...}`."""
    if isinstance(raw, dict) and "figure" not in raw and "value" in raw:
        ctx.problem(path, f"a number is typed here; {LITERAL_HINT}, e.g. "
                          f"`- {{figure: {raw.get('id') or 'idps'}}}`")
        return None
    overrides = {}
    if isinstance(raw, dict):
        r = f.Reader(ctx, raw, path)
        fid = r.get("figure", f.ident)
        overrides = {key: r.get(key, f.text, default=None) for key in ("label", "as_of", "unit")}
        r.done()
    else:
        fid = _ref_id(ctx, raw, path)
    fig = _lookup(ctx, fid, path)
    if fig is None:
        return None
    if fig.label is None and overrides.get("label") is None:
        ctx.problem(path, f"figure '{fid}' has no label: add 'label:' to it under 'figures:'")
        return None
    return fig.as_figure(**overrides)


def figure_id_ref(ctx, raw, path, *, kind=None):
    """A figure id that must exist (and be of `kind`); returns the FigureDef."""
    fig = _lookup(ctx, _ref_id(ctx, raw, path), path)
    if fig is not None and kind and fig.kind != kind:
        ctx.problem(path, f"figure '{fig.id}' is a {fig.kind}; expected a {kind} here")
        return None
    return fig


def value_ref(ctx, raw, path):
    """A {placeholder} of a sentence: `id`, or `{figure: id, words: true}` to spell it out."""
    from .i18n import WORDS_UP_TO
    from .model import Value

    words = False
    if isinstance(raw, dict) and "figure" in raw:
        before = len(ctx.problems)
        r = f.Reader(ctx, raw, path)
        fid = r.get("figure", f.ident)
        words = r.get("words", _flag, default=False)
        r.done()
        if len(ctx.problems) > before:
            return None
    else:
        fid = _ref_id(ctx, raw, path)
    fig = _lookup(ctx, fid, path)
    if fig is None or words is None:
        return None
    if words and not (float(fig.value).is_integer() and 0 <= fig.value <= WORDS_UP_TO):
        ctx.problem(path + ("words",), f"figure '{fig.id}' is {fig.value}; only whole numbers "
                                       f"from 0 to {WORDS_UP_TO} are spelled out: remove "
                                       "'words: true'")
        return None
    return Value(fig.value, fig.id, fig.decimals, words=bool(words))


def _flag(ctx, raw, path):
    if not isinstance(raw, bool):
        ctx.problem(path, f"expected true or false, got {raw!r}")
        return None
    return raw


def _ref_id(ctx, raw, path):
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        ctx.problem(path, f"{raw} is a number typed here; {LITERAL_HINT}, e.g. "
                          f"`{path[-1]}: <figure id>`")
        return None
    if isinstance(raw, dict) and "value" in raw:
        ctx.problem(path, f"a number is typed here; {LITERAL_HINT}, e.g. "
                          f"`{path[-1]}: <figure id>`")
        return None
    return f.ident(ctx, raw, path)


def _lookup(ctx, fid, path):
    if fid is None:
        return None
    figures = getattr(ctx, "figures", None) or {}
    if fid in figures:
        return figures[fid]
    if fid in getattr(ctx, "failed_figures", ()):
        return None  # the figure itself has a problem, already reported
    close = f.difflib.get_close_matches(fid, list(figures), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else "; declare it under 'figures:'"
    ctx.problem(path, f"no figure has the id '{fid}'{hint}")
    return None
