"""The brand really themes the PDF: another brand's colours, name, logo and fonts, sampled
from the rendered pages; and a briefing without a cover keeps margins, header and footer."""

from __future__ import annotations

import re
import shutil

import pypdf
import pytest
import yaml
from conftest import ROOT, SECOND, copy_tables
from pdfcheck import MM, char_boxes, count_colour, find_text, hex_rgb, open_pdf, page_image

from report.document.project import load_project
from report.render.html import render_edition

COLORS = {"primary": "#5c0a17", "secondary": "#7a4b00", "accent": "#2a9d8f",
          "text": "#202020", "muted": "#555555", "tint": "#f3ece4"}
DEFAULT = {"primary": "#0b2545", "accent": "#e69f00", "secondary": "#1f5fa8"}
LOGO = """<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">
<rect width="40" height="40" fill="#ffd400"/></svg>
"""
BRAND_NAME = "Harbour Notes"


def _project(tmp_path, *, cover=True, layout=None):
    """A copy of the project's templates and assets, and second.yaml with another brand."""
    for folder in ("templates", "assets"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "assets" / "brand" / "harbour.svg").write_text(LOGO, encoding="utf-8")
    copy_tables(tmp_path)  # second.yaml reads its population from a table file
    data = yaml.safe_load(SECOND.read_text(encoding="utf-8"))
    data["brand"] = {
        "name": BRAND_NAME, "logo": "assets/brand/harbour.svg",
        "logo_alt": "Harbour Notes logo: a yellow square", "colors": COLORS,
        "fonts": {"family": "Harbour Sans", "regular": "assets/fonts/Lato-Regular.ttf",
                  "bold": "assets/fonts/Lato-Black.ttf", "italic": "assets/fonts/Lato-Italic.ttf",
                  "bold_italic": "assets/fonts/Lato-BoldItalic.ttf",
                  "black": "assets/fonts/Lato-Black.ttf"}}
    chapter = {"type": "chapter", "id": "part", "title": "The figures in one part",
               "summary": "A chapter heading, so that its rule is drawn in the accent colour."}
    sections = [s for s in data["sections"] if cover or s["type"] != "cover"]
    sections.insert(1 if cover else 0, chapter)
    data["sections"] = sections
    if layout:
        data["document"]["layout"] = layout
    path = tmp_path / "brand.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _render(tmp_path, **kw):
    path = _project(tmp_path, **kw)
    briefing, labels = load_project(path, root=tmp_path)
    edition = render_edition(briefing, "en", labels["en"], root=tmp_path)
    assert edition.warnings == []
    pdf_path = tmp_path / "brand.pdf"
    pdf_path.write_bytes(edition.pdf)
    return pdf_path


@pytest.fixture(scope="module")
def branded(tmp_path_factory):
    return _render(tmp_path_factory.mktemp("brand"))


@pytest.fixture(scope="module")
def coverless(tmp_path_factory):
    return _render(tmp_path_factory.mktemp("nocover"), cover=False)


def test_cover_background_is_the_brand_primary(branded):
    pdf = open_pdf(branded)
    image = page_image(pdf, 0, scale=1)
    # the top-left corner and a point below the titles: the cover's own background
    for xy in ((5, 5), (300, 780)):
        assert image.getpixel(xy) == hex_rgb(COLORS["primary"]), xy


def test_cover_rule_is_the_brand_accent(branded):
    pdf = open_pdf(branded)
    image = page_image(pdf, 0, scale=1)
    column = [image.getpixel((100, y)) for y in range(image.height)]
    assert hex_rgb(COLORS["accent"]) in column
    assert hex_rgb(DEFAULT["accent"]) not in column


def test_logo_is_the_brand_logo(branded):
    pdf = open_pdf(branded)
    page = pdf[0]
    name = find_text(page, BRAND_NAME)
    assert name is not None
    image = page_image(pdf, 0, scale=2)
    height = page.get_size()[1]
    # the logo sits left of the brand name, at the same height
    box = (0, int((height - name[3]) * 2) - 20, int(name[0] * 2), int((height - name[1]) * 2) + 20)
    assert count_colour(image, hex_rgb("#ffd400"), box=box) > 400


def _heading_pixels(pdf, index, title):
    page = pdf[index]
    found = find_text(page, title)
    assert found is not None, title
    height = page.get_size()[1]
    left, bottom, right, top = found
    box = (int(left * 2), int((height - top) * 2), int(right * 2), int((height - bottom) * 2))
    image = page_image(pdf, index)
    return {role: count_colour(image, hex_rgb(value), box=box, tolerance=30)
            for role, value in {"brand": COLORS["primary"], "default": DEFAULT["primary"]}.items()}


def test_headings_and_rules_take_the_brand_colours(branded):
    pdf = open_pdf(branded)
    index = next(i for i in range(len(pdf)) if find_text(pdf[i], "The figures in one part"))
    pixels = _heading_pixels(pdf, index, "The figures in one part")
    assert pixels["brand"] > 200
    assert pixels["default"] == 0
    image = page_image(pdf, index, scale=1)
    accent = count_colour(image, hex_rgb(COLORS["accent"]), tolerance=4)
    assert accent > 300  # the rule under the chapter heading
    assert count_colour(image, hex_rgb(DEFAULT["accent"]), tolerance=4) == 0


def test_brand_name_and_fonts_reach_the_pdf(branded):
    reader = pypdf.PdfReader(branded)
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    assert names
    assert all(re.fullmatch(r"/[A-Z]{6}\+Harbour-Sans-Brand(-\w+)?", n) for n in names), names
    pdf = open_pdf(branded)
    assert find_text(pdf[1], BRAND_NAME) is not None  # the running header


def test_without_a_cover_every_page_keeps_margins_header_and_footer(coverless):
    pdf = open_pdf(coverless)
    assert len(pdf) >= 2
    for index in range(len(pdf)):
        page = pdf[index]
        width, height = page.get_size()
        boxes = char_boxes(page)
        assert min(b[1] for b in boxes) >= 17 * MM, f"page {index + 1}: text in the left margin"
        assert max(b[3] for b in boxes) <= width - 17 * MM, f"page {index + 1}: right margin"
        header = find_text(page, BRAND_NAME)
        assert header is not None, f"page {index + 1}: no running header"
        assert header[1] > height - 22 * MM, f"page {index + 1}: header in the body"
        footer = find_text(page, f"Page {index + 1} of {len(pdf)}")
        assert footer is not None, f"page {index + 1}: no footer"
        assert footer[3] < 20 * MM, f"page {index + 1}: footer in the body"
        body = [b for b in boxes if 20 * MM < b[2] < height - 22 * MM]
        assert body, f"page {index + 1}: no body text"
