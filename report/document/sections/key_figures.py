"""`key_figures`: cards of figures, each a number and what it counts."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Figure, Section
from . import SectionType


@dataclass(frozen=True)
class KeyFiguresSection(Section):
    """Cards of figures, each a number and what it counts."""

    items: tuple[Figure, ...] = ()
    """The figures, one card each."""


def parse(r, source):
    """Read the figures."""
    return f.all_set({"items": r.get("items", f.list_of(f.figure(source)))})


TYPE = SectionType(model=KeyFiguresSection, parse=parse)
