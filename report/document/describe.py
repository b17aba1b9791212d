"""Describe the data format from the readers themselves: every key, its kind, whether it is
required, its default and its meaning. The reference page and the JSON Schema derive from this.

Each reader is run once on an empty mapping with a listener on `Reader.get`: the keys it asks
for, with their converters and defaults, are the format (one source of truth). Converters
are named by what they are (`fields.text`, `fields.list_of(...)`, ...). Meanings are the
attribute docstrings of the model's dataclasses (the string under a field).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import sys
import textwrap
from dataclasses import dataclass

from . import fields as f
from . import figures, load, model
from .sections import SECTION_TYPES, Registry, SectionType, _one_section
from .sections.table import read_cell, read_match
from .yamlfile import YamlDoc

LEAVES = {f.text: "text", f.para: "para", f.value: "value", f.plain_str: "string",
          f.ident: "id", f.color: "colour", f.count: "whole", f.amount: "number",
          f.percent: "percent", f.partial_date: "date", f.flag: "flag",
          f.single_line_text: "text", load._headline: "figure_id", f.height_mm: "height",
          f.decimals: "whole", read_cell: "cell", read_match: "match"}


@dataclass(frozen=True)
class Shape:
    """What a key holds: a kind of value, and for lists, mappings and records what is inside."""

    kind: str  # a LEAVES value, or list, mapping, choice, asset, record, brand, sections
    item: Shape | None = None  # list and mapping: the kind of each item
    min_items: int = 0
    options: tuple = ()  # choice: the allowed values; asset: the allowed suffixes
    fields: tuple = ()  # record and brand: the Fields
    name: str = ""  # record: what it is called in the reference ("figure")
    summary: str = ""  # record: what it is (its dataclass docstring)
    types: tuple = ()  # sections: the SectionTypes


@dataclass(frozen=True)
class Field:
    """One key of a mapping."""

    key: str
    shape: Shape
    required: bool
    default: object = None
    meaning: str = ""


def _optional(key, shape, meaning, default=None) -> Field:
    return Field(key, shape, False, default, meaning)


TABLE = Shape("record", name="table", summary=(
    "A table file beside the data file: CSV, XLSX or HXL-tagged CSV. Written as the file "
    "name alone (`data/population.csv`) or as this mapping."), fields=(
    Field("file", Shape("string"), True, meaning="the file, relative to the data file's folder"),
    _optional("sheet", Shape("string"), "the sheet of an XLSX workbook; by default the first"),
    _optional("decimal", Shape("choice", options=(".", ",")),
              "the decimal mark of the numbers in a CSV file", "."),
))
DECLARED_FIGURE = Shape("record", name="declared figure", summary=(
    "One number the briefing prints, declared once under `figures:` and named by its id. "
    "It has exactly one origin: `value:` (typed), `table:` with `row:` and `column:` (read "
    "from a table), or a formula: `share:`, `difference:` or `sum:` (computed from other "
    "figures; `printed:` is the value the source prints, which the computed value must "
    "round to)."), fields=(
    _optional("kind", Shape("choice", options=figures.KINDS),
              "count (a whole number), amount (money: needs `currency` and `unit`), percent "
              "or date", "count"),
    Field("source", Shape("id"), True, meaning="the id of its source (one of `sources:`)."),
    _optional("label", Shape("text"), "what the number counts, printed with it"),
    _optional("as_of", Shape("text"), "when it holds, printed with it"),
    _optional("unit", Shape("text"), "an amount's unit, printed after it (`million US dollars`)."),
    _optional("currency", Shape("string"), "an amount's three-letter currency code (`USD`)."),
    _optional("scale", Shape("choice", options=figures.SCALES),
              "an amount's scale: 8.0 with `million` is 8 000 000"),
    _optional("decimals", Shape("whole"), "digits printed after the decimal point (0 to 6).", 0),
    _optional("max_change", Shape("change"),
              "how far it may move between editions; by default the top-level `max_change`."),
    _optional("value", Shape("figure_value"), "the number (or, for a date, the date) as typed"),
    _optional("table", Shape("id"), "the name of the table (`tables:`) it is read from"),
    _optional("row", Shape("mapping", item=Shape("figure_value")),
              "with `table`: the row, as `{column: value}` pairs that pick exactly one row"),
    _optional("column", Shape("string"), "with `table`: the column (or HXL tag) of the value"),
    _optional("share", Shape("share"), "`{part: id, whole: id}`: part as a percent of whole"),
    _optional("difference", Shape("list", item=Shape("figure_id"), min_items=2),
              "`[a, b]`: a minus b"),
    _optional("sum", Shape("list", item=Shape("figure_id"), min_items=1),
              "`[a, b, ...]`: the figures added up"),
    _optional("printed", Shape("number"),
              "with a formula: the value the source prints; the computed value must round to it"),
))
FIGURE_FIELDS = (
    _optional("tables", Shape("mapping", item=TABLE),
              "The office's own tables, by name, that figures are read from (`table:`)."),
    _optional("max_change", Shape("change"),
              "How far, in percent, a figure may move since the last edition before a "
              "scheduled send holds the edition (`25%`)."),
    _optional("figures", Shape("mapping", item=DECLARED_FIGURE),
              "Every number the briefing prints, declared once by id; sections, sentences "
              "and the email refer to these ids, and a number typed in a section is an error."),
)


@dataclass(frozen=True)
class TypeInfo:
    """A section type as the reference shows it: its declaration, own and common fields."""

    declaration: SectionType
    fields: tuple  # of Field, `type` first

    @property
    def name(self) -> str:
        """Return the `type:` that selects it."""
        return self.declaration.name


def describe_file(*, types: Registry = SECTION_TYPES) -> Shape:
    """Return the Shape of a whole data file (a record of document, brand, sources, ...)."""
    reader = load.file_reader(section_types=types)
    fields = list(_fields(reader, _docs(model.Briefing)))
    at = next(i for i, fl in enumerate(fields) if fl.key == "sources") + 1
    fields[at:at] = FIGURE_FIELDS  # read by figures.read_figures, outside the file's Reader
    return Shape("record", fields=tuple(fields), name="data file",
                 summary=_summary(model.Briefing))


def describe_sections(types: Registry = SECTION_TYPES) -> list[TypeInfo]:
    """Return every section type with its fields, in the registry's order."""
    result = []
    for kind in types:
        keys = _probe(_one_section(Registry([kind])), {"type": kind.name}, (0,))
        fields = [_field(key, _docs(kind.model)) for key in keys]
        fields = [dataclasses.replace(fl, shape=Shape("choice", options=types.names()))
                  if fl.key == "type" else fl for fl in fields]
        result.append(TypeInfo(kind, tuple(fields)))
    return result


