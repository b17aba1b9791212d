"""Both editions, built by the real CLI, read back with real PDF readers (pypdf, pypdfium2)."""

import re

import pypdf
import pypdfium2 as pdfium
import pytest
from conftest import ROOT
from fontTools.ttLib import TTFont

from report.document.load import load_briefing

LANGS = ("en", "az")
# key figures as each locale prints them
FIGURES = {
    "en": ["657,749", "8,087", "224", "513", "56%", "8.0", "3.5", "2,084", "3,263"],
    "az": ["657.749", "8.087", "224", "513", "56%", "8,0", "3,5", "2.084", "3.263"],
}
WRONG = {"en": ["657.749", "8.087"], "az": ["657,749", "8,087"]}
TITLES = {
    "en": "Azerbaijan: ICRC transition and UNHCR operations",
    "az": "Azərbaycan: BQXK ofisinin bağlanması və BMT QAK-ın fəaliyyəti",
}


def _reader(built, lang):
    out, _result = built
    return pypdf.PdfReader(out / f"briefing-{lang}.pdf")


def _text(built, lang):
    out, _result = built
    pdf = pdfium.PdfDocument(str(out / f"briefing-{lang}.pdf"))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def test_build_is_silent_and_reports_both(built):
    _out, result = built
    assert result.stderr == ""  # no WeasyPrint warning or error
    assert re.search(r"wrote \S+briefing-en.pdf \(\d+ pages, \d+ KiB\)", result.stdout)
    assert re.search(r"wrote \S+briefing-az.pdf \(\d+ pages, \d+ KiB\)", result.stdout)


@pytest.mark.parametrize("lang", LANGS)
def test_metadata_language_and_tags(built, lang):
    reader = _reader(built, lang)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    meta = reader.metadata
    assert meta.title == TITLES[lang]
    assert meta.author
    assert meta.subject
    assert meta["/Keywords"]
    assert meta["/CreationDate"].startswith("D:202509")


@pytest.mark.parametrize("lang", LANGS)
def test_key_figures_in_the_locale_format(built, lang):
    text = _text(built, lang)
    for figure in FIGURES[lang]:
        assert figure in text, figure
    for figure in WRONG[lang]:
        assert figure not in text, figure


def test_azerbaijani_letters_survive(built):
    text = _text(built, "az")
    for letter in "əƏğıİşçöü":
        assert letter in text, letter
    assert "sentyabr 2025" in text
    assert "Səhifə" in text


@pytest.mark.parametrize("lang", LANGS)
def test_every_font_is_embedded_and_the_brand_font(built, lang):
    reader = _reader(built, lang)
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font \
                else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    assert names, "no fonts found"
    # "Lato-Brand": only the shipped @font-face files carry that family name
    assert all(re.fullmatch(r"/[A-Z]{6}\+Lato-Brand(-\w+)?", name) for name in names), names


@pytest.mark.parametrize("lang", LANGS)
def test_every_printed_character_is_in_the_brand_font(built, lang):
    cmap = TTFont(ROOT / "assets" / "fonts" / "Lato-Regular.ttf").getBestCmap()
    text = _text(built, lang)
    # U+FFFE is how pdfium marks a hyphen at the end of a line
    missing = {ch for ch in text if not ch.isspace() and ch != "\ufffe" and ord(ch) not in cmap}
    assert not missing


@pytest.mark.parametrize("lang", LANGS)
def test_bookmarks_for_every_section(built, lang):
    reader = _reader(built, lang)
    briefing = load_briefing(ROOT / "data.yaml")
    flat = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                flat.append(item.title)
    walk(reader.outline)
    for section in briefing.sections:
        if section.title:
            assert section.title[lang] in flat, section.id


