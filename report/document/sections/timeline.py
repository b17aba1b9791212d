"""`timeline`: dated events, in date order."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Para, PartialDate, Section
from . import SectionType


@dataclass(frozen=True)
class TimelineEvent:
    """One dated step of a timeline."""

    date: PartialDate
    """When it happened: `1992`, `"2025-09"` or `2025-09-01`."""
    text: Para
    """What happened."""


@dataclass(frozen=True)
class TimelineSection(Section):
    """Dated events in order."""

    events: tuple[TimelineEvent, ...] = ()
    """The events, in date order."""


def read_event(ctx, raw, path):
    """Read one event: `{date: 2025-09, text: ...}`."""
    r = f.Reader(ctx, raw, path)
    result = f.all_set({"date": r.get("date", f.partial_date), "text": r.get("text", f.para)})
    r.done()
    return TimelineEvent(**result) if result else None


def parse(r, source):
    """Read the events; they must be in date order."""
    events = r.get("events", f.list_of(read_event))
    if events:
        dates = [(e.date.year, e.date.month or 0, e.date.day or 0) for e in events]
        if dates != sorted(dates):
            r.ctx.problem(r.sub("events"), "events must be in date order")
    return f.all_set({"events": events})


TYPE = SectionType(model=TimelineSection, parse=parse)
