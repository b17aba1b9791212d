"""Layouts: which template, which sections and paragraphs, and which chart widths an output uses.

`briefing` is the full briefing (cover, contents, chapters: templates/base.html);
`handout` is the two-page A4 fact sheet (templates/handout/handout.html; any file in
templates/handout/ replaces the briefing's template of the same path): no contents, nothing
marked `briefing_only: true` (a section or a paragraph), charts a column wide unless their
section says `size: full`. In the briefing a chart of `size: column` is a column wide too,
centred.
"""

from __future__ import annotations

import dataclasses

from ..document.model import Entry, Para
from . import charts as charts_mod

TEMPLATES = {"briefing": "base.html", "handout": "handout.html"}  # in templates/<layout>/
STYLESHEETS = {"briefing": ("templates/style.css",),  # below the root, linked in this order
               "handout": ("templates/style.css", "templates/handout.css")}
HANDOUT_OMITS = ("contents",)  # a two-page sheet has no table of contents


def layout_sections(briefing, layout: str) -> tuple:
    """Return the sections `layout` shows, without the paragraphs it leaves out."""
    if layout != "handout":
        return briefing.sections
    return tuple(_short(s) for s in briefing.sections
                 if s.type not in HANDOUT_OMITS and not s.briefing_only)


def chart_widths(briefing, layout: str) -> dict:
    """Return {section id: inches} for the charts not drawn page-wide: in the handout all
    but `size: full`, in the briefing those of `size: column` (narrower, centred)."""
    narrow = ("auto", "column") if layout == "handout" else ("column",)
    return {s.id: charts_mod.COLUMN_IN for s in layout_sections(briefing, layout)
            if charts_mod.chart_of(s) and s.size in narrow}


def _short(section):
    """Return `section` without its `briefing_only` paragraphs (also inside entries)."""
    changes = {}
    for field in dataclasses.fields(section):
        value = getattr(section, field.name)
        if isinstance(value, tuple) and any(_left_out(v) or isinstance(v, Entry) for v in value):
            changes[field.name] = tuple(_short_item(v) for v in value if not _left_out(v))
    return dataclasses.replace(section, **changes) if changes else section


def _left_out(item) -> bool:
    """Return whether `item` is a Para marked briefing_only, or an item (a timeline event)
    whose text is one."""
    text = getattr(item, "text", None)
    return (isinstance(item, Para) and item.briefing_only) or (
        isinstance(text, Para) and text.briefing_only)


def _short_item(item):
    """Return an Entry without its briefing_only paragraphs; any other item as it is."""
    if isinstance(item, Entry):
        return dataclasses.replace(item, body=tuple(p for p in item.body if not _left_out(p)))
    return item