@pytest.mark.parametrize("lang", LANGS)
def test_pages_are_a4_and_none_is_empty(built, lang):
    out, result = built
    pdf = pdfium.PdfDocument(str(out / f"briefing-{lang}.pdf"))
    try:
        pages = len(pdf)
        assert f"briefing-{lang}.pdf ({pages} pages" in result.stdout
        for index in range(pages):
            width, height = pdf[index].get_size()
            assert (round(width), round(height)) == (595, 842)
            body = pdf[index].get_textpage().get_text_range()
            # more than the running head and foot
            assert len(body.strip()) > 200, f"page {index + 1} is nearly empty"
    finally:
        pdf.close()


ALT = {"en": "56% funded: 4.5 of 8.0 million US dollars",
       "az": "56% təmin olunub: 8,0 milyon ABŞ dolları ehtiyacdan 4,5"}


@pytest.mark.parametrize("lang", LANGS)
def test_chart_alt_text_is_in_the_tagged_pdf(built, lang):
    reader = _reader(built, lang)
    alts = []

    def walk(node, depth=0):
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if "/Alt" in node:
                alts.append(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                walk(kids, depth + 1)
        elif isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid, depth + 1)
    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert any(alt.startswith(ALT[lang]) for alt in alts), alts
    assert len(alts) == 2  # the two charts; the logo is decorative (a background)


def test_figures_have_alt_text_and_tables_header_cells(built):
    out, _result = built
    for lang in LANGS:
        html = (out / f"briefing-{lang}.html").read_text(encoding="utf-8")
        images = re.findall(r"<img [^>]*>", html)
        assert len(images) == 2  # the two charts; the logo is a CSS background
        assert all(re.search(r'alt="[^"]{10,}"', img) for img in images), images
        assert f'<html lang="{lang}">' in html
        # the handover table's three column headers, the population table's two and the
        # funding table's three
        assert len(re.findall(r'<th scope="col"[ >]', html)) == 3 + 2 + 3
        assert '<th scope="row">' in html


def test_kept_html_is_self_contained(built):
    out, _result = built
    html = (out / "briefing-en.html").read_text(encoding="utf-8")
    for ref in re.findall(r'(?:src|href)="(?!https://)([^"#]+)"', html):  # links to the web
        assert (out / ref).is_file(), ref
    for ref in re.findall(r'url\("([^"]+)"\)', html):
        assert (out / ref).is_file(), ref


def test_second_data_file_renders(built_second):
    out, result = built_second
    assert result.stderr == ""
    reader = pypdf.PdfReader(out / "unhcr-2024-en.pdf")
    assert reader.trailer["/Root"]["/Lang"] == "en"
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "657,749" in text
    assert "UNHCR in Azerbaijan: 2024 at a glance" in text


# The editorial pass (issue 14): what each edition must say, and what it must no longer say.
EDITORIAL = {
    "en": {"present": ["Six government officials", "one official of the State Statistics",
                       "in seven districts", "Neither the ICRC nor UNHCR produced",
                       "The ICRC and UNHCR are independent of each other",
                       "psychological support", "other remaining activities",
                       "Headline figures: UNHCR fact sheet, 2024"],
           "absent": ["Total staff", "000_3085d1d938f57e6c", "psychosocial",
                      "obligations under international humanitarian law",
                      "Escalation of the conflict", "relatives of families"]},
    "az": {"present": ["Altı dövlət rəsmisi", "(DSK) bir rəsmisi", "yeddi rayon üzrə",
                       "nə BQXK, nə də BMT QAK hazırlayıb",
                       "2024-cü ilin sentyabr ayına olan vəziyyətə görə",
                       "2020 və 2023-cü illərin", "digər qalan fəaliyyətlər"],
           "absent": ["Cəmi heyət", "000_3085d1d938f57e6c", "Biz,", "deyilik", "hazırıq",
                      "verməyəcəyik", "vəziyyətinə", "suallar və cavablar", "DSK-nin"]},
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_edited_wording_is_printed_and_the_claims_removed(built, lang):
    text = " ".join(_text(built, lang).split())
    for phrase in EDITORIAL[lang]["present"]:
        assert phrase in text, phrase
    for phrase in EDITORIAL[lang]["absent"]:
        assert phrase not in text, phrase
