"""`table`: rows and columns, from a table file declared under `tables:` or written inline.

A table from a file prints the file's values as they are: text as written (or, where the
column gives `labels`, the words for the file's codes), numbers exactly, formatted per
edition (8.0 prints 8.0 in English and 8,0 in Azerbaijani), with as many decimals as the
file writes. They are the office's data, cited by the section's source; they are not typed
numbers, so they are not declared under `figures:`. Inline rows hold text, figure ids
(`{figure: id}`: a number typed inline is an error, as everywhere) or nothing (`~`: printed
as "not available"). Header cells repeat on every page; a row never splits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import fields as f
from ..figures import LITERAL_HINT, figure_id_ref
from ..model import Figure, FrozenMap, Number, Section, Text
from ..tables import TableError, cell_number
from . import SectionType

FORMATS = ("text", "number")
MAX_ROWS = 500  # a briefing's table, not a data dump: about ten pages


@dataclass(frozen=True)
class TableColumn:
    """One column of a table section: which column of the file (or key of the inline rows)
    it shows, and its header."""

    column: str
    """The column of the table file (its header, or an HXL tag such as `#population+num`),
    or the key of the inline rows."""
    header: Text
    """The column's header, printed at the top of every page the table runs over."""
    format: str = "text"
    """`text` (printed as written) or `number` (every cell a number, printed per edition,
    right-aligned)."""
    decimals: int | None = None
    """A number column's decimals (a cell written with more is a problem); by default the
    most that any of its cells is written with."""
    labels: FrozenMap = field(default_factory=FrozenMap)
    """The words printed for the file's codes in this column, `{code: text}` (`{funded:
    {en: Funded, az: Təmin olunub}}`); every code in the column needs one."""


@dataclass(frozen=True)
class TableCell:
    """One cell: a text, a number from the file, a declared figure, or nothing."""

    text: Text | None = None
    number: Number | None = None
    decimals: int = 0
    figure: Figure | None = None


@dataclass(frozen=True)
class TableSection(Section):
    """A table: header cells over rows, from a table file or written inline."""

    columns: tuple[TableColumn, ...] = ()
    """The columns shown, in order, each with its header."""
    table: str | None = None
    """The name of a table under `tables:` whose rows are shown (or give `rows`)."""
    where: FrozenMap = field(default_factory=FrozenMap)
    """With `table`: only the rows whose cells equal these, `{column: value}`."""
    rows: tuple[tuple[TableCell, ...], ...] = ()
    """The rows, instead of `table`: one mapping per row, `{column: cell}`, giving every
    column (`~` for a cell that is not available)."""
    caption: Text | None = None
    """A caption printed above the table."""


def parse(r, source):
    """Read the columns and the rows (from the file or inline), the caption."""
    columns = r.get("columns", f.list_of(read_column))
    name = r.get("table", f.plain_str, default=None)
    where = r.get("where", f.mapping_of(read_match), default=FrozenMap())
    inline = r.get("rows", f.list_of(f.mapping_of(read_cell)), default=None)
    caption = r.get("caption", f.text, default=None)
    if columns is None or where is None or not _one_origin(r, name, inline):
        return None
    _check_keys(r, columns)
    if name is not None:
        rows = _file_rows(r, name, where, columns)
    else:
        rows = _inline_rows(r, inline, columns)
    if rows is None:
        return None
    return {"columns": columns, "table": name, "where": where, "rows": rows,
            "caption": caption}


def read_column(ctx, raw, path):
    """Read one column: `{column: ..., header: ..., format: ..., decimals: ..., labels: ...}`."""
    r = f.Reader(ctx, raw, path)
    result = f.all_set({
        "column": r.get("column", f.plain_str),
        "header": r.get("header", f.text),
        "format": r.get("format", f.choice(*FORMATS), default="text"),
        "labels": r.get("labels", f.mapping_of(f.text), default=FrozenMap()),
    })
    decimals = r.get("decimals", f.decimals, default=None)
    r.done()
    return TableColumn(**result, decimals=decimals) if result else None


def read_cell(ctx, raw, path):
    """Read an inline cell: a text, `{figure: id}`, or `~` (not available)."""
    if raw is None:
        return TableCell()
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        ctx.problem(path, f"{raw} is a number typed here; {LITERAL_HINT}, then write "
                          "`{figure: <id>}`; or quote it (\"2024\") if it is a name or a year")
        return None
    if isinstance(raw, dict) and "figure" in raw:
        r = f.Reader(ctx, raw, path)
        fig = r.get("figure", figure_id_ref)
        r.done()
        if fig is not None and fig.kind == "date":
            ctx.problem(path, f"figure '{fig.id}' is a date; write the date as text here")
            return None
        return None if fig is None else TableCell(figure=fig.as_figure())
    text = f.text(ctx, raw, path)
    return None if text is None else TableCell(text=text)


def read_match(ctx, raw, path):
    """Read a value that picks rows: a string or a number, compared as text."""
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        return raw
    ctx.problem(path, f"expected a string or a number to compare the column with, got "
                      f"{f.describe(raw)}")
    return None


def _one_origin(r, name, inline) -> bool:
    given = [key for key in ("table", "rows") if r.value.get(key) is not None]
    if len(given) == 1:
        return name is not None or given == ["rows"]
    r.ctx.problem(r.path, "give either 'table:' (a table under 'tables:') or 'rows:' (rows "
                          "written here)" + (", not both" if given else ""))
    return False


