"""`donors`: names of donors and a line of thanks."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Para, Section, Text
from . import SectionType


@dataclass(frozen=True)
class DonorsSection(Section):
    """Names of donors and a line of thanks."""

    donors: tuple[Text, ...] = ()
    """The donors' names, one per item."""
    closing: tuple[Para, ...] = ()
    """Paragraphs after the names (a line of thanks)."""


def parse(r, source):
    """Read the donors' names and the closing paragraphs."""
    return f.all_set({"donors": r.get("donors", f.list_of(f.text)),
                      "closing": r.get("closing", f.list_of(f.para), default=())})


TYPE = SectionType(model=DonorsSection, parse=parse)
