"""`faq`: questions and answers (`{question: ..., answer: [...]}`)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..model import Entry, Section
from . import SectionType


@dataclass(frozen=True)
class FaqSection(Section):
    """Questions and answers."""

    items: tuple[Entry, ...] = ()
    """The questions, each with its answer."""


def parse(r, source):
    """Read the questions, each with its answer."""
    return f.all_set({"items": r.get("items", f.list_of(f.entry("question", "answer")))})


TYPE = SectionType(model=FaqSection, parse=parse)
