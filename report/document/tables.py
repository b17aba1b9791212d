"""Table files -> cells a figure or a chart can select: CSV, HXL-tagged CSV and Excel .xlsx.

A table is a header row, an optional HXL tag row (`#population+type`, ...) right under it,
and data rows. Every cell remembers where it came from (file line, or sheet row and column
letter), so that a bad value is reported as `data/population.csv:5: column 'persons': ...`.

- CSV: UTF-8 with or without a byte-order mark; at most MAX_BYTES.
- HXL: a row whose every non-empty cell is a hashtag; attributes (`+type`) are matched
  case-insensitively and in any order, a pattern matching a column whose tag has at least
  the pattern's attributes (the HXL rule). Parsed here: libhxl is not needed.
- .xlsx: openpyxl, read-only, formulas read as the values Excel saved (never evaluated),
  external links not loaded; the file, its unpacked size and its rows are capped.

Numbers in text cells: digits with an optional decimal point ('.' by default, ',' when the
table says `decimal: ","`) and a thousands separator only where unambiguous: groups of three
digits separated by ',' (or '.' with a decimal comma), e.g. 657,749 or 1,234.5. Spaces inside
a number are refused (657 749 might be two numbers). A trailing '%' is allowed for percents.
Paths must stay inside the data file's folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 5 * 1024 * 1024  # a CSV file, or an .xlsx file as stored
MAX_UNPACKED = 50 * 1024 * 1024  # an .xlsx file once unzipped (zip bombs)
MAX_ROWS = 20_000
MAX_COLUMNS = 200
SUFFIXES = (".csv", ".xlsx")
TAG_RE = re.compile(r"^#([a-z][a-z0-9_]*)((?:\s*\+\s*[a-z][a-z0-9_]*)*)$", re.IGNORECASE)


class TableError(Exception):
    """A table file, or a selection in it, is not usable; the message says where and why."""


@dataclass(frozen=True)
class Tag:
    """An HXL hashtag with its attributes, lower-cased: `#population+type+idp`."""

    name: str
    attributes: frozenset

    def matches(self, pattern: Tag) -> bool:
        return self.name == pattern.name and pattern.attributes <= self.attributes

    def __str__(self) -> str:
        return "#" + self.name + "".join(f"+{a}" for a in sorted(self.attributes))


def parse_tag(text: str) -> Tag | None:
    """'#Population +Type' -> Tag('population', {'type'}); None if it is not a hashtag."""
    match = TAG_RE.match(str(text).strip())
    if not match:
        return None
    attributes = [a.strip().lower() for a in match[2].split("+") if a.strip()]
    return Tag(match[1].lower(), frozenset(attributes))


@dataclass(frozen=True)
class Cell:
    """One value of a table and its place: `where` is the file line or the sheet cell."""

    value: object  # str for CSV; str, int, float, datetime or None for .xlsx
    where: str  # e.g. "data/population.csv:5" or "data/funding.xlsx[Funding]:C5"
    column: str  # the header


@dataclass(frozen=True)
class Table:
    """A header, optional HXL tags per column, and rows of cells."""

    name: str  # as the user wrote it, e.g. "data/population.csv"
    headers: tuple
    tags: tuple  # Tag or None per column; all None without a tag row
    rows: tuple  # of tuples of Cell
    decimal: str = "."

    def column_index(self, selector: str) -> int:
        """The column named by a header or an HXL tag pattern; TableError if none or several."""
        selector = str(selector).strip()
        pattern = parse_tag(selector) if selector.startswith("#") else None
        if pattern is not None:
            found = [i for i, tag in enumerate(self.tags) if tag and tag.matches(pattern)]
            known = [str(tag) for tag in self.tags if tag]
        else:
            found = [i for i, h in enumerate(self.headers) if h == selector]
            if not found:
                found = [i for i, h in enumerate(self.headers) if h.lower() == selector.lower()]
            known = list(self.headers)
        if len(found) == 1:
            return found[0]
        if found:
            names = " and ".join(f"'{self.headers[i]}'" for i in found)
            raise TableError(f"{self.name}: {len(found)} columns match '{selector}' ({names}); "
                             "add an attribute or name the header")
        raise TableError(f"{self.name}: no column '{selector}'{_suggest(selector, known)}")

    def select_rows(self, where: dict) -> list:
        """The rows whose cells equal every `column: value` of `where` (text compared)."""
        indexes = {selector: self.column_index(selector) for selector in where}
        return [row for row in self.rows
                if all(_same(row[indexes[s]].value, expected) for s, expected in where.items())]

    def select_row(self, where: dict):
        """Exactly one row; TableError naming the rows if none or several match."""
        rows = self.select_rows(where)
        condition = " and ".join(f"{s} = {_show(v)}" for s, v in where.items())
        if len(rows) == 1:
            return rows[0]
        if not rows:
            hint = self._near_values(where)
            raise TableError(f"{self.name}: no row where {condition}{hint}")
        places = [row[0].where.rpartition(":")[2] for row in rows]
        listed = ", ".join(places[:-1]) + f" and {places[-1]}"
        raise TableError(f"{self.name}: {len(rows)} rows match {condition} (rows {listed}); "
                         "add a condition so that one row matches")

    def _near_values(self, where: dict) -> str:
        for selector, expected in where.items():
            column = self.column_index(selector)
            values = sorted({_text(row[column].value) for row in self.rows} - {""})
            if _text(expected) not in values:
                return _suggest(_text(expected), values, what=f"values of {selector}")
        return ""

    def column(self, selector: str) -> list:
        """Every cell of one column, in row order (a chart's categories or values)."""
        index = self.column_index(selector)
        return [row[index] for row in self.rows]


def _suggest(name: str, known, *, what: str = "columns") -> str:
    """'; did you mean 'persons'? The columns are: ...' (or without the guess)."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    close = close or [k for k in known if k.lower() == name.lower()]
    listed = ", ".join(f"'{k}'" for k in known[:12]) or "none"
    guess = f"; did you mean '{close[0]}'?" if close else ";"
    return f"{guess} the {what} are: {listed}"


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _same(cell, expected) -> bool:
    return _text(cell) == _text(expected)


def _show(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


# --- reading ---------------------------------------------------------------------------

def table_files(top: dict, base: Path) -> list:
    """The table files a raw data file names (for fingerprints), without reading them."""
    tables = top.get("tables") if isinstance(top, dict) else None
    if not isinstance(tables, dict):
        return []
    files = []
    for spec in tables.values():
        rel = spec.get("file") if isinstance(spec, dict) else spec
        if isinstance(rel, str):
            files.append(Path(base) / rel)
    return files



def resolve_table_path(rel: str, base: Path) -> Path:
    """`rel` below the data file's folder `base`; TableError if outside, missing or odd."""
    folder = Path(base).resolve()
    full = (folder / rel).resolve()
    if not full.is_relative_to(folder):
        raise TableError(f"'{rel}' is outside the data file's folder; put the table beside "
                         "the data file (for example in data/)")
    if full.suffix.lower() not in SUFFIXES:
        raise TableError(f"'{rel}': expected a .csv or .xlsx file")
    if not full.is_file():
        raise TableError(f"'{rel}' does not exist (looked in {folder})")
    return full


def read_table(rel: str, *, base: Path, sheet: str | None = None,
               decimal: str = ".") -> Table:
    """Read the table file `rel` (relative to `base`), CSV or .xlsx; TableError on problems."""
    path = resolve_table_path(rel, base)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise TableError(f"{rel}: file is {size:,} bytes; the limit is {MAX_BYTES:,}")
    if path.suffix.lower() == ".xlsx":
        grid = _xlsx_grid(path, rel, sheet)
        name = f"{rel}[{grid[0]}]"
        return _make_table(name, grid[1], decimal, xlsx=True)
    if sheet is not None:
        raise TableError(f"{rel}: 'sheet' is for .xlsx files; a CSV file has no sheets")
    return _make_table(rel, _csv_grid(path.read_bytes(), rel), decimal, xlsx=False)


def _csv_grid(raw: bytes, rel: str) -> list:
    """[(line, [cells])] for each non-blank record, or TableError."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TableError(f"{rel}:{line}: not UTF-8 (byte {raw[exc.start]:#04x}); save the "
                         "file as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    grid, line = [], 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                grid.append((line, [cell.strip() for cell in record]))
            line = reader.line_num + 1
            if len(grid) > MAX_ROWS + 2:
                raise TableError(f"{rel}: more than {MAX_ROWS:,} rows; the limit is {MAX_ROWS:,}")
    except csv.Error as exc:
        raise TableError(f"{rel}:{reader.line_num}: not valid CSV: {exc}") from None
    return grid


def _xlsx_grid(path: Path, rel: str, sheet: str | None):
    """(sheet title, [(row number, [values])]) from a read-only workbook."""
    _check_zip(path, rel)
    import openpyxl  # only when a spreadsheet is read: not on the skip path

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableError(f"{rel}: not a readable .xlsx file ({type(exc).__name__}: {exc})"
                         ) from None
    try:
        return _sheet_rows(book, rel, sheet)
    finally:
        book.close()


def _check_zip(path: Path, rel: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise TableError(f"{rel}: not an .xlsx file (not a zip archive); save it as Excel "
                         "Workbook (.xlsx)") from None
    if unpacked > MAX_UNPACKED:
        raise TableError(f"{rel}: unpacks to {unpacked:,} bytes; the limit is {MAX_UNPACKED:,}")


def _sheet_rows(book, rel: str, sheet: str | None):
    names = book.sheetnames
    if sheet is None:
        sheet = names[0]
    elif sheet not in names:
        raise TableError(f"{rel}: no sheet '{sheet}'{_suggest(sheet, names, what='sheets')}")
    grid = []
    for number, values in enumerate(book[sheet].iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + 2:
            raise TableError(f"{rel}[{sheet}]: more than {MAX_ROWS:,} rows; the limit is "
                             f"{MAX_ROWS:,}")
        if len(values) > MAX_COLUMNS:
            raise TableError(f"{rel}[{sheet}]: more than {MAX_COLUMNS} columns")
        cells = [v.strip() if isinstance(v, str) else v for v in values]
        if any(v not in (None, "") for v in cells):
            grid.append((number, cells))
    if not grid:
        raise TableError(f"{rel}: sheet '{sheet}' is empty; put a header row and data in it")
    return sheet, grid


def _make_table(name: str, grid: list, decimal: str, *, xlsx: bool) -> Table:
    if not grid:
        raise TableError(f"{name}: the table is empty; put a header row and data in it")
    _, header = grid[0]
    headers = tuple(_text(h) for h in header)
    _check_headers(name, grid[0][0], headers)
    body = grid[1:]
    tags = (None,) * len(headers)
    if body and _is_tag_row(body[0][1]):
        tags = tuple(parse_tag(t) if _text(t) else None for t in _pad(body[0][1], len(headers)))
        body = body[1:]
    rows = []
    for line, values in body:
        if len(values) > len(headers) and any(_text(v) for v in values[len(headers):]):
            raise TableError(f"{name}:{line}: {len(values)} cells but {len(headers)} columns "
                             "in the header")
        rows.append(tuple(Cell(v, _where(name, line, i, xlsx), headers[i])
                          for i, v in enumerate(_pad(values, len(headers)))))
    return Table(name, headers, tags, tuple(rows), decimal)


def _check_headers(name, line, headers) -> None:
    for i, header in enumerate(headers):
        if not header:
            raise TableError(f"{name}:{line}: column {i + 1} has no header; name every column")
        if header in headers[:i]:
            raise TableError(f"{name}:{line}: the header '{header}' is used twice")


def _is_tag_row(values) -> bool:
    texts = [_text(v) for v in values if _text(v)]
    return bool(texts) and all(parse_tag(t) is not None for t in texts)


def _pad(values, width: int) -> list:
    values = list(values)[:width]
    return values + [None] * (width - len(values))


def _where(name: str, line: int, index: int, xlsx: bool) -> str:
    return f"{name}:{_letter(index)}{line}" if xlsx else f"{name}:{line}"


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- values ----------------------------------------------------------------------------

def cell_number(cell: Cell, *, decimal: str = ".", whole: bool = False,
                percent: bool = False):
    """The cell as a number (int when whole); TableError naming the cell otherwise."""
    value = cell.value
    expected = "a whole number" if whole else "a number"
    if isinstance(value, bool) or value is None or value == "":
        got = "an empty cell" if value in (None, "") else repr(value)
        raise TableError(f"{cell.where}: column '{cell.column}': expected {expected}, "
                         f"got {got}")
    number = value if isinstance(value, int | float) else _parse_number(
        str(value), decimal=decimal, percent=percent)
    if number is None:
        raise TableError(f"{cell.where}: column '{cell.column}': expected {expected}, got "
                         f"{str(value)!r}{_number_hint(str(value), decimal)}")
    if whole:
        if isinstance(number, float) and not number.is_integer():
            raise TableError(f"{cell.where}: column '{cell.column}': expected a whole number, "
                             f"got {value!r}")
        return int(number) if abs(number) < 2**53 else number  # 1e+300 is said as 1e+300
    return number


def _parse_number(text: str, *, decimal: str, percent: bool):
    text = text.strip()
    if percent and text.endswith("%"):
        text = text[:-1].rstrip()
    group = "," if decimal == "." else "."
    pattern = (rf"[-+]?(?:\d{{1,3}}(?:{re.escape(group)}\d{{3}})+|\d+)"
               rf"(?:{re.escape(decimal)}\d+)?")
    if not re.fullmatch(pattern, text):
        return None
    plain = text.replace(group, "").replace(decimal, ".")
    return float(plain) if "." in plain else int(plain)


def _number_hint(text: str, decimal: str) -> str:
    if re.search(r"\d[\s\u00a0\u202f]\d", text):
        return "; remove the spaces (thousands may be separated by ',' only)" if decimal == "." \
            else "; remove the spaces (thousands may be separated by '.' only)"
    return ""
