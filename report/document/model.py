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
    id: str | None = None
    decimals: int = 0


@dataclass(frozen=True)
class Para:
    """A sentence or paragraph; `{name}` placeholders are filled from `values`, formatted."""

    text: Text
    values: FrozenMap = field(default_factory=FrozenMap)  # name -> Value
    source: str | None = None  # where a statement comes from, if not its section's source
    briefing_only: bool = False  # left out of the two-page handout


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
class Entry:
    """A heading and its paragraphs: a question and its answer, a priority and what was done."""

    heading: Text
    body: tuple[Para, ...]


@dataclass(frozen=True)
class Brand:
    """The theme: swapped by editing data.yaml and the files in assets/, never code."""

    name: Text
    logo: str  # path below assets/
    logo_alt: Text
    colors: FrozenMap  # role -> "#rrggbb": primary, secondary, accent, text, muted, tint
    font_family: str
    fonts: FrozenMap  # "regular" | "bold" | "italic" | "bold_italic" | "black" -> below assets/


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
    editions: tuple[str, ...]
    output_name: str = DEFAULT_OUTPUT_NAME  # the first output's name (the one that is emailed)
    outputs: tuple = (Output(DEFAULT_OUTPUT_NAME),)  # of Output


@dataclass(frozen=True)
class Section:
    """Fields every section has. `id` is its anchor; `source` its default source id.

    Each subclass is declared once, by a `sections.SectionType`, which sets `declaration`.
    """

    declaration: ClassVar[SectionType]

    type: str
    id: str
    title: Text | None
    source: str | None
    as_of: Text | None
    intro: tuple[Para, ...]
    line: int
    briefing_only: bool = False  # left out of the two-page handout


CHART_SIZES = ("auto", "column", "full")


@dataclass(frozen=True)
class ChartSection(Section):
    """A section drawn as a chart. In the handout, `size` is a column ("auto", "column") or
    both columns ("full"); the full briefing draws every chart page-wide."""

    size: str = "auto"


@dataclass(frozen=True)
class Email:
    """Subject and body lines of the message that carries an edition."""

    subject: Text
    body: tuple[Para, ...]
    headline: tuple[str, ...] = ()  # ids of figures quoted in the message


@dataclass(frozen=True)
class Check:
    """`{part: id, whole: id}` in the file: the figure `part` never exceeds `whole`."""

    part: str
    whole: str
    path: tuple  # where the check is written, for messages


@dataclass(frozen=True)
class Briefing:
    """A whole briefing file: document, brand, sources, sections in reading order."""

    document: Document
    brand: Brand
    sources: tuple[Source, ...]
    sections: tuple[Section, ...]
    email: Email | None = None
    path: str = "data.yaml"

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
