"""`sources`: the sources cited, data notes, and what the sources do not provide."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Para, Section
from . import SectionType


@dataclass(frozen=True)
class SourcesSection(Section):
    """The sources cited, data notes, and what the sources do not provide."""

    notes: tuple[Para, ...] = ()
    """Notes on the data: how figures were compiled."""
    unavailable: tuple[Para, ...] = ()
    """What the sources do not provide (and so the briefing leaves out)."""


def parse(r, source):
    """Read the data notes and the list of what is not available."""
    return f.all_set({"notes": r.get("notes", f.list_of(f.para), default=()),
                      "unavailable": r.get("unavailable", f.list_of(f.para), default=())})


TYPE = SectionType(model=SourcesSection, parse=parse, needs_source=False, level="top")
