"""Pictures in the HTML part: an edition's PDF -> a small JPEG of its cover page; the
brand's logo as a PNG (drawn by the caller) -> an inline part named by a Content-ID.

Both travel inside the message (`multipart/related`, `cid:` URLs): mail clients block
pictures fetched from the web, and most show no SVG.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

MAX_COVER_BYTES = 60_000  # the thumbnail's limit
COVER_WIDTH = 400  # pixels: shown 200 px wide, sharp on a screen of twice the density
_QUALITIES = (82, 72, 62, 50, 40)


@dataclass(frozen=True)
class InlineImage:
    """One picture carried in the message: its bytes, type, Content-ID and size in pixels."""

    data: bytes
    subtype: str  # "png", "jpeg"
    cid: str  # without the angle brackets: "cover.0123abcd@example.org"
    width: int
    height: int


def cover_thumbnail(pdf: bytes, *, cid: str, width: int = COVER_WIDTH,
                    limit: int = MAX_COVER_BYTES) -> InlineImage:
    """Return the first page of `pdf` as a JPEG `width` pixels wide and under `limit` bytes
    (lower quality, then smaller, until it fits)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=width / page.get_width(), may_draw_forms=False).to_pil()
    finally:
        document.close()
    image = image.convert("RGB")
    while True:
        for quality in _QUALITIES:
            data = _jpeg(image, quality)
            if len(data) < limit:
                return InlineImage(data, "jpeg", cid, *image.size)
        image = image.resize((image.width * 3 // 4, image.height * 3 // 4))


def _jpeg(image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def logo_image(png: bytes, *, cid: str) -> InlineImage:
    """Return the logo's PNG bytes as an inline image (its size read from the PNG header)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("the logo is not a PNG image")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return InlineImage(png, "png", cid, width, height)
