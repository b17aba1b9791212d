"""The whole validation of a project: data file + labels + glyph check -> (briefing, labels).

Every command that needs a valid briefing (check, build, send) calls `load_project` once.
"""

from __future__ import annotations

from pathlib import Path

from .. import PROJECT_ROOT
from ..errors import DataError
from .load import load_briefing
from .model import walk
from .yamlfile import format_path


def load_project(data_path, *, root: Path = PROJECT_ROOT):
    """Validate the data file and the labels its editions need.

    Return (briefing, {lang: Labels}).
    """
    from .i18n import load_labels

    briefing = load_briefing(data_path, root=root)
    labels = load_labels(root / "templates" / "labels.yaml", briefing.document.editions)
    check_glyphs(briefing, labels, root=root)
    return briefing, labels


def check_glyphs(briefing, labels, *, root: Path) -> None:
    """Raise DataError unless every character the editions print is in the brand font."""
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
    """Yield (where, string) for every string of the model and of the editions' labels."""
    printed = {"document": briefing.document, "brand": briefing.brand.name,
               "sources": briefing.sources, "sections": briefing.sections}
    labels = {"labels": {lang: words.words for lang, words in labels.items()}}
    for top in (printed, labels):
        for path, node in walk(top):
            if isinstance(node, str):
                yield format_path(path), node