def _check_keys(r, columns) -> None:
    seen = set()
    for i, col in enumerate(columns):
        if col.column in seen:
            r.ctx.problem(r.sub("columns") + (i, "column"), f"column '{col.column}' is "
                                                            "shown twice")
        seen.add(col.column)


def _file_rows(r, name, where, columns):
    """The file's rows (those `where` picks), each cell converted; None on problems."""
    ctx = r.ctx
    table = ctx.tables.get(name, r.sub("table")) if ctx.tables else None
    if table is None:
        return None
    indexes = [_index(ctx, table, col.column, r.sub("columns") + (i, "column"))
               for i, col in enumerate(columns)]
    try:
        rows = table.select_rows(dict(where)) if where else list(table.rows)
    except TableError as exc:
        ctx.problem(r.sub("where"), str(exc))
        return None
    if None in indexes or not _rows_fit(r, rows, table.name, bool(where)):
        return None
    cells = [[_file_cell(r, i, col, row[index], table.decimal)
              for i, (col, index) in enumerate(zip(columns, indexes, strict=True))]
             for row in rows]
    cells = _with_column_decimals(columns, cells)
    return None if any(None in row for row in cells) else tuple(map(tuple, cells))


def _index(ctx, table, selector, path):
    try:
        return table.column_index(selector)
    except TableError as exc:
        ctx.problem(path, str(exc))
        return None


def _rows_fit(r, rows, name, filtered) -> bool:
    if not rows:
        r.ctx.problem(r.sub("where" if filtered else "table"),
                      f"{name}: no row matches 'where'" if filtered else
                      f"{name}: the table has no rows; put data rows under the header")
        return False
    if len(rows) > MAX_ROWS:
        r.ctx.problem(r.sub("table"), f"{name}: {len(rows):,} rows; a table section shows at "
                                      f"most {MAX_ROWS}: pick rows with 'where'")
        return False
    return True


def _file_cell(r, i, col, cell, decimal):
    """One file cell as a TableCell (decimals as written; the column's are set after)."""
    path = r.sub("columns") + (i, "column")
    if cell.value is None or cell.value == "":
        return TableCell()
    if col.format == "number":
        try:
            number = cell_number(cell, decimal=decimal)
        except TableError as exc:
            r.ctx.problem(path, str(exc))
            return None
        written = _written_decimals(cell.value, decimal)
        if col.decimals is not None and written > col.decimals:
            r.ctx.problem(r.sub("columns") + (i, "decimals"),
                          f"{cell.where}: column '{cell.column}': {cell.value!r} has "
                          f"{written} decimal{'s' * (written != 1)}; {col.decimals} would "
                          "print it rounded")
            return None
        return TableCell(number=number, decimals=written)
    text = _cell_text(cell.value)
    if col.labels:
        if text not in col.labels:
            r.ctx.problem(r.sub("columns") + (i, "labels"),
                          f"{cell.where}: column '{cell.column}': no label for '{text}'; add "
                          f"it to 'labels'")
            return None
        return TableCell(text=col.labels[text])
    problem = f._unprintable(text)
    if problem:
        r.ctx.problem(path, f"{cell.where}: column '{cell.column}': the text {problem}")
        return None
    return TableCell(text=Text({lang: text for lang in r.ctx.langs}))


def _with_column_decimals(columns, cells):
    """Give a number column's cells one count of decimals: the column's `decimals`, else
    the most any of its cells writes (8 beside 4.5 prints 8.0)."""
    for i, col in enumerate(columns):
        numbers = [row for row in cells if row[i] is not None and row[i].number is not None]
        if numbers:
            places = col.decimals if col.decimals is not None else max(
                row[i].decimals for row in numbers)
            for row in numbers:
                row[i] = TableCell(number=row[i].number, decimals=places)
    return cells


def _written_decimals(value, decimal: str) -> int:
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0 if value.is_integer() else len(repr(value).partition(".")[2])
    digits = str(value).strip().rstrip("%").strip().partition(decimal)[2]
    return len(digits)


def _cell_text(value) -> str:
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _inline_rows(r, inline, columns):
    """The inline rows in column order; every row gives every column, no other key."""
    keys = [col.column for col in columns]
    ok = inline is not None
    raw = r.value["rows"] if isinstance(r.value["rows"], list) else []
    for i, row in enumerate(raw):
        path = r.sub("rows") + (i,)
        if not isinstance(row, dict):
            continue  # reported by the reader
        for key in row:
            if key not in keys:
                r.ctx.problem(path + (key,), f"'{key}' is not a column; the columns are: "
                                             f"{', '.join(keys)}")
                ok = False
        for key in keys:
            if key not in row:
                r.ctx.problem(path, f"no '{key}': give every column (`{key}: ~` for a cell "
                                    "that is not available)")
                ok = False
    if not ok:
        return None
    rows = [tuple(row.get(key) for key in keys) for row in inline]
    return tuple(rows) if _numbers_are_figures(r, columns, rows) else None


def _numbers_are_figures(r, columns, rows) -> bool:
    ok = True
    for i, col in enumerate(columns):
        for j, row in enumerate(rows):
            if col.format == "number" and row[i] is not None and row[i].text is not None:
                r.ctx.problem(r.sub("rows") + (j, col.column),
                              "a number column's cell is a figure (`{figure: <id>}`) or "
                              "`~`, not text")
                ok = False
    return ok


TYPE = SectionType(model=TableSection, parse=parse)
