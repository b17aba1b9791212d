"""`items`: headed paragraphs (`{heading: ..., text: [...]}`), e.g. priority areas."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Entry, Section
from . import SectionType


@dataclass(frozen=True)
class ItemsSection(Section):
    """Headed paragraphs (priorities, partnership work, statelessness)."""

    items: tuple[Entry, ...] = ()
    """The items, each a heading and its paragraphs."""


def parse(r, source):
    """Read the items, each a heading and its paragraphs."""
    return f.all_set({"items": r.get("items", f.list_of(f.entry("heading", "text")))})


TYPE = SectionType(model=ItemsSection, parse=parse)
