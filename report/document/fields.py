"""Field readers: turn plain YAML values into model values, recording every problem.

A `Reader` wraps one mapping of the file. Each `get_*` call reads a key, converts it, and on
failure records a one-line problem with the file, line and path; at the end `done()` reports
keys nobody asked for (typos), with a suggestion where one is close.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import string

from .model import Entry, Figure, FrozenMap, Para, PartialDate, Text, Value
from .yamlfile import YamlDoc

_MISSING = object()
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# C0 controls but tab and line feed, DEL, C1 controls, lone surrogates: never printable
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
BREAK_RE = re.compile(r"[ \t\n\u200b]+")  # where a line may break (not NBSP)
MAX_WORD = 200  # characters without a break: longer ones are refused, shorter ones wrap
MAX_MAGNITUDE = 10**15  # no figure in a briefing comes near; Babel and Decimal cope below
MAX_DECIMALS = 6


class Context:
    """What every reader shares: the document, the problems so far, the edition languages."""

    def __init__(self, doc: YamlDoc, langs=("en",)):
        self.doc = doc
        self.langs = tuple(langs)
        self.problems: list[str] = []

    def problem(self, path, message: str) -> None:
        """Record one problem at `path` (file, line and path are added)."""
        self.problems.append(self.doc.problem(path, message))


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
        return _nonblank(ctx, Text({lang: value for lang in ctx.langs}), path)
    if not isinstance(value, dict):
        ctx.problem(path, f"expected a string or a mapping of language to string, "
                          f"got {describe(value)}")
        return None
    result = {}
    for lang in ctx.langs:
        if lang not in value or value[lang] is None:
            ctx.problem(path, f"missing the '{lang}' translation")
        elif not isinstance(value[lang], str):
            ctx.problem(path + (lang,), f"expected a string, got {describe(value[lang])}")
        else:
            result[lang] = value[lang]
    for lang in value:
        if lang not in ctx.langs:
            ctx.problem(path + (lang,), f"'{lang}' is not an edition language "
                                        f"({', '.join(ctx.langs)})")
    return _nonblank(ctx, Text(result), path) if len(result) == len(ctx.langs) else None


def _nonblank(ctx, result, path):
    """Each translation printable: not empty, no control characters, no endless words."""
    for lang, value in result.items():
        problem = "is empty" if not value.strip() else _unprintable(value)
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
    """Read a Value quoted in a sentence: `37`, or `{value: 37, id: x, decimals: 0}`."""
    if isinstance(raw, dict):
        r = Reader(ctx, raw, path)
        number = r.get("value", amount)
        result = Value(number, r.get("id", ident, default=None),
                       r.get("decimals", decimals, default=0))
        r.done()
        return result if number is not None else None
    number = amount(ctx, raw, path)
    return None if number is None else Value(number)


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


def figure(default_source: str | None):
    """Return a converter of one Figure; `default_source` is its section's source."""
    def read_figure(ctx, raw, path):
        r = Reader(ctx, raw, path)
        result = dict(
            value=r.get("value", amount),
            label=r.get("label", text),
            source=r.get("source", ident, default=default_source),
            id=r.get("id", ident, default=None),
            as_of=r.get("as_of", text, default=None),
            unit=r.get("unit", text, default=None),
            style=r.get("style", choice("number", "percent"), default="number"),
            decimals=r.get("decimals", decimals, default=0),
        )
        r.done()
        if result["source"] is None and r.ok:
            ctx.problem(path, "names no source: add 'source:' here or on its section")
        if None in (result["value"], result["label"], result["source"], result["decimals"]):
            return None
        return Figure(**result)
    return read_figure


def entry(heading_key: str, body_key: str):
    """Return a converter of one Entry written as `{heading_key: text, body_key: [para]}`."""
    def read_entry(ctx, raw, path):
        r = Reader(ctx, raw, path)
        result = all_set({"heading": r.get(heading_key, text),
                          "body": r.get(body_key, list_of(para))})
        r.done()
        return Entry(**result) if result else None
    return read_entry
