"""`cover`: the first page (titles, logo, reference date, a band of headline figures)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Figure, Section, Text
from . import SectionType


@dataclass(frozen=True)
class CoverSection(Section):
    """The first page: titles, logo, reference date and a band of headline figures."""

    figures: tuple[Figure, ...] = ()
    """The headline figures, in a band across the cover."""
    note: Text | None = None
    """A line at the foot of the cover (where the figures come from)."""


def parse(r, source):
    """Read the cover's figures and note."""
    figures = r.get("figures", f.list_of(f.figure(source)))
    note = r.get("note", f.text, default=None)
    return None if figures is None else {"figures": figures, "note": note}


TYPE = SectionType(model=CoverSection, parse=parse, title_required=False, in_contents=False)
