"""Check that an image asset is what its name says: an SVG that parses, a PNG or JPEG that
decodes. WeasyPrint would otherwise only warn "Failed to load image" and print nothing.

`asset` reads a path to a file in assets/ (a logo, a font, a photo) and checks it stays
there, exists and, for an image, decodes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from .. import PROJECT_ROOT
from . import fields as f

IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")
_RASTER_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
_MAX_PIXELS = 50_000_000


def image_problem(path: Path) -> str | None:
    """Return why `path` is not a readable image of the kind its suffix declares, or None."""
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return _svg_problem(path)
    if suffix in _RASTER_FORMATS:
        return _raster_problem(path, _RASTER_FORMATS[suffix])
    return None


def _svg_problem(path: Path) -> str | None:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        return f"is not a readable SVG image (not well-formed XML: {exc})"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        return f"is not a readable SVG image (its top element is <{root.tag}>, not <svg>)"
    return None


def _raster_problem(path: Path, expected: str) -> str | None:
    from PIL import Image, ImageFile, UnidentifiedImageError

    lenient = ImageFile.LOAD_TRUNCATED_IMAGES  # WeasyPrint, once imported, turns it on
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(path) as image:
            found = image.format
            if found == expected and image.width * image.height <= _MAX_PIXELS:
                image.load()
    except UnidentifiedImageError:
        return f"is not a readable {expected} image (not an image file); save it as {expected}"
    except (OSError, SyntaxError, ValueError) as exc:
        return f"is not a readable {expected} image ({exc}); save it again as {expected}"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    if found != expected:
        return f"is a {found} image, not {expected}: rename it or convert it"
    if image.width * image.height > _MAX_PIXELS:
        return f"is too large ({image.width}x{image.height} pixels); scale it down"
    return None


def asset(root: Path | None = None, *, base: Path | None = None, suffixes=None):
    """Return a converter of an asset path: relative to `base` (default: the project), it
    must stay inside `root/assets/` and exist; it reads the path below assets/.

    `root` defaults to the project the data file is read for (`ctx.root`).
    """
    def read_asset(ctx, raw, path):
        top = Path(root or getattr(ctx, "root", None) or PROJECT_ROOT)
        folder, assets = Path(base or top), (top / "assets").resolve()
        rel = f.plain_str(ctx, raw, path)
        if rel is None:
            return None
        full = (folder / rel).resolve()
        if not full.is_relative_to(assets):
            where = "as assets/..." if folder == top else "relative to this brand file"
            ctx.problem(path, f"'{rel}' is outside assets/; put the file in assets/ and "
                              f"name it {where}")
        elif not full.is_file():
            ctx.problem(path, f"'{rel}' does not exist")
        elif suffixes and full.suffix.lower() not in suffixes:
            ctx.problem(path, f"'{rel}' should be one of {', '.join(suffixes)}")
        elif problem := image_problem(full):
            ctx.problem(path, f"'{rel}' {problem}")
        else:
            return full.relative_to(assets).as_posix()
        return None
    return read_asset
