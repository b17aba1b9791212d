"""`text`: paragraphs of prose."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Para, Section
from . import SectionType


@dataclass(frozen=True)
class TextSection(Section):
    """Paragraphs of prose."""

    paragraphs: tuple[Para, ...] = ()
    """The paragraphs."""


def parse(r, source):
    """Read the paragraphs."""
    return f.all_set({"paragraphs": r.get("paragraphs", f.list_of(f.para))})


TYPE = SectionType(model=TextSection, parse=parse)
