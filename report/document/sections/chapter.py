"""`chapter`: a part of the briefing, a top-level heading over the sections that follow."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Section, Text
from . import SectionType


@dataclass(frozen=True)
class ChapterSection(Section):
    """A part of the briefing (a top-level heading) with an optional introduction."""

    summary: Text | None = None
    """A short summary printed under the chapter's heading."""


def parse(r, source):
    """Read the chapter's summary."""
    return {"summary": r.get("summary", f.text, default=None)}


TYPE = SectionType(model=ChapterSection, parse=parse, needs_source=False, level="chapter")
