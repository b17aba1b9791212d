"""Light formatting in paragraphs: bold, italic, links; everything else prints as written."""

import pypdf
import pypdfium2 as pdfium
import pytest
from conftest import SECOND, copy_tables, run_cli

from report.document.inline import format_inline


@pytest.mark.parametrize(("text", "expected"), [
    ("**bold** and *italic* and _italic_", "<strong>bold</strong> and <em>italic</em> and "
     "<em>italic</em>"),
    ("see [the sheet](https://example.org/a?b=1&c=2)",
     'see <a href="https://example.org/a?b=1&amp;c=2" class="text-link">the sheet</a>'
     '<span class="link-url"> (https://example.org/a?b=1&amp;c=2)</span>'),
    ("[write](mailto:desk@example.org)",
     '<a href="mailto:desk@example.org" class="text-link">write</a>'
     '<span class="link-url"> (desk@example.org)</span>'),
    ("<b>raw</b> & <script>x</script>",
     "&lt;b&gt;raw&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;"),
    ("# not a heading, - not a list, `not code`, &amp;",
     "# not a heading, - not a list, `not code`, &amp;amp;"),
    ("[bad](javascript:alert(1)) [local](../etc/passwd)",
     "[bad](javascript:alert(1)) [local](../etc/passwd)"),
    ("![an image](https://example.org/x.png)", '!<a href="https://example.org/x.png" '
     'class="text-link">an image</a><span class="link-url"> (https://example.org/x.png)'
     '</span>'),
    ("snake_case_name and 50 * 2", "snake_case_name and 50 * 2"),
])
def test_format_inline(text, expected):
    assert str(format_inline(text)) == expected


FORMATTED = ('"**Population statistics**: *UNHCR* mid-year report; placeholder link: '
             '[the example page](https://example.org/placeholder). <b>not bold</b>"')


@pytest.fixture(scope="module")
def formatted(tmp_path_factory):
    base = tmp_path_factory.mktemp("inline")
    text = SECOND.read_text(encoding="utf-8")
    old = '"Population statistics: UNHCR mid-year statistical report'
    assert old in text
    line = next(line for line in text.splitlines() if old in line)
    data = base / "inline.yaml"
    data.write_text(text.replace(line, f"      - {FORMATTED}"), encoding="utf-8")
    copy_tables(base)
    result = run_cli("build", "--data", data, "--out", base / "out", "--keep-html")
    assert result.returncode == 0, result.stderr
    return base / "out"


def test_html_has_the_formatting_and_no_raw_html(formatted):
    html = (formatted / "unhcr-2024-en.html").read_text(encoding="utf-8")
    assert "<strong>Population statistics</strong>: <em>UNHCR</em> mid-year" in html
    assert ('<a href="https://example.org/placeholder" class="text-link">the example page'
            '</a><span class="link-url"> (https://example.org/placeholder)</span>') in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html


def test_pdf_links_are_annotations_and_the_url_is_printed(formatted):
    pdf_path = formatted / "unhcr-2024-en.pdf"
    uris = [annot.get_object()["/A"]["/URI"]
            for page in pypdf.PdfReader(pdf_path).pages
            for annot in page.get("/Annots", ())
            if annot.get_object().get("/A", {}).get("/URI")]
    assert uris == ["https://example.org/placeholder"]
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()
    joined = "".join(text.split())  # a long URL may wrap at any character
    assert "theexamplepage(https://example.org/placeholder)" in joined
    assert "<b>notbold</b>" in joined
    assert "**" not in joined


def test_the_html_email_formats_paragraphs_and_the_plain_text_keeps_them():
    from report.mail.images import InlineImage
    from report.mail.layout import html_text, plain_text
    from report.mail.message import Letter
    from report.mail.optout import OptOut

    cover = InlineImage(b"", "jpeg", "cover@example.org", 10, 14)
    letter = Letter(
        lang="en", subject="S", brand="B", colours={role: "#0b2545" for role in (
            "primary", "secondary", "accent", "text", "muted", "tint")}, font_family="Lato",
        greeting="Dear {name},", greeting_neutral="Dear colleague,", paragraphs=(
            "**Attached** is the briefing; see [the page](https://example.org/p). <b>raw</b>",),
        figures_title="Figures", figures=(), figures_as_of="Figures as of 2025",
        attachment="Attached: x.pdf", closing=("Regards", "The desk"),
        opt_out_mail="{address} {token}",
        opt_out_web="{url}", filename="x.pdf", pdf=b"", sha256="0" * 64, cover=cover,
        cover_alt="cover", logo=None)
    opt_out = OptOut("leave@example.org")
    html = html_text(letter, "Ann", opt_out=opt_out, token="t")
    assert ("<strong>Attached</strong> is the briefing; see <a href=\"https://example.org/p\" "
            "class=\"text-link\">the page</a><span class=\"link-url\"> (https://example.org/p)"
            "</span>. &lt;b&gt;raw&lt;/b&gt;</p>") in html
    assert "**Attached** is the briefing" in plain_text(letter, "Ann", opt_out=opt_out, token="t")
