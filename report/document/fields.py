"""Field readers: turn plain YAML values into model values, recording every problem.

A `Reader` wraps one mapping of the file. Each `get_*` call reads a key, converts it, and on
failure records a one-line problem with the file, line and path; at the end `done()` reports
keys nobody asked for (typos), with a suggestion where one is close.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
import string

from .inline import find_mark_problems
from .model import Entry, FrozenMap, Para, PartialDate, Text
from .yamlfile import YamlDoc, format_path

_MISSING = object()
REQUIRED = _MISSING  # the `default` of a key that must be given
SAME_IN_ALL = "all"  # {all: "COP29"}: a Text that is the same in every edition
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# C0 controls but tab and line feed, DEL, C1 controls, lone surrogates: never printable
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
BREAK_RE = re.compile(r"[ \t\n\u200b]+")  # where a line may break (not NBSP)
MAX_WORD = 200  # characters without a break: longer ones are refused, shorter ones wrap
MAX_MAGNITUDE = 10**15  # no figure in a briefing comes near; Babel and Decimal cope below
MAX_DECIMALS = 6
HEIGHT_MM = (25, 200)  # a chart's height: readable, and never taller than a page's body


class Context:
    """What every reader shares: the document, the problems so far, the edition languages."""

    def __init__(self, doc: YamlDoc, langs=("en",), *, other_langs_ok: bool = False):
        self.doc = doc
        self.langs = tuple(langs)
        self.other_langs_ok = other_langs_ok  # a shared file may hold more languages
        self.problems: list[str] = []
        self.listener = None  # describe.py: called with (reader, key, convert, default)
        self.figures: dict = {}  # id -> FigureDef, read before the sections (figures.py)
        self.tables = None  # figures._Tables: the `tables:` block, for table sections
        self.root = None  # the project folder whose assets/ sections name (load.py)

    def problem(self, path, message: str) -> None:
        """Record one problem at `path` (file, line and path are added)."""
        path = tuple(path)
        self.problems.append(f"{self.doc.name}:{self.doc.line(path)}: "
                             f"{name_path(self.doc.value, path)}: {message}")


def name_path(top, path) -> str:
    """Return `path` as a problem names it; a section also by its id or title:
    ('sections', 2, 'caption') -> "section 'population' (sections[2]).caption"."""
    text = format_path(path)
    if len(path) < 2 or path[0] != "sections" or not isinstance(path[1], int):
        return text
    sections = top.get("sections") if isinstance(top, dict) else None
    raw = sections[path[1]] if isinstance(sections, list) and path[1] < len(sections) else None
    name = _section_name(raw)
    if name is None:
        return text
    head = format_path(path[:2])
    return f"section '{name}' ({head}){text[len(head):]}"


def _section_name(raw) -> str | None:
    if not isinstance(raw, dict):
        return None
    for key in ("id", "title"):
        value = raw.get(key)
        if isinstance(value, dict):
            value = next((v for v in value.values() if isinstance(v, str)), None)
        if isinstance(value, str) and value.strip():
            return value if len(value) <= 40 else value[:39] + "…"
    return None


def describe(value) -> str:
    """Return how a problem message names a YAML value ('a mapping', "'n/a'")."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


class Reader:
    """One mapping of the file at `path`."""

    def __init__(self, ctx: Context, value, path):
        self.ctx = ctx
        self.path = tuple(path)
        self.ok = isinstance(value, dict)
        self.value = value if self.ok else {}
        self.seen: set = set()
        if not self.ok:
            ctx.problem(self.path, f"expected a mapping of keys to values, got {describe(value)}")

    def sub(self, key) -> tuple:
        """Return the path of `key` inside this mapping."""
        return self.path + (key,)

    def get(self, key, convert, *, default=_MISSING):
        """Read `key` with `convert(ctx, value, path)`; return None (and record a problem)
        on failure."""
        self.seen.add(key)
        if self.ctx.listener is not None:
            self.ctx.listener(self, key, convert, default)
        if key not in self.value or self.value[key] is None:
            if default is _MISSING:
                if self.ok:
                    self.ctx.problem(self.sub(key), "is required but missing")
                return None
            return default
        return convert(self.ctx, self.value[key], self.sub(key))

    def done(self, known=()) -> None:
        """Report every key nobody read (a typo), with the closest known key."""
        allowed = set(self.seen) | set(known)
        for key in self.value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), [str(k) for k in allowed], n=1)
                hint = f"; did you mean '{close[0]}'?" if close else (
                    f"; expected one of: {', '.join(sorted(map(str, allowed)))}")
                self.ctx.problem(self.sub(key), f"unknown key '{key}'{hint}")


