"""Measuring a rendered PDF with pypdfium2: pixel colours, text positions, how full a page is."""

from __future__ import annotations

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

MM = 72 / 25.4  # PDF points per millimetre
A4_HEIGHT = 297 * MM


def hex_rgb(value: str) -> tuple:
    value = value.lstrip("#")
    return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))


def near(pixel, rgb, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], rgb, strict=True))


def page_image(pdf, index: int, scale: float = 2.0):
    """Page `index` as an RGB PIL image, `scale` pixels per point."""
    return pdf[index].render(scale=scale).to_pil().convert("RGB")


def count_colour(image, rgb, *, box=None, tolerance=12) -> int:
    """How many pixels of `image` (inside `box`: left, top, right, bottom) are near `rgb`."""
    region = image.crop(box) if box else image
    pixels = region.get_flattened_data() if hasattr(region, "get_flattened_data") \
        else region.getdata()
    return sum(1 for pixel in pixels if near(pixel, rgb, tolerance))


def char_boxes(page):
    """Every printed character of `page`: (char, left, bottom, right, top) in points."""
    text = page.get_textpage()
    found = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        if char.strip():
            found.append((char, *text.get_charbox(index)))
    return found


def find_text(page, needle: str):
    """The box (left, bottom, right, top) of the first `needle` on `page`, or None."""
    text = page.get_textpage()
    searcher = text.search(needle, match_case=True)
    hit = searcher.get_next()
    if hit is None:
        return None
    start, count = hit
    boxes = [text.get_charbox(i) for i in range(start, start + count)]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


DRAWN = (pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH)


def content_boxes(page):
    """Boxes (left, bottom, right, top) of the text, images and vector shapes (charts,
    rules, card backgrounds) drawn on `page`, also inside form XObjects."""
    return [obj.get_bounds() for obj in page.get_objects(filter=DRAWN)]


def page_fill(page, *, top: float, bottom: float) -> float:
    """How much of the body (`top` mm below the top edge to `bottom` mm above the foot) is used.

    The fill is the distance from the body's top to the lowest text or image drawn inside
    it, as a share of the body's height: a page with one line at the top is nearly 0.
    """
    height = page.get_size()[1]
    body_top, body_bottom = height - top * MM, bottom * MM
    lows = [box[1] for box in content_boxes(page)
            if box[3] <= body_top + 1 and box[1] >= body_bottom - 1]
    if not lows:
        return 0.0
    return (body_top - min(lows)) / (body_top - body_bottom)


def open_pdf(path):
    return pdfium.PdfDocument(str(path))


def structure_elements(pdf):
    """Every structure element reachable from the root, in reading order (an independent walk)."""
    found, stack = [], [pdf.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Dictionary) and "/K" in node:
            if "/S" in node:
                found.append(node)
            kids = node.K
            stack.extend(reversed(list(kids)) if isinstance(kids, pikepdf.Array) else [kids])
    return found
