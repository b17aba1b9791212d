"""The email a donor receives, parsed back from a real SMTP server: the HTML's inline pictures
(logo and cover, `cid:` parts, sizes), the headline figures and the sign-off after them, the
greeting, sizes in human units, List-Unsubscribe (one-click only with a URL), and every
message checked before the first is sent."""

import dataclasses
import datetime as dt
import email
import io
import json
import re
import sqlite3
from email import policy

import pypdfium2 as pdfium
import pytest
from conftest import DATA, ROOT, SECOND, copy_tables
from mailhelpers import copy_editions, write_recipients
from PIL import Image
from smtpserver import smtp_server

from report.document.i18n import load_labels
from report.document.project import load_project
from report.errors import DataError
from report.mail.deliver import RetryPolicy, send_briefing
from report.mail.images import MAX_COVER_BYTES
from report.mail.ledger import LEDGER_NAME
from report.mail.message import Composer, human_size
from report.mail.recipients import Recipient
from report.mail.smtpconfig import parse_address
from report.output.build import build_editions
from report.render.raster import render_logo_png

ROWS = ["donor@example.org,Ann Donor,en", "partner@example.org,,az",
        "desk@example.org,,en", "official@example.gov.az,Rəşad Əliyev,az"]
SIGN_OFF = {"en": ("Kind regards,", "The Field Briefings team",
                   "Editors of the Azerbaijan briefing", "briefings@example.org"),
            "az": ("Hörmətlə,", "Field Briefings komandası",
                   "Azərbaycan üzrə brifinqin redaktorları", "briefings@example.org")}
FIGURES = {"en": ("657,749", "8,087"), "az": ("657.749", "8.087")}


@pytest.fixture
def out(editions, tmp_path):
    return copy_editions(editions, tmp_path)


def _logo(briefing):
    return render_logo_png(briefing, root=ROOT)


def _send(out, tmp_path, env, rows=ROWS, data=DATA, build=build_editions, **options):
    recipients = write_recipients(tmp_path, rows)
    return send_briefing(data, recipients, out_dir=out, environ=env, build=build, logo=_logo,
                         sleep=lambda _s: None, policy=RetryPolicy(attempts=1), **options)


@pytest.fixture
def received(out, tmp_path):
    """{address: parsed message} of one run to ROWS, with a mailto: opt-out address only."""
    with smtp_server() as server:
        report = _send(out, tmp_path, server.env(MAIL_UNSUBSCRIBE_TO="unsub@example.org"))
    assert report.complete
    return {item.rcpt_tos[0]: email.message_from_bytes(item.data, policy=policy.default)
            for item in server.handler.received}


def _bodies(message):
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    return text, message.get_body(("html",)).get_content()


def _lang(message):
    return message["Content-Language"]


def test_the_html_shows_the_logo_and_the_cover_as_inline_parts(received, out):
    for message in received.values():
        _text, html = _bodies(message)
        related = message.get_body(("html",))
        assert message.get_payload()[0].get_payload()[1].get_content_type() == \
            "multipart/related"
        parts = {str(p["Content-ID"]).strip("<>"): p for p in message.walk() if p["Content-ID"]}
        shown = re.findall(r'<img src="cid:([^"]+)"', html)
        assert sorted(shown) == sorted(parts)  # every picture shown is carried, and no other
        assert len(parts) == 2
        assert not re.search(r'src="(https?|file|data):', html)
        types = {p.get_content_type(): p for p in parts.values()}
        assert sorted(types) == ["image/jpeg", "image/png"]
        logo, cover = types["image/png"], types["image/jpeg"]
        for part in (logo, cover):
            assert part.get_content_disposition() == "inline"
        assert len(cover.get_content()) < MAX_COVER_BYTES
        image = Image.open(io.BytesIO(cover.get_content()))
        page = pdfium.PdfDocument(str(out / f"briefing-{_lang(message)}.pdf"))[0]
        assert abs(image.height / image.width - page.get_height() / page.get_width()) < 0.01
        assert Image.open(io.BytesIO(logo.get_content())).size[1] == 96
        cover_cid = str(cover["Content-ID"]).strip("<>")
        assert not re.search(r"<a\b[^>]*>(?:(?!</a>).)*cid:" + re.escape(cover_cid), html,
                             re.S)  # the cover links to nothing
        assert related is not None


def test_the_cover_thumbnail_is_the_editions_own_first_page(received):
    """The az message carries a picture of the az cover, not of the en one."""
    covers = {}
    for message in received.values():
        for part in message.walk():
            if part.get_content_type() == "image/jpeg":
                covers.setdefault(_lang(message), set()).add(part.get_content())
    assert {lang: len(found) for lang, found in covers.items()} == {"en": 1, "az": 1}
    assert covers["en"] != covers["az"]


