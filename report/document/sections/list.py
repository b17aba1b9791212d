"""`list`: a bulleted list of statements, each optionally citing its own source."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Para, Section
from . import SectionType


@dataclass(frozen=True)
class ListSection(Section):
    """A bulleted list of statements."""

    items: tuple[Para, ...] = ()
    """The statements, one bullet each."""


def parse(r, source):
    """Read the statements."""
    return f.all_set({"items": r.get("items", f.list_of(f.para))})


TYPE = SectionType(model=ListSection, parse=parse)
