"""Page fill, measured from the built PDFs: no page of either layout is less than a third full;
and the handout's shape: two A4 pages, two columns, the band, tags, manifest and archive."""

import json
import re

import pypdf
import pytest
from conftest import DATA, run_cli
from pdfcheck import MM, content_boxes, find_text, hex_rgb, open_pdf, page_fill, page_image

from report.document.load import load_briefing

LANGS = ("en", "az")
TITLES = {"en": "Azerbaijan: ICRC transition and UNHCR operations",
          "az": "Azərbaycan: BQXK ofisinin bağlanması və BMT QAK-ın fəaliyyəti"}
SOURCES_HEADING = {"en": "Sources and notes", "az": "Mənbələr və qeydlər"}
DONORS = {"en": "Donors", "az": "Donorlar"}
BODY = {"top": 22, "bottom": 20}  # mm: the page margins of the full briefing


def _fills(path, **body):
    pdf = open_pdf(path)
    try:
        return [page_fill(pdf[i], **body) for i in range(len(pdf))]
    finally:
        pdf.close()


@pytest.mark.parametrize("lang", LANGS)
def test_no_briefing_page_is_less_than_a_third_full(built, lang):
    out, _result = built
    fills = _fills(out / f"briefing-{lang}.pdf", **BODY)
    # Only the cover and the contents always end their page; both are well filled here, and
    # chapters move to a new page only when less than 105 mm are left (style.css), so no
    # page is exempt.
    thin = {i + 1: round(fill, 2) for i, fill in enumerate(fills) if fill < 1 / 3}
    assert not thin, f"pages less than a third full: {thin}"


@pytest.mark.parametrize("lang", LANGS)
def test_a_chapter_never_starts_in_the_lower_part_of_a_page(built, lang):
    out, _result = built
    pdf = open_pdf(out / f"briefing-{lang}.pdf")
    chapters = [s.title[lang] for s in load_briefing(DATA).sections if s.type == "chapter"]
    for title in chapters:
        hits = [find_text(pdf[i], title) for i in range(2, len(pdf))]
        box = next(hit for hit in hits if hit is not None)
        # the heading's top is above the last 105 mm of the page body
        assert box[3] > (20 + 105) * MM - 2, title
    pdf.close()


# ---- the handout: data.yaml's second output --------------------------------------------
HANDOUT_BODY = {"top": 15, "bottom": 13}  # mm (page 1 starts at the top edge: the band)
LEFT_OUT = {  # marked briefing_only in data.yaml: in the briefing, not in the handout
    "en": ["Why is the ICRC closing its office", "Main priorities",
           "The ICRC also visited people detained", "Donors"],
    "az": ["BQXK Azərbaycandakı ofisini hansı səbəbə görə bağlayır", "Əsas prioritetlər",
           "həmçinin münaqişə ilə əlaqədar", "Donorlar"],
}
KEPT = {"en": ["Who carries each activity now", "657,749", "Key results in 2024"],
        "az": ["Fəaliyyətləri indi kim həyata keçirir", "657.749"]}


def _handout(built, lang):
    out, _result = built
    return out / f"handout-{lang}.pdf"


def _all_text(path):
    pdf = open_pdf(path)
    try:
        return " ".join(" ".join(pdf[i].get_textpage().get_text_range().split())
                        for i in range(len(pdf)))
    finally:
        pdf.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_handout_is_one_a4_sheet_front_and_back(built, lang):
    out, result = built
    assert f"handout-{lang}.pdf (2 pages" in result.stdout
    pdf = open_pdf(_handout(built, lang))
    assert len(pdf) == 2
    for index in range(2):
        assert tuple(round(v) for v in pdf[index].get_size()) == (595, 842)
    pdf.close()


@pytest.mark.parametrize("lang", LANGS)
def test_no_handout_page_is_less_than_a_third_full(built, lang):
    fills = _fills(_handout(built, lang), **HANDOUT_BODY)
    assert all(fill >= 1 / 3 for fill in fills), fills


@pytest.mark.parametrize("lang", LANGS)
def test_the_handout_leaves_out_what_is_marked_briefing_only(built, lang):
    out, _result = built
    handout = _all_text(_handout(built, lang))
    briefing = _all_text(out / f"briefing-{lang}.pdf")
    for words in LEFT_OUT[lang]:
        assert words in briefing, words
        assert words not in handout, words
    for words in KEPT[lang]:
        assert words in handout, words


@pytest.mark.parametrize("lang", LANGS)
def test_the_handout_is_set_in_two_columns(built, lang):
    pdf = open_pdf(_handout(built, lang))
    width = pdf[1].get_size()[0]
    lefts = {round(box[0] / MM) for box in content_boxes(pdf[1])
             if box[2] - box[0] < width / 2 - 12 * MM}  # boxes narrower than a column
    pdf.close()
    assert any(left <= 14 for left in lefts)  # a column at the left margin (12 mm)
    assert any(103 <= left <= 110 for left in lefts)  # and one after the gap


@pytest.mark.parametrize("lang", LANGS)
def test_the_handout_band_carries_the_brand_and_the_sources_are_at_the_end(built, lang):
    pdf = open_pdf(_handout(built, lang))
    image = page_image(pdf, 0, scale=1)
    assert image.getpixel((300, 5)) == hex_rgb("#0b2545")  # the band, at the top edge
    title = find_text(pdf[0], TITLES[lang][:20])
    assert title is not None
    assert title[1] > pdf[0].get_size()[1] - 40 * MM  # the title is in the band
    text = pdf[1].get_textpage().get_text_range()
    pdf.close()
    assert text.rfind(SOURCES_HEADING[lang]) > text.rfind(DONORS[lang])


@pytest.mark.parametrize("lang", LANGS)
def test_the_handout_is_tagged_with_alt_text_and_brand_fonts(built, lang):
    reader = pypdf.PdfReader(_handout(built, lang))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert bool(root["/MarkInfo"]["/Marked"])
    assert reader.metadata.title == TITLES[lang]
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if "/Alt" in node:
                alts.append(str(node["/Alt"]))
            if node.get("/K") is not None:
                walk(node["/K"])
        elif isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid)
    walk(root["/StructTreeRoot"])
    assert len(alts) >= 2  # the charts (the logo is decorative: a CSS background, an artifact)
    names = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()}
    assert names
    assert all(re.fullmatch(r"/[A-Z]{6}\+Lato-Brand(-\w+)?", name) for name in names), names


def test_the_handout_is_listed_in_the_manifest_and_archived(built):
    out, _result = built
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for lang in LANGS:
        entry = manifest["editions"][f"handout-{lang}"]
        assert entry["file"] == f"handout-{lang}.pdf"
        assert (entry["layout"], entry["name"], entry["lang"], entry["pages"]) == (
            "handout", "handout", lang, 2)
        briefing = manifest["editions"][f"briefing-{lang}"]
        assert (briefing["file"], briefing["layout"]) == (f"briefing-{lang}.pdf", "briefing")
        archived = [a["file"] for a in manifest["archive"] if a["name"] == "handout"
                    and a["lang"] == lang]
        assert archived
        assert all((out / "archive" / name).is_file() for name in archived)


def test_an_unchanged_handout_is_skipped_like_the_briefing(built):
    out, _result = built
    again = run_cli("build", "--out", out, "--keep-html")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [f"unchanged: {out / name}.pdf" for name in (
        "briefing-en", "briefing-az", "handout-en", "handout-az")]
