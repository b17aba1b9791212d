"""Locale formatting (numbers, percentages, dates via Babel) and the template's own labels.

Labels are the words the templates and charts add around the data ("Contents", "Page",
"Funded"): `templates/labels.yaml`, one mapping per language.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from ..errors import DataError
from .model import Para, PartialDate, Value
from .yamlfile import read_yaml


def number(value, lang: str, decimals: int = 0) -> str:
    """Return a number as `lang` writes it: 657749 -> '657,749' (en), '657.749' (az);
    `decimals` fixed, e.g. 8.0 -> '8,0' (az)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=lang)


def percent(value, lang: str) -> str:
    """Return a percentage in the language's pattern: 56 -> '56%'."""
    return format_percent(value / 100, locale=lang)


def date(value: PartialDate, lang: str) -> str:
    """Return a partial date at its own precision: '2025', 'September 2025', '11 June 2024'."""
    if value.month is None:
        return str(value.year)
    day = dt.date(value.year, value.month, value.day or 1)
    if value.day is None:
        return format_date(day, "LLLL y", locale=lang)
    return format_date(day, "d MMMM y", locale=lang)


def figure(fig, lang: str) -> str:
    """Return a Figure's value as printed: a percentage or a number with its decimals."""
    if fig.style == "percent":
        return percent(fig.value, lang)
    return number(fig.value, lang, fig.decimals)


# Whole numbers a sentence may spell out (`{figure: id, words: true}`), per language; a
# language without a row prints digits.
WORDS_UP_TO = 10
NUMBER_WORDS = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten"),
    "az": ("sıfır", "bir", "iki", "üç", "dörd", "beş", "altı", "yeddi", "səkkiz", "doqquz",
           "on"),
}


def para(item: Para, lang: str) -> str:
    """Return a paragraph's text with its {placeholders} filled, formatted for `lang`.

    One rule for braces, with values or without: `{{` and `}}` print one brace. A number
    spelled out in words is capitalised where it opens the paragraph.
    """
    body = item.text[lang]
    formatted = {name: _value(v, lang, first=body.startswith("{" + name + "}"))
                 for name, v in item.values.items()}
    return body.format(**formatted)


def _value(v: Value, lang: str, *, first: bool = False) -> str:
    if v.words and lang in NUMBER_WORDS:
        word = NUMBER_WORDS[lang][int(v.value)]
        return word[:1].upper() + word[1:] if first else word
    return number(v.value, lang, v.decimals)


class Labels:
    """The template's own words for one language; a missing key is an error, not a blank."""

    def __init__(self, lang: str, words: dict):
        self.lang = lang
        self.words = words

    def __getitem__(self, key: str) -> str:
        return self.words[key]

    def __getattr__(self, key: str) -> str:
        if key.startswith("__") or key == "words":  # pickling looks these up before __init__
            raise AttributeError(key)
        try:
            return self.words[key]
        except KeyError:
            raise AttributeError(key) from None

    def fill(self, key: str, **values) -> str:
        """Return the label `key` with its {placeholders} filled from `values`."""
        return self.words[key].format(**values)


def load_labels(path: Path, langs) -> dict:
    """Return {lang: Labels} for each edition language; every language needs every key."""
    doc = read_yaml(path, name=path.name)
    reference = doc.value.get("en", {})
    problems = []
    for lang in langs:
        words = doc.value.get(lang)
        if not isinstance(words, dict):
            problems.append(f"{path.name}:1: {lang}: no labels for this language; add them")
            continue
        for key in sorted(set(reference) - set(words)):
            problems.append(doc.problem((lang,), f"missing label '{key}'"))
    if problems:
        raise DataError(problems)
    return {lang: Labels(lang, doc.value[lang]) for lang in langs}