# --- converters: (ctx, value, path) -> model value or None -------------------------------

def text(ctx, value, path):
    """Read a Text: one string for every language, or a mapping {lang: string} covering
    each edition."""
    if isinstance(value, str):
        if len(ctx.langs) > 1:
            return _plain_in_many_editions(ctx, value, path)
        return _nonblank(ctx, Text({lang: value for lang in ctx.langs}), path)
    if not isinstance(value, dict):
        ctx.problem(path, f"expected a string or a mapping of language to string, "
                          f"got {describe(value)}")
        return None
    if SAME_IN_ALL in value:
        return _same_in_all(ctx, value, path)
    result = {}
    for lang in ctx.langs:
        if lang not in value or value[lang] is None:
            ctx.problem(path, f"missing the '{lang}' translation")
        elif not isinstance(value[lang], str):
            ctx.problem(path + (lang,), f"expected a string, got {describe(value[lang])}")
        else:
            result[lang] = value[lang]
    for lang in value:
        if lang not in ctx.langs and not ctx.other_langs_ok:
            ctx.problem(path + (lang,), f"'{lang}' is not an edition language "
                                        f"({', '.join(ctx.langs)})")
    return _nonblank(ctx, Text(result), path) if len(result) == len(ctx.langs) else None


def _plain_in_many_editions(ctx, value, path):
    """Strict editions: a plain string in a file with several editions is an error."""
    shown = value if len(value) <= 40 else value[:39] + "…"
    missing = ", ".join(f"'{lang}'" for lang in ctx.langs[1:])
    quoted = json.dumps(shown, ensure_ascii=False)
    mapping = ", ".join([f"{ctx.langs[0]}: {quoted}", *(f'{lang}: "..."'
                                                         for lang in ctx.langs[1:])])
    ctx.problem(path, f"one string for the editions {', '.join(ctx.langs)}: the {missing} "
                      f"translation is missing; write {{{mapping}}}, or "
                      f"{{{SAME_IN_ALL}: {quoted}}} if it is the same in every edition (a name)")
    return None


def _same_in_all(ctx, value, path):
    """Read `{all: "COP29"}`: one string, printed the same in every edition."""
    if len(value) > 1:
        others = ", ".join(str(key) for key in value if key != SAME_IN_ALL)
        ctx.problem(path, f"'{SAME_IN_ALL}' cannot be combined with languages ({others}); "
                          "keep one or the other")
        return None
    if not isinstance(value[SAME_IN_ALL], str):
        ctx.problem(path + (SAME_IN_ALL,), f"expected a string, got "
                                           f"{describe(value[SAME_IN_ALL])}")
        return None
    return _nonblank(ctx, Text({lang: value[SAME_IN_ALL] for lang in ctx.langs}), path)


def _nonblank(ctx, result, path):
    """Each translation printable: not empty, no control characters, no endless words."""
    for lang, value in result.items():
        problem = "is empty" if not value.strip() else _unprintable(value) or _bad_mark(value)
        if problem:
            ctx.problem(path, f"the '{lang}' text {problem}")
            return None
    return result


_LINE_BREAK = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def single_line_text(ctx, value, path):
    """`text` that must stay on one line (it becomes a mail header): no line break or
    control character in any language."""
    result = text(ctx, value, path)
    for lang, item in (result or {}).items():
        if _LINE_BREAK.search(item):
            each = isinstance(value, dict)
            ctx.problem(path + (lang,) if each else path,
                        f"{f'the {lang!r} text' if each else 'the text'} must be one line, "
                        "without line breaks or control characters")
            return None
    return result


def _unprintable(value: str) -> str | None:
    control = CONTROL_RE.search(value)
    if control:
        return (f"contains the control character U+{ord(control[0]):04X}; remove it "
                "(line breaks and tabs are the only ones allowed)")
    longest = max(map(len, BREAK_RE.split(value)))
    if longest > MAX_WORD:
        return (f"has a word of {longest:,} characters (the limit is {MAX_WORD}); break it "
                "with spaces")
    return None


