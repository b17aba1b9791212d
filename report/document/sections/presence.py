"""`presence`: staff and offices, as cards."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Figure, Section
from . import SectionType


@dataclass(frozen=True)
class PresenceSection(Section):
    """Staff and offices."""

    staff: tuple[Figure, ...] = ()
    """Staff counts, one card each."""
    offices: tuple[Figure, ...] = ()
    """Office counts, one card each."""


def parse(r, source):
    """Read the staff and office counts."""
    return f.all_set({"staff": r.get("staff", f.list_of(f.figure(source))),
                      "offices": r.get("offices", f.list_of(f.figure(source)))})


TYPE = SectionType(model=PresenceSection, parse=parse)
