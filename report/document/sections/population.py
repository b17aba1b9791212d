"""`population`: population groups as a bar chart."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import ChartSection, Figure, Text
from . import SectionType


@dataclass(frozen=True)
class PopulationSection(ChartSection):
    """Population groups as a bar chart (linear scale, with a zoomed panel for small groups)."""

    groups: tuple[Figure, ...] = ()
    """The groups, one bar each; the largest is drawn in the primary colour."""
    caption: Text | None = None
    """The chart's caption."""


def parse(r, source):
    """Read the groups and the chart's caption."""
    return f.all_set({"groups": r.get("groups", f.list_of(f.figure(source))),
                      "caption": r.get("caption", f.text)})


TYPE = SectionType(model=PopulationSection, parse=parse, chart="population")
