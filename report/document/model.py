"""The typed model of a briefing file: what `load.load_briefing` turns data.yaml into.

Every human-readable string is a `Text` (one string per edition language). Numbers stay
numbers; they are formatted per locale only when an edition is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Text = dict
"""A human-readable string per language code, e.g. {"en": "Refugees", "az": "Qaçqınlar"}."""

Number = int | float


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day (`2025`, `2025-09`, `2025-09-01`)."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)


@dataclass(frozen=True)
class Value:
    """A number quoted inside a sentence, with an optional id for consistency checks."""

    value: Number
    id: str | None = None
    decimals: int = 0


@dataclass(frozen=True)
class Para:
    """A sentence or paragraph; `{name}` placeholders are filled from `values`, formatted."""

    text: Text
    values: dict = field(default_factory=dict)  # name -> Value
    source: str | None = None  # where a statement comes from, if not its section's source


@dataclass(frozen=True)
class Source:
    """A published document that figures and facts come from."""

    id: str
    title: Text
    publisher: Text
    published: PartialDate
    kind: Text
    file: str | None = None
    language: Text | None = None
    short: Text | None = None  # a short citation, e.g. "ICRC FAQ, 2025"


@dataclass(frozen=True)
class Figure:
    """A stand-alone number with its label: a key-figure card, a chart bar, a staff count."""

    value: Number
    label: Text
    source: str
    id: str | None = None
    as_of: Text | None = None
    unit: Text | None = None
    style: str = "number"  # "number" or "percent"
    decimals: int = 0


@dataclass(frozen=True)
class Brand:
    """The theme: swapped by editing data.yaml and the files in assets/, never code."""

    name: Text
    logo: str  # path below assets/
    logo_alt: Text
    colors: dict  # role -> "#rrggbb": primary, secondary, accent, text, muted, tint
    font_family: str
    fonts: dict  # "regular" | "bold" | "italic" | "bold_italic" | "black" -> path below assets/


LAYOUTS = ("briefing", "handout")
"""The full briefing (cover, contents, chapters) and the two-page A4 handout (fact sheet)."""


@dataclass(frozen=True)
class Output:
    """One PDF per edition language: `<name>-<lang>.pdf`, laid out as `layout`."""

    name: str
    layout: str = "briefing"


@dataclass(frozen=True)
class Document:
    """Metadata of the briefing: titles, reference date, the editions to produce."""

    title: Text
    subtitle: Text
    short_title: Text
    author: Text
    subject: Text
    keywords: Text
    reference_date: PartialDate
    editions: tuple
    output_name: str = "briefing"  # the first output's name (the one that is emailed)
    outputs: tuple = (Output("briefing"),)  # of Output


@dataclass(frozen=True)
class Section:
    """Fields every section has. `id` is its anchor; `source` its default source id."""

    type: str
    id: str
    title: Text | None
    source: str | None
    as_of: Text | None
    intro: tuple  # of Para
    line: int


@dataclass(frozen=True)
class CoverSection(Section):
    """The first page: titles, logo, reference date and a band of headline figures."""

    figures: tuple = ()  # of Figure
    note: Text | None = None


@dataclass(frozen=True)
class ContentsSection(Section):
    """A table of contents with page numbers, built from the sections that follow."""


@dataclass(frozen=True)
class ChapterSection(Section):
    """A part of the briefing (a top-level heading) with an optional introduction."""

    summary: Text | None = None


@dataclass(frozen=True)
class TextSection(Section):
    """Paragraphs of prose."""

    paragraphs: tuple = ()


@dataclass(frozen=True)
class ListSection(Section):
    """A bulleted list of statements."""

    items: tuple = ()


@dataclass(frozen=True)
class KeyFiguresSection(Section):
    """Cards of figures, each a number and what it counts."""

    items: tuple = ()  # of Figure


@dataclass(frozen=True)
class TimelineEvent:
    """One dated step of a timeline."""

    date: PartialDate
    text: Para


@dataclass(frozen=True)
class TimelineSection(Section):
    """Dated events in order."""

    events: tuple = ()


@dataclass(frozen=True)
class HandoverRow:
    """One activity, who carried it before, who carries it now, and what to do."""

    activity: Text
    carried_by: Text
    what_to_do: Text | None = None


@dataclass(frozen=True)
class HandoverSection(Section):
    """A table: each activity and the organisation that now carries it."""

    rows: tuple = ()


@dataclass(frozen=True)
class Question:
    """A question and its (condensed) answer."""

    question: Text
    answer: tuple  # of Para


@dataclass(frozen=True)
class FaqSection(Section):
    """Questions and answers."""

    items: tuple = ()


@dataclass(frozen=True)
class PriorityItem:
    """A heading and its text, e.g. one priority area and what was done."""

    heading: Text
    text: tuple  # of Para


@dataclass(frozen=True)
class ItemsSection(Section):
    """Headed paragraphs (priorities, partnership work, statelessness)."""

    items: tuple = ()


@dataclass(frozen=True)
class PopulationSection(Section):
    """Population groups as a bar chart (linear scale, with a zoomed panel for small groups)."""

    groups: tuple = ()  # of Figure
    caption: Text | None = None


@dataclass(frozen=True)
class FundingSection(Section):
    """Financial requirement, funded and gap, as a chart."""

    currency: str = "USD"
    unit: Text | None = None  # e.g. "million US dollars"
    requirement: Number = 0
    funded: Number = 0
    gap: Number = 0
    funded_percent: int = 0
    gap_percent: int = 0
    decimals: int = 1
    caption: Text | None = None


@dataclass(frozen=True)
class PresenceSection(Section):
    """Staff and offices."""

    staff: tuple = ()  # of Figure
    offices: tuple = ()  # of Figure


@dataclass(frozen=True)
class DonorsSection(Section):
    """Names of donors and a line of thanks."""

    donors: tuple = ()  # of Text
    closing: tuple = ()  # of Para


@dataclass(frozen=True)
class SourcesSection(Section):
    """The sources cited, data notes, and what the sources do not provide."""

    notes: tuple = ()  # of Para
    unavailable: tuple = ()  # of Para


@dataclass(frozen=True)
class Email:
    """Subject and body lines of the message that carries an edition."""

    subject: Text
    body: tuple  # of Para
    headline: tuple = ()  # ids of figures quoted in the message


@dataclass(frozen=True)
class Briefing:
    """A whole briefing file: document, brand, sources, sections in reading order."""

    document: Document
    brand: Brand
    sources: tuple
    sections: tuple
    email: Email | None = None
    path: str = "data.yaml"

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def figures_by_id(self) -> dict:
        """Every figure or value that carries an id, by id."""
        found = {}
        for section in self.sections:
            for fig in figures_of(section):
                if fig.id:
                    found[fig.id] = fig
        return found


def figures_of(section):
    """Every Figure a section holds (cards, chart groups, staff and offices)."""
    for name in ("figures", "items", "groups", "staff", "offices"):
        for item in getattr(section, name, ()):
            if isinstance(item, Figure):
                yield item
