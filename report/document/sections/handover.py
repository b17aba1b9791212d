"""`handover`: a table of activities and the organisation that now carries each."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Section, Text
from . import SectionType


@dataclass(frozen=True)
class HandoverRow:
    """One activity, who carried it before, who carries it now, and what to do."""

    activity: Text
    """The activity."""
    carried_by: Text
    """Who carries it now."""
    what_to_do: Text | None = None
    """What people should do now, if anything."""


@dataclass(frozen=True)
class HandoverSection(Section):
    """A table: each activity and the organisation that now carries it."""

    rows: tuple[HandoverRow, ...] = ()
    """One row per activity."""


def read_row(ctx, raw, path):
    """Read one row: `{activity: ..., carried_by: ..., what_to_do: ...}`."""
    r = f.Reader(ctx, raw, path)
    result = {"activity": r.get("activity", f.text), "carried_by": r.get("carried_by", f.text),
              "what_to_do": r.get("what_to_do", f.text, default=None)}
    r.done()
    return HandoverRow(**result) if result["activity"] and result["carried_by"] else None


def parse(r, source):
    """Read the rows."""
    return f.all_set({"rows": r.get("rows", f.list_of(read_row))})


TYPE = SectionType(model=HandoverSection, parse=parse)
