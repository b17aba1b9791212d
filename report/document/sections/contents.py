"""`contents`: the table of contents, built from the sections that follow."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Section
from . import SectionType


@dataclass(frozen=True)
class ContentsSection(Section):
    """A table of contents with page numbers, built from the sections that follow."""


def parse(r, source):
    """Read nothing: the contents come from the other sections."""
    return {}


TYPE = SectionType(model=ContentsSection, parse=parse, needs_source=False, in_contents=False)
