"""`image`: a photo or a map from assets/, with its alt text, credit line and caption."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fields as f
from ..images import IMAGE_SUFFIXES, asset
from ..model import Section, Text
from . import SectionType

IMAGE_SIZES = ("column", "full")


@dataclass(frozen=True)
class ImageSection(Section):
    """A photo or a map from assets/ (SVG, PNG or JPEG), with its alt text and credit line."""

    file: str = ""
    """The image: an SVG, PNG or JPEG file in assets/, named from the project
    (`assets/maps/region.png`)."""
    alt: Text | None = None
    """The image described in words, for readers who cannot see it (what it shows, not
    "a photo")."""
    credit: Text | None = None
    """Who made the image or where it comes from, printed under it (`UNHCR/J. Doe`)."""
    caption: Text | None = None
    """A sentence under the image, before the credit."""
    size: str = "column"
    """How wide it is: `column` (one column of the handout; narrower and centred in the
    briefing) or `full` (both columns; the text width in the briefing)."""


def parse(r, source):
    """Read the file (inside assets/, readable), alt text, credit, caption and size."""
    result = f.all_set({
        "file": r.get("file", asset(suffixes=IMAGE_SUFFIXES)),
        "alt": r.get("alt", f.text),
        "credit": r.get("credit", f.text),
        "size": r.get("size", f.choice(*IMAGE_SIZES), default="column"),
    })
    caption = r.get("caption", f.text, default=None)
    return None if result is None else {**result, "caption": caption}


TYPE = SectionType(model=ImageSection, parse=parse, needs_source=False, title_required=False)