def _bad_mark(value: str) -> str | None:
    """A mark that would print as typed: `[words](lang = en)`, `< https://...>`."""
    problems = find_mark_problems(value)
    return f"has a {problems[0]}" if problems else None


def plain_str(ctx, value, path):
    """Read a non-empty string that is the same in every edition (a currency, a path)."""
    if not (isinstance(value, str) and value.strip()):
        ctx.problem(path, f"expected a non-empty string, got {describe(value)}")
        return None
    problem = _unprintable(value)
    if problem:
        ctx.problem(path, f"the text {problem}")
        return None
    return value


def ident(ctx, value, path):
    """Read an id: lower-case letters, digits, '-' and '_'."""
    if isinstance(value, str) and ID_RE.match(value):
        return value
    ctx.problem(path, f"expected an id (lower-case letters, digits, '-' or '_'), "
                      f"got {describe(value)}")
    return None


def color(ctx, value, path):
    """Read a colour as '#rrggbb'; return it in lower case."""
    if isinstance(value, str) and COLOR_RE.match(value):
        return value.lower()
    ctx.problem(path, f"expected a colour like '#1f5fa8', got {describe(value)}")
    return None


def count(ctx, value, path):
    """Read a whole number, not negative."""
    if isinstance(value, bool) or not isinstance(value, int):
        ctx.problem(path, f"expected a whole number, got {describe(value)}")
        return None
    return _sensible(ctx, value, path)


