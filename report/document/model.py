"""The typed model of a briefing file: what `load.load_briefing` turns data.yaml into.

Every human-readable string is a `Text` (one string per edition language). Numbers stay
numbers; they are formatted per locale only when an edition is rendered. Every record is a
frozen, hashable dataclass, so a whole briefing can be compared, hashed and pickled.

The parts shared by section types live here (`Para`, `Figure`, `Entry`, the `Section` base);
each section type's own model lives in its module under `sections/`. `walk` visits a model
by its types, so the cross-checks find every `Para` and every `Figure` wherever a section
type keeps them: a field named like its YAML key, holding these types, is checked for free.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from .sections import SectionType

Number = int | float
DEFAULT_OUTPUT_NAME = "briefing"  # OUT/<output name>-<lang>.pdf when the file names none


class FrozenMap(Mapping):
    """A read-only, hashable mapping (colours, fonts, a paragraph's values)."""

    __slots__ = ("_items",)

    def __init__(self, items=()):
        object.__setattr__(self, "_items", dict(items))

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __reduce__(self):
        return type(self), (self._items,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


class Text(FrozenMap):
    """A human-readable string per language code: Text({"en": "Refugees", "az": "Qaçqınlar"})."""

    __slots__ = ()


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day (`2025`, `2025-09`, `2025-09-01`)."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        """Return the date at its own precision: '2025', '2025-09' or '2025-09-01'."""
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
    """The number, formatted per edition where its {placeholder} stands."""
    id: str | None = None
    """A name for the number, so that `checks:` can compare it with another figure."""
    decimals: int = 0
    """Digits after the decimal point when printed (8.0 with 1 prints 8.0)."""
    words: bool = False
    """Spell the number out in the edition's words ("six", "altı"), as the source writes it."""


@dataclass(frozen=True)
class Para:
    """A sentence or paragraph; `{name}` placeholders are filled from `values`, formatted."""

    text: Text
    """The sentence, with `{name}` wherever a number from `values` goes; **bold**, *italic* and
    [links](https://...) print as formatting."""
    values: FrozenMap = field(default_factory=FrozenMap)  # name -> Value
    """The numbers of the sentence by placeholder name: `{n: 682}` or `{n: {value: 8.0, decimals:
    1}}`."""
    source: str | None = None  # where a statement comes from, if not its section's source
    """The id of the source this statement comes from, if not its section's."""
    briefing_only: bool = False
    """`true`: printed in the full briefing only, left out of the two-page handout."""


@dataclass(frozen=True)
class Source:
    """A published document that figures and facts come from."""

    id: str
    """The name figures and sections use to cite it (`source: unhcr-factsheet-2024`)."""
    title: Text
    """The document's title."""
    publisher: Text
    """Who published it."""
    published: PartialDate
    """When it was published."""
    kind: Text
    """What kind of document it is (fact sheet, report, FAQ)."""
    file: str | None = None
    """The file it was taken from, for the record (not printed)."""
    language: Text | None = None
    """The language it is written in."""
    short: Text | None = None  # a short citation, e.g. "ICRC FAQ, 2025"
    """A short citation printed after statements (`ICRC FAQ, 2025`)."""


@dataclass(frozen=True)
class Figure:
    """A stand-alone number with its label: a key-figure card, a chart bar, a staff count."""

    value: Number
    """The number."""
    label: Text
    """What the number counts."""
    source: str
    """The id of its source; by default its section's."""
    id: str | None = None
    """A name for the figure: `checks:` and the email's `headline` use it."""
    as_of: Text | None = None
    """When the number holds (`mid-2024`)."""
    unit: Text | None = None
    """The unit printed under the number (`million US dollars`)."""
    style: str = "number"  # "number" or "percent"
    """`number` or `percent` (56 prints as 56%)."""
    decimals: int = 0
    """Digits after the decimal point when printed."""


@dataclass(frozen=True)
class Entry:
    """A heading and its paragraphs: a question and its answer, a priority and what was done."""

    heading: Text
    """The heading (a question, a priority)."""
    body: tuple[Para, ...]
    """The paragraphs under it."""


@dataclass(frozen=True)
class Brand:
    """The theme: swapped by editing data.yaml and the files in assets/, never code."""

    name: Text
    """The brand's name, printed on the cover and in the running header."""
    logo: str  # path below assets/
    """The logo: an SVG, PNG or JPEG file in assets/."""
    logo_alt: Text
    """The logo described in words, for readers who cannot see it."""
    colors: FrozenMap  # role -> "#rrggbb": primary, secondary, accent, text, muted, tint
    """The six colours of the theme, by role."""
    font_family: str
    """The font's family name."""
    fonts: FrozenMap  # "regular" | "bold" | "italic" | "bold_italic" | "black" -> below assets/
    """The font family and its five files, used by the text and the charts."""


LAYOUTS = ("briefing", "handout")
"""The full briefing (cover, contents, chapters) and the two-page A4 handout (fact sheet)."""


@dataclass(frozen=True)
class Output:
    """One PDF per edition language: `<name>-<lang>.pdf`, laid out as `layout`."""

    name: str
    """The file name of its PDFs: OUT/<name>-<lang>.pdf (`briefing`, `handout`)."""
    layout: str = "briefing"
    """`briefing` (cover, contents, chapters) or `handout` (a two-page A4 fact sheet)."""


@dataclass(frozen=True)
class Document:
    """Metadata of the briefing: titles, reference date, the editions to produce."""

    title: Text
    """The title, on the cover and in the PDF's properties."""
    subtitle: Text
    """One sentence under the title on the cover."""
    short_title: Text
    """The title in the running header of every page."""
    author: Text
    """Who compiled it (PDF properties)."""
    subject: Text
    """The subject (PDF properties)."""
    keywords: Text
    """Keywords (PDF properties)."""
    reference_date: PartialDate
    """The date the briefing speaks for, printed on every page: `2025`, `"2025-09"` or
    `2025-09-01`."""
    editions: tuple[str, ...]
    """The language editions to produce, e.g. `[en, az]`; the first is the main one."""
    output_name: str = DEFAULT_OUTPUT_NAME
    """The first output's name, the one `send` emails: OUT/<output_name>-<lang>.pdf."""
    outputs: tuple = (Output(DEFAULT_OUTPUT_NAME),)
    """The PDFs one build makes (Output: name and layout); the first is `output_name`."""


@dataclass(frozen=True)
class Section:
    """Fields every section has. `id` is its anchor; `source` its default source id.

    Each subclass is declared once, by a `sections.SectionType`, which sets `declaration`.
    """

    declaration: ClassVar[SectionType]

    type: str
    """The section type (below)."""
    id: str
    """A unique name: the section's anchor, used in problems (by default section-N)."""
    title: Text | None
    """The heading."""
    source: str | None
    """The id of the source of its figures and statements."""
    as_of: Text | None
    """When its figures hold, printed with the source."""
    intro: tuple[Para, ...]
    """Paragraphs under the heading, before the section's content."""
    line: int
    briefing_only: bool = False
    """`true`: the whole section is printed in the full briefing only, not in the handout."""


CHART_SIZES = ("auto", "column", "full")


@dataclass(frozen=True)
class ChartSection(Section):
    """A section drawn as a chart, `size` wide (a column or the full width) and, if given,
    `height` millimetres high."""

    size: str = "auto"
    """How wide the chart is: in the handout `auto` or `column` is one column, `full` both
    columns; in the full briefing `auto` or `full` is the text width, `column` a narrower
    chart, centred."""
    height: float | None = None
    """The chart's height in millimetres (25 to 200); by default the chart's own, from its
    data."""


@dataclass(frozen=True)
class Closing:
    """The sign-off of the message, after the figures: "Kind regards," and who sends it."""

    sign_off: Text
    """The closing words (`Kind regards,`)."""
    name: Text
    """Who signs: a person or a team."""
    role: Text | None = None
    """Their role, on the line under the name."""
    contact: Text | None = None
    """How to reach them (an address, a telephone number), on the last line."""


@dataclass(frozen=True)
class Email:
    """Subject and body lines of the message that carries an edition."""

    subject: Text
    """The subject of the message that carries an edition."""
    body: tuple[Para, ...]
    """The paragraphs of the message."""
    headline: tuple[str, ...] = ()  # ids of figures quoted in the message
    """Ids of figures listed in the message (from anywhere in the briefing)."""
    closing: Closing | None = None
    """The sign-off, printed after the figures: closing words, name, role, contact."""


@dataclass(frozen=True)
class Check:
    """`{part: id, whole: id}` in the file: the figure `part` never exceeds `whole`."""

    part: str
    """The id of a figure or value that can never exceed..."""
    whole: str
    """...the figure or value with this id."""
    path: tuple  # where the check is written, for messages


@dataclass(frozen=True)
class Briefing:
    """A whole briefing file: document, brand, sources, sections in reading order."""

    document: Document
    """Titles, editions, reference date."""
    brand: Brand
    """The theme: written here, or the name of a brand file shared by several briefings (`brand:
    assets/brand.yaml`)."""
    sources: tuple[Source, ...]
    """The published documents every figure comes from."""
    sections: tuple[Section, ...]
    """The briefing in reading order."""
    email: Email | None = None
    """Subject and body of the message `send` writes; `send` needs it."""
    path: str = "data.yaml"
    figures: FrozenMap = field(default_factory=FrozenMap)  # id -> figures.FigureDef

    def source(self, source_id: str) -> Source:
        """Return the source with this id."""
        return next(s for s in self.sources if s.id == source_id)

    def figures_by_id(self) -> dict:
        """Return every figure that carries an id, by id, wherever it is."""
        return {fig.id: fig for _path, fig in find(self, Figure) if fig.id}


def walk(value, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """Yield (path, node) for `value` and everything inside it, depth first.

    Paths use the model's field names, list indexes and mapping keys, which are the data
    file's keys: ("sections", 3, "items", 1, "value").
    """
    yield path, value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from walk(getattr(value, item.name), path + (item.name,))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from walk(item, path + (key,))
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from walk(item, path + (i,))


def find(value, kind: type, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """Yield (path, node) for every node of type `kind` anywhere inside `value`."""
    return ((p, node) for p, node in walk(value, path) if isinstance(node, kind))