def test_the_headline_figures_come_first_then_the_sign_off(received):
    for message in received.values():
        lang = _lang(message)
        text, html = _bodies(message)
        for body in (text, html):
            last_figure = max(body.index(value) for value in FIGURES[lang])
            as_of = body.index({"en": "Figures as of September 2025",
                                "az": "Rəqəmlər sentyabr 2025 vəziyyətinədir"}[lang])
            places = [body.index(line) for line in SIGN_OFF[lang]]
            assert last_figure < as_of < places[0]
            assert places == sorted(places)
            assert "Reference date" not in body
            assert "İstinad tarixi" not in body
        assert text.index(SIGN_OFF[lang][-1]) < text.index("-- \nField Briefings")


def test_the_greeting_names_the_person_or_is_the_neutral_one(received):
    expected = {"donor@example.org": "Dear Ann Donor,",
                "partner@example.org": "Hörmətli həmkar,",
                "desk@example.org": "Dear colleague,",
                "official@example.gov.az": "Hörmətli Rəşad Əliyev,"}
    for address, greeting in expected.items():
        text, html = _bodies(received[address])
        assert text.startswith(greeting + "\n\n")
        assert f">{greeting}</p>" in html


def test_the_attachment_size_is_said_in_human_units(received, out):
    for message in received.values():
        lang = _lang(message)
        size = (out / f"briefing-{lang}.pdf").stat().st_size
        assert 10_000 < size < 999_000  # so that the edition is said in KB
        said = f"(PDF, {round(size / 1000)} KB)."
        text, html = _bodies(message)
        assert said in text
        assert said in html
        assert " MB" not in text


@pytest.mark.parametrize(("size", "lang", "said"), [
    (96_000, "en", "96 KB"),
    (96_400, "az", "96 KB"),
    (400, "en", "1 KB"),
    (1_234_567, "en", "1.2 MB"),
    (1_234_567, "az", "1,2 MB"),
    (999_600, "en", "1.0 MB"),
    (12_600_000, "az", "13 MB"),
])
def test_human_size(size, lang, said):
    labels = load_labels(ROOT / "templates" / "labels.yaml", ("en", "az"))
    assert human_size(size, lang, labels[lang]) == said


def test_list_unsubscribe_is_a_mailto_link_with_the_recipients_token(received):
    tokens = set()
    for address, message in received.items():
        header = message["List-Unsubscribe"]
        match = re.fullmatch(r"<mailto:unsub@example\.org\?subject=unsubscribe%20([0-9a-f]{20})>",
                             str(header).strip())
        assert match, header
        tokens.add(match.group(1))
        assert message["List-Unsubscribe-Post"] is None  # no URL, so no one-click
        text, html = _bodies(message)
        assert f"unsubscribe {match.group(1)}" in text
        assert f'href="mailto:unsub@example.org?subject=unsubscribe%20{match.group(1)}"' in html
        assert address not in str(header)
    assert len(tokens) == len(received)


def test_one_click_with_an_https_url(out, tmp_path):
    url = "https://example.org/briefings/unsubscribe"
    with smtp_server() as server:
        _send(out, tmp_path, server.env(MAIL_UNSUBSCRIBE_URL=url))
    for item in server.handler.received:
        message = email.message_from_bytes(item.data, policy=policy.default)
        first, second = (part.strip() for part in str(message["List-Unsubscribe"]).split(","))
        assert re.fullmatch(rf"<{re.escape(url)}\?token=[0-9a-f]{{20}}>", first)
        assert re.fullmatch(r"<mailto:briefings@example\.org\?subject=unsubscribe%20"
                            r"[0-9a-f]{20}>", second)  # the sender's address by default
        assert first[-21:-1] == second[-21:-1]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert first[1:-1] in _bodies(message)[1]


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("MAIL_UNSUBSCRIBE_URL", "http://example.org/u",
     "environment: MAIL_UNSUBSCRIBE_URL: 'http://example.org/u' is not an https:// URL"),
    ("MAIL_UNSUBSCRIBE_TO", "Unsubscribe <u@example.org>",
     "environment: MAIL_UNSUBSCRIBE_TO: 'Unsubscribe <u@example.org>' is not a valid address"),
])
def test_bad_opt_out_settings_stop_the_run(out, tmp_path, name, value, problem):
    with smtp_server() as server, pytest.raises(DataError) as caught:
        _send(out, tmp_path, server.env(**{name: value}))
    assert server.handler.rcpts == []
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems


