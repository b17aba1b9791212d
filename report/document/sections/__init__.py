"""Section types: one module per type, each declaring it once with a `SectionType`.

A section type is one module in this package (found automatically; the type is named after
it) that defines:

- its model: a frozen dataclass subclassing `model.Section`, with typed fields named like
  their YAML keys (`paragraphs: tuple[Para, ...]`, `caption: Text | None`);
- `parse(r, source)`: reads the type's own keys with `r.get(key, converter)` (converters in
  `fields.py`) and returns them as a dict, or None if a required one is missing;
- `TYPE = SectionType(model=..., parse=...)`, saying whether it needs a source, whether it
  must have a title, its chart (a name in `render.charts.CHARTS`) and its heading level.

Plus, outside Python: the template `templates/sections/<type>.html` (it extends
`_section.html`) and any new words in `templates/labels.yaml`. Nothing else changes: the
cross-checks (`checks.py`: sources exist, ids unique, parts within wholes, every text in every
edition) and the glyph check walk the model by its types, so every `Para`, `Figure` and
`Text` of a new type is checked without a line of extra code.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .. import fields as f
from ..model import CHART_SIZES, Section

SECTION_FIELDS = ("type", "id", "title", "source", "as_of", "intro", "briefing_only")
CHART_FIELDS = ("size", "height")  # on sections whose type has a chart


@dataclass(frozen=True)
class SectionType:
    """Everything about one section type; the rest of the program derives from it."""

    model: type[Section]
    parse: Callable  # (Reader, section source or None) -> {field: value} or None
    name: str = ""  # the `type:` in data.yaml; default: the module's name
    needs_source: bool = True  # a source on the section, unless every Para and Figure has one
    title_required: bool = True
    chart: str | None = None  # a name in render.charts.CHARTS
    level: str = "nested"  # "chapter" opens a part, "top" is outside parts, "nested" follows
    in_contents: bool = True  # listed in the table of contents (when it has a title)
    template: str = field(default="")  # default: sections/<name>.html

    def __post_init__(self):
        name = self.name or self.model.__module__.rsplit(".", 1)[-1]
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "template", self.template or f"sections/{name}.html")
        self.model.declaration = self

    @property
    def summary(self) -> str:
        """Return the first line of the model's docstring: what the type shows."""
        return (self.model.__doc__ or "").strip().splitlines()[0]


class Registry:
    """The section types a data file may use, by name, in a fixed order."""

    def __init__(self, types=()):
        self._types = {kind.name: kind for kind in types}

    def __getitem__(self, name: str) -> SectionType:
        return self._types[name]

    def __contains__(self, name) -> bool:
        return name in self._types

    def __iter__(self) -> Iterator[SectionType]:
        return iter(self._types.values())

    def names(self) -> tuple[str, ...]:
        """Return the type names, in order."""
        return tuple(self._types)

    def plus(self, *types: SectionType) -> Registry:
        """Return a new registry with `types` added (a test's throw-away type)."""
        return Registry([*self, *types])


def discover_types() -> Registry:
    """Return the `TYPE` of every module in this package, in alphabetical order."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return Registry(importlib.import_module(f"{__name__}.{name}").TYPE for name in names)


SECTION_TYPES = discover_types()


def section_reader(types: Registry = SECTION_TYPES):
    """Return a converter of the `sections:` list; section ids must be unique."""
    def read_sections(ctx, raw, path):
        items = f.list_of(_one_section(types))(ctx, raw, path)
        if items is None:
            return None
        seen = {}
        for i, section in enumerate(items):
            if section.id in seen:
                ctx.problem(path + (i, "id"), f"duplicate section id '{section.id}' "
                                              f"(also sections[{seen[section.id]}])")
            seen.setdefault(section.id, i)
        return items
    return read_sections


def _one_section(types: Registry):
    def read_section(ctx, raw, path):
        r = f.Reader(ctx, raw, path)
        name = r.get("type", f.choice(*types.names()))
        if name is None:
            return None
        kind = types[name]
        common = _common_fields(r, kind, default_id=f"section-{path[-1] + 1}")
        specific = kind.parse(r, common["source"])
        r.done()
        if specific is None or (kind.title_required and common["title"] is None) or None in (
                common["id"], common["intro"], common["briefing_only"], common.get("size", "")):
            return None
        return kind.model(**common, **specific)
    return read_section


def _common_fields(r, kind: SectionType, *, default_id: str) -> dict:
    title_default = {} if kind.title_required else {"default": None}
    return dict(
        type=kind.name,
        id=r.get("id", f.ident, default=default_id),
        title=r.get("title", f.text, **title_default),
        source=r.get("source", f.ident, default=None),
        as_of=r.get("as_of", f.text, default=None),
        intro=r.get("intro", f.list_of(f.para), default=()),
        line=r.ctx.doc.line(r.path),
        briefing_only=r.get("briefing_only", f.flag, default=False),
    ) | _chart_fields(r, kind)


def _chart_fields(r, kind: SectionType) -> dict:
    """`size` (auto, column, full): how wide the chart is; `height` in mm, if not its own."""
    if not kind.chart:
        return {}
    return {"size": r.get("size", f.choice(*CHART_SIZES), default="auto"),
            "height": r.get("height", f.height_mm, default=None)}
