"""The whole validation of a project: data file + labels + glyph check -> (briefing, labels).

Every command that needs a valid briefing (check, build, send) calls `load_project` once.
"""

from __future__ import annotations

from pathlib import Path

from .. import PROJECT_ROOT
from ..errors import DataError
from .load import load_briefing


def load_project(data_path, *, root: Path = PROJECT_ROOT):
    """Validate the data file and the labels its editions need: (briefing, {lang: Labels})."""
    from ..document.i18n import load_labels

    briefing = load_briefing(data_path, root=root)
    labels = load_labels(root / "templates" / "labels.yaml", briefing.document.editions)
    check_glyphs(briefing, labels, root=root)
    return briefing, labels


def check_glyphs(briefing, labels, *, root: Path) -> None:
    """Every character the editions print must exist in the brand font: no fallback fonts."""
    from fontTools.ttLib import TTFont  # only when validating: not on the skip path

    font = TTFont(root / "assets" / briefing.brand.fonts["regular"], lazy=True)
    cmap = font.getBestCmap()
    problems = []
    for path, string in iter_strings(briefing, labels):
        missing = sorted({ch for ch in string if ord(ch) not in cmap and not ch.isspace()})
        if missing:
            names = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing)
            problems.append(f"{briefing.path}: {path}: {names} not in the brand font "
                            f"{briefing.brand.font_family}; use other characters or a font "
                            "that has them")
    if problems:
        raise DataError(problems)


def iter_strings(briefing, labels):
    """(where, string) for every human-readable string of every edition."""
    def walk(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                yield from walk(item, f"{path}[{i}]")
        elif isinstance(value, str):
            yield path, value
        elif hasattr(value, "__dataclass_fields__"):
            yield from walk(vars(value), path)

    yield from walk({"document": briefing.document, "brand": briefing.brand.name,
                     "sources": briefing.sources, "sections": briefing.sections}, "")
    for lang, words in labels.items():
        yield from walk(words.words, f"labels.{lang}")