def test_every_message_is_checked_before_the_first_goes(out, tmp_path):
    """The az edition in the manifest is not the file on disk: both az rows are reported with
    their line, before the first message is sent, and the en recipients get theirs."""
    def build(data_path, **options):
        editions = build_editions(data_path, **options)
        manifest = json.loads((out / "manifest.json").read_text())
        manifest["editions"]["briefing-az"]["sha256"] = "0" * 64
        (out / "manifest.json").write_text(json.dumps(manifest))
        return editions

    states_at_first_data = []

    async def look(handler, server, envelope):
        if not states_at_first_data:
            db = sqlite3.connect(out / LEDGER_NAME)
            states_at_first_data.append(dict(db.execute(
                "SELECT recipient, state FROM deliveries")))
            db.close()

    with smtp_server() as server:
        server.handler.on_data = look
        report = _send(out, tmp_path, server.env(), build=build)
    assert sorted(server.handler.by_recipient()) == ["desk@example.org", "donor@example.org"]
    assert states_at_first_data[0]["official@example.gov.az"] == "failed-permanent"
    recipients = tmp_path / "recipients.csv"
    lines = report.summary_lines()
    for line_number, address in ((3, "partner@example.org"), (5, "official@example.gov.az")):
        assert any(line.startswith(f"  {address} (az): not sent: {recipients}:{line_number}: "
                                   "would not go: the attached PDF (sha256 ")
                   and "is not the edition in the manifest" in line for line in lines), lines


def test_a_message_over_the_size_limit_is_reported_with_its_row(out, tmp_path):
    with smtp_server() as server:
        report = _send(out, tmp_path, server.env(MAIL_MAX_BYTES="100000"),
                       rows=ROWS[:2])
    assert server.handler.rcpts == []
    recipients = tmp_path / "recipients.csv"
    assert report.summary_lines()[-2].startswith(
        f"  donor@example.org (en): not sent: {recipients}:2: would not go: the message is "
        "0.")
    assert "over the 0.1 MB limit (MAIL_MAX_BYTES)" in report.summary_lines()[-1]


def test_another_brand_and_a_short_sign_off(built_second, tmp_path):
    """The second briefing (sign-off without role or contact, a figure from another section),
    with another brand colour: nothing of data.yaml's email leaks in."""
    out = copy_editions(built_second[0], tmp_path)
    briefing, _labels = load_project(SECOND)
    colors = dict(briefing.brand.colors) | {"primary": "#5b2a86"}
    data = tmp_path / "second.yaml"
    copy_tables(tmp_path)
    data.write_text(SECOND.read_text(encoding="utf-8").replace("#0b2545", "#5b2a86"),
                    encoding="utf-8")
    assert colors["primary"] == "#5b2a86"
    with smtp_server() as server:
        report = _send(out, tmp_path, server.env(), rows=["ann@example.org,,en"], data=data)
    assert report.complete
    message = server.handler.received[0].message
    text, html = _bodies(message)
    assert "background:#5b2a86" in html
    assert "#0b2545" not in html
    assert "- IDPs: 657,749" in text
    assert text.index("8,087") < text.index("With best wishes,\nField Briefings\n\n-- ")
    assert "Kind regards" not in text
    assert "Editors" not in text
    assert text.startswith("Dear colleague,\n\n")


def test_the_email_block_reads_its_sign_off(tmp_path):
    source = DATA.read_text(encoding="utf-8")
    broken = source.replace('    sign_off: {en: "Kind regards,", az: "Hörmətlə,"}\n',
                            '    sign_off: {en: "Kind regards,"}\n    signature: x\n')
    assert broken != source
    path = tmp_path / "data.yaml"
    copy_tables(tmp_path)
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_project(path, root=ROOT)
    text = "\n".join(caught.value.problems)
    assert "email.closing.sign_off: missing the 'az' translation" in text
    assert "email.closing.signature: unknown key 'signature'" in text


def test_a_briefing_without_closing_still_builds_a_message(out, tmp_path):
    briefing, _labels = load_project(DATA)
    briefing = dataclasses.replace(briefing, email=dataclasses.replace(briefing.email,
                                                                       closing=None))
    composer = Composer(briefing, _labels, build_editions(DATA, out_dir=out),
                        sender=parse_address("B <b@example.org>")[0])
    message = composer.compose(Recipient("a@example.org", "", "en"), msg_id="<x@y>",
                               date=dt.datetime(2025, 10, 1, tzinfo=dt.UTC))
    text = message.get_body(("plain",)).get_content()
    assert "Kind regards" not in text
    assert "Figures as of September 2025" in text