def amount(ctx, value, path):
    """Read a number (whole or decimal), finite, below 10^15, not negative."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        ctx.problem(path, f"expected a number, got {describe(value)}")
        return None
    return _sensible(ctx, value, path)


def _sensible(ctx, value, path):
    if isinstance(value, float) and not math.isfinite(value):
        ctx.problem(path, f"expected a finite number, got {value}")
    elif abs(value) >= MAX_MAGNITUDE:
        ctx.problem(path, f"expected a number below 10^15, got {value}")
    elif value < 0:
        ctx.problem(path, f"expected a number that is not negative, got {value}")
    else:
        return value
    return None


def decimals(ctx, value, path):
    """How many decimal places a number prints with: 0 to MAX_DECIMALS."""
    result = count(ctx, value, path)
    if result is not None and result > MAX_DECIMALS:
        ctx.problem(path, f"expected at most {MAX_DECIMALS} decimal places, got {result}")
        return None
    return result


def height_mm(ctx, value, path):
    """Read a height in millimetres, from HEIGHT_MM[0] to HEIGHT_MM[1]."""
    result = amount(ctx, value, path)
    low, high = HEIGHT_MM
    if result is not None and not low <= result <= high:
        ctx.problem(path, f"expected a height from {low} to {high} (millimetres), got {result}")
        return None
    return result


def percent(ctx, value, path):
    """Read a whole percentage from 0 to 100."""
    result = count(ctx, value, path)
    if result is not None and result > 100:
        ctx.problem(path, f"expected a percentage from 0 to 100, got {result}")
        return None
    return result


def choice(*options):
    """Return a converter that accepts one of `options` and suggests the closest."""
    def convert(ctx, value, path):
        if value in options:
            return value
        close = difflib.get_close_matches(str(value), options, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        ctx.problem(path, f"expected one of {', '.join(options)}, got {describe(value)}{hint}")
        return None
    return convert


def partial_date(ctx, value, path):
    """Read a PartialDate: 2025, '2025-09' or 2025-09-01."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return PartialDate(value)
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", value)
        if match and (not match[2] or 1 <= int(match[2]) <= 12):
            return PartialDate(int(match[1]), int(match[2]) if match[2] else None)
    ctx.problem(path, f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {describe(value)}")
    return None


def list_of(convert, *, min_items=1):
    """Return a converter of a list (at least `min_items` long) into a tuple."""
    def convert_list(ctx, value, path):
        if not isinstance(value, list):
            ctx.problem(path, f"expected a list, got {describe(value)}")
            return None
        if len(value) < min_items:
            ctx.problem(path, f"expected at least {min_items} item(s), got {len(value)}")
        items = [convert(ctx, item, path + (i,)) for i, item in enumerate(value)]
        return tuple(items) if all(item is not None for item in items) else None
    return convert_list


def value(ctx, raw, path):
    """Read a {placeholder}'s value: the id of a figure declared under `figures:`."""
    from .figures import value_ref  # figures.py reads its own keys with this module

    return value_ref(ctx, raw, path)


def flag(ctx, value, path):
    """Read `true` or `false`."""
    if isinstance(value, bool):
        return value
    ctx.problem(path, f"expected true or false, got {describe(value)}")
    return None


def para(ctx, raw, path):
    """Read a Para: a Text, or `{text: ..., values: {name: number}, source: id,
    briefing_only: true}`.

    `{name}` slots in the text are filled from `values`, formatted per locale.
    """
    if isinstance(raw, dict) and "text" in raw:
        r = Reader(ctx, raw, path)
        body = r.get("text", text)
        values = r.get("values", mapping_of(value), default=FrozenMap())
        source = r.get("source", ident, default=None)
        only = r.get("briefing_only", flag, default=False)
        r.done()
        if body is None or values is None or only is None:
            return None
        return _check_slots(ctx, Para(body, values, source, only), path)
    body = text(ctx, raw, path)
    return None if body is None else _check_slots(ctx, Para(body), path)


def mapping_of(convert):
    """Return a converter of a mapping whose values are read with `convert`."""
    def convert_mapping(ctx, raw, path):
        if not isinstance(raw, dict):
            ctx.problem(path, f"expected a mapping, got {describe(raw)}")
            return None
        result = {k: convert(ctx, v, path + (k,)) for k, v in raw.items()}
        return FrozenMap(result) if all(v is not None for v in result.values()) else None
    return convert_mapping


def _check_slots(ctx, item: Para, path):
    """Braces are placeholders, `{{` and `}}` print one brace: with values or without."""
    for lang, body in item.text.items():
        try:
            slots = [s for s in string.Formatter().parse(body) if s[1] is not None]
        except ValueError as exc:
            ctx.problem(path, f"the '{lang}' text has a broken {{placeholder}}: {exc}")
            return None
        plain = [name for _, name, spec, conversion in slots
                 if not name or not name.isidentifier() or spec or conversion]
        if plain:
            ctx.problem(path, f"the '{lang}' text has a broken {{placeholder}}: "
                              f"'{{{plain[0]}...}}'; write {{name}} (the value's decimals set "
                              "its format), or {{{{ and }}}} for a brace")
            return None
        names = {name for _, name, _, _ in slots}
        missing = names - set(item.values)
        unused = set(item.values) - names
        if missing:
            ctx.problem(path, f"the '{lang}' text uses {{{sorted(missing)[0]}}} but values "
                              "does not define it")
            return None
        if unused:
            ctx.problem(path, f"the '{lang}' text does not use the value "
                              f"'{sorted(unused)[0]}'")
            return None
    return item


# --- readers of the parts section types share ---------------------------------------------

def all_set(result: dict) -> dict | None:
    """Return `result` if every value was read, else None (the problems are recorded).

    Only for keys that cannot be None once read: an optional key read with `default=None`
    goes beside it, not in it.
    """
    return result if None not in result.values() else None


def figure(default_source: str | None = None):
    """Return a converter of a figure a section shows: a figure id, or
    `{figure: id, label: ..., as_of: ..., unit: ...}` with words of its own. The value, kind
    and source are the declared figure's (`figures:`); `default_source` is not needed."""
    def read_figure(ctx, raw, path):
        from .figures import figure_ref

        return figure_ref(ctx, raw, path)
    return read_figure


def figure_id(kind: str | None = None):
    """Return a converter of a figure id whose declared figure (of `kind`) is returned."""
    def read_figure_id(ctx, raw, path):
        from .figures import figure_id_ref

        return figure_id_ref(ctx, raw, path, kind=kind)
    return read_figure_id


def entry(heading_key: str, body_key: str):
    """Return a converter of one Entry written as `{heading_key: text, body_key: [para]}`."""
    def read_entry(ctx, raw, path):
        r = Reader(ctx, raw, path)
        result = all_set({"heading": r.get(heading_key, text),
                          "body": r.get(body_key, list_of(para))})
        r.done()
        return Entry(**result) if result else None
    return read_entry
