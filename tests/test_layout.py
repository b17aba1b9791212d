"""Page fill, measured from the built PDFs: no page of either layout is less than a third full."""

import pytest
from conftest import DATA
from pdfcheck import MM, find_text, open_pdf, page_fill

from report.document.load import load_briefing

LANGS = ("en", "az")
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
