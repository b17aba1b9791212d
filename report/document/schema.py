"""Write briefing.schema.json, a JSON Schema of the data file, from `describe` (the readers
and the models): editors that use the YAML language server complete keys and flag mistakes
as people type. It is an aid: `check` stays the authority (sums, sources, editions, files).
"""

from __future__ import annotations

import json

from .describe import Shape, describe_file
from .fields import COLOR_RE, HEIGHT_MM, ID_RE

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
LANG_KEY = "^[a-z]{2,3}$"
_TEXT = {"anyOf": [
    {"type": "string", "minLength": 1},
    {"type": "object", "properties": {"all": {"type": "string", "minLength": 1}},
     "patternProperties": {LANG_KEY: {"type": "string", "minLength": 1}},
     "additionalProperties": False, "minProperties": 1},
], "description": "A string, or one per edition {en: ..., az: ...}, or {all: ...} if the "
                  "same in every edition."}
_NUMBER = {"type": "number", "minimum": 0}
_VALUE = {"anyOf": [{"type": "string", "pattern": ID_RE.pattern}, {
    "type": "object", "required": ["figure"], "additionalProperties": False,
    "properties": {"figure": {"type": "string", "pattern": ID_RE.pattern},
                   "words": {"type": "boolean"}}}]}
_ID = {"$ref": "#/$defs/id"}
_FIGURE = {"anyOf": [_ID, {
    "type": "object", "required": ["figure"], "additionalProperties": False,
    "properties": {"figure": _ID, "label": {"$ref": "#/$defs/text"},
                   "as_of": {"$ref": "#/$defs/text"}, "unit": {"$ref": "#/$defs/text"}}}],
    "description": "The id of a figure declared under figures:, or {figure: id, label: ...}."}
DEFS = {
    "text": _TEXT,
    "id": {"type": "string", "pattern": ID_RE.pattern},
    "value": {**_VALUE, "description": "The id of a figure declared under figures:, or "
              "{figure: id, words: true}."},
    "para": {"anyOf": [{"$ref": "#/$defs/text"}, {
        "type": "object", "required": ["text"], "additionalProperties": False,
        "properties": {"text": {"$ref": "#/$defs/text"},
                       "values": {"type": "object", "additionalProperties": {
                           "$ref": "#/$defs/value"}},
                       "source": {"$ref": "#/$defs/id"},
                       "briefing_only": {"type": "boolean"}}}]},
    "date": {"anyOf": [{"type": "integer", "minimum": 1000, "maximum": 9999},
                       {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}]},
}
LEAF_SCHEMAS = {
    "text": {"$ref": "#/$defs/text"}, "para": {"$ref": "#/$defs/para"},
    "value": {"$ref": "#/$defs/value"}, "id": {"$ref": "#/$defs/id"},
    "date": {"$ref": "#/$defs/date"},
    "string": {"type": "string", "minLength": 1},
    "colour": {"type": "string", "pattern": COLOR_RE.pattern},
    "whole": {"type": "integer", "minimum": 0},
    "number": _NUMBER,
    "percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "asset": {"type": "string", "minLength": 1},
    "flag": {"type": "boolean"},
    "figure": _FIGURE,
    "figure_id": {"$ref": "#/$defs/id"},
    "figure_value": {"anyOf": [{"type": "number"}, {"$ref": "#/$defs/date"},
                               {"type": "string", "minLength": 1}]},
    "share": {"type": "object", "required": ["part", "whole"], "additionalProperties": False,
              "properties": {"part": {"$ref": "#/$defs/id"}, "whole": {"$ref": "#/$defs/id"}}},
    "cell": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/text"}, {
        "type": "object", "required": ["figure"], "additionalProperties": False,
        "properties": {"figure": {"$ref": "#/$defs/id"}}}],
        "description": "A text, {figure: id}, or ~ (not available)."},
    "match": {"anyOf": [{"type": "string"}, {"type": "number"}]},
    "height": {"type": "number", "minimum": HEIGHT_MM[0], "maximum": HEIGHT_MM[1]},
    "change": {"anyOf": [{"type": "number", "minimum": 0},
                         {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"}]},
}


def make_schema(shape: Shape | None = None) -> dict:
    """Return the JSON Schema of a data file."""
    shape = shape or describe_file()
    defs = dict(DEFS)
    root = _schema(shape, defs)
    return {"$schema": SCHEMA_URI, "$id": "briefing.schema.json",
            "title": "Briefing data file",
            "description": "A briefing for generate.py; see docs/reference.md.",
            **root, "$defs": defs}


def render_schema() -> str:
    """Return the text of briefing.schema.json."""
    return json.dumps(make_schema(), indent=1, ensure_ascii=False) + "\n"


def _schema(shape: Shape, defs) -> dict:
    if shape.kind in LEAF_SCHEMAS:
        return dict(LEAF_SCHEMAS[shape.kind])
    if shape.kind == "list":
        result = {"type": "array", "items": _schema(shape.item, defs)}
        return result | ({"minItems": shape.min_items} if shape.min_items else {})
    if shape.kind == "mapping":
        return {"type": "object", "additionalProperties": _schema(shape.item, defs)}
    if shape.kind == "choice":
        return {"enum": list(shape.options)}
    if shape.kind == "sections":
        return {"type": "array", "minItems": 1, "items": _sections(shape.types, defs)}
    record = _record(shape, defs)
    if shape.name == "table":  # a table is also written as its file name alone
        return {"if": {"type": "string"}, "then": {"minLength": 1}, "else": record}
    if shape.kind == "brand":
        return {"if": {"type": "string"},  # if/then/else: the record's own messages
                "then": {"pattern": r"\.ya?ml$",
                         "description": "A brand file in assets/, e.g. assets/brand.yaml"},
                "else": record}
    return record


def _record(shape: Shape, defs) -> dict:
    properties = {}
    for fl in shape.fields:
        prop = _schema(fl.shape, defs)
        if fl.meaning:
            prop["description"] = fl.meaning
        if fl.default not in (None, (), {}) and not fl.required:
            prop["default"] = fl.default
        properties[fl.key] = prop
    result = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [fl.key for fl in shape.fields if fl.required]
    if shape.summary:
        result["description"] = shape.summary
    return result | ({"required": required} if required else {})


def _sections(types, defs) -> dict:
    """One schema per section type, chosen by `type` (if/then, so editors suggest keys)."""
    names = [info.name for info in types]
    rules = []
    for info in types:
        defs[f"section-{info.name}"] = _record(Shape("record", fields=info.fields,
                                                     summary=info.declaration.summary), defs)
        rules.append({"if": {"properties": {"type": {"const": info.name}},
                             "required": ["type"]},
                      "then": {"$ref": f"#/$defs/section-{info.name}"}})
    return {"type": "object", "required": ["type"],
            "properties": {"type": {"enum": names}}, "allOf": rules}