def describe(convert) -> Shape:
    """Return the Shape of what `convert` reads."""
    if convert in LEAVES:
        return Shape(LEAVES[convert])
    name = getattr(convert, "__qualname__", "")
    free = inspect.getclosurevars(convert).nonlocals if callable(convert) else {}
    if name.startswith("figure."):
        return Shape("figure")
    if name.startswith("figure_id."):
        return Shape("figure_id")
    if name.startswith("list_of."):
        return Shape("list", item=describe(free["convert"]), min_items=free["min_items"])
    if name.startswith("mapping_of."):
        return Shape("mapping", item=describe(free["convert"]))
    if name.startswith("choice."):
        return Shape("choice", options=tuple(free["options"]))
    if name.startswith(("_asset.", "asset.")):
        return Shape("asset", options=tuple(free["suffixes"] or ()))
    if name.startswith("section_reader."):
        return Shape("sections", types=tuple(describe_sections(free["types"])))
    if name.startswith("_fixed_mapping."):
        return _fixed_mapping(free["keys"], free["convert"])
    if name.startswith("entry."):
        docs = _docs(model.Entry)
        docs = {free["heading_key"]: docs["heading"], free["body_key"]: docs["body"]}
        return _record(convert, docs, model.Entry)
    if name.startswith("_brand_reader."):
        return dataclasses.replace(_record(convert, _docs(model.Brand), model.Brand),
                                   kind="brand")
    return _record(convert)


def _record(convert, docs=None, cls=None) -> Shape:
    keys = _probe(convert, {}, ())
    cls = cls or _matching_dataclass([key for key, _c, _d in keys])
    docs = docs if docs is not None else (_docs(cls) if cls else {})
    if cls is None and {"family", *load.FONT_FACES} >= {key for key, _c, _d in keys}:
        docs = {"family": _docs(model.Brand)["font_family"],
                **{face: f"the font file for {what}" for face, what in load.FONT_FACES.items()}}
    name = _words(cls.__name__) if cls else "fonts"
    return Shape("record", fields=tuple(_field(key, docs) for key in keys), name=name,
                 summary=_summary(cls) if cls else "The brand's font family and its files.")


def _fixed_mapping(keys, convert) -> Shape:
    meanings = keys if isinstance(keys, dict) else {}
    fields = tuple(Field(key, describe(convert), True, meaning=meanings.get(key, ""))
                   for key in keys)
    return Shape("record", fields=fields, name="colours",
                 summary="One colour per role, as '#rrggbb'.")


def _fields(convert, docs) -> tuple:
    return tuple(_field(key, docs) for key in _probe(convert, {}, ()))


def _field(key_info, docs) -> Field:
    key, convert, default = key_info
    shape = describe(convert)
    meaning = docs.get(key, "") or (shape.item.summary if shape.item else shape.summary)
    required = default is f.REQUIRED
    return Field(key, shape, required, None if required else default, meaning)


def _probe(convert, raw, path) -> list:
    """Run `convert` on `raw` and return the (key, converter, default) it asks `path` for."""
    ctx = f.Context(YamlDoc("probe", {}, {}), ("en",))
    keys = []

    def listen(reader, key, converter, default):
        if reader.path == tuple(path) and key not in [k for k, _c, _d in keys]:
            keys.append((key, converter, default))

    ctx.listener = listen
    convert(ctx, raw, tuple(path))
    return keys


def _matching_dataclass(keys):
    """Return the model dataclass whose fields best match `keys` (None if none shares one)."""
    best, best_score = None, (0, 0)
    for cls in _model_dataclasses():
        names = {field.name for field in dataclasses.fields(cls)}
        score = (len(names & set(keys)), -len(names - set(keys)))
        if score[0] and score > best_score:
            best, best_score = cls, score
    return best


def _model_dataclasses():
    modules = [model, *(sys.modules[kind.model.__module__] for kind in SECTION_TYPES)]
    seen = []
    for module in modules:
        for _name, value in vars(module).items():
            if (inspect.isclass(value) and dataclasses.is_dataclass(value)
                    and value.__module__ == module.__name__ and value not in seen):
                seen.append(value)
    return seen


def _docs(cls) -> dict:
    """Return {field: its attribute docstring} for `cls` and its dataclass bases."""
    docs = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        body = ast.parse(textwrap.dedent(inspect.getsource(klass))).body[0].body
        for node, after in zip(body, [*body[1:], None], strict=True):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def _summary(cls) -> str:
    return " ".join((cls.__doc__ or "").split()) if cls else ""


def _words(name: str) -> str:
    """'HandoverRow' -> 'handover row'."""
    return "".join(f" {ch.lower()}" if ch.isupper() else ch for ch in name).strip()
