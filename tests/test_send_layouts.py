"""Choosing what to receive: the recipients file's `layout` column picks the full briefing or
the two-page handout (data.yaml's `outputs`), as `lang` picks the language.

`generate.py send` runs in real subprocesses against aiosmtpd on 127.0.0.1; the messages are
parsed back and each attachment compared with the manifest's sha256 for `<output>-<lang>`,
each cover thumbnail with page 1 of the PDF it should show.
"""

import hashlib
import io
import json

import numpy as np
import pypdfium2 as pdfium
import pytest
from conftest import DATA, run_cli
from mailhelpers import copy_editions, write_recipients
from PIL import Image
from smtpserver import smtp_server

from report.document.project import load_project
from report.mail.deliver import send_briefing
from report.mail.ledger import LEDGER_NAME, open_ledger
from report.mail.message import message_id
from report.output.build import build_editions
from report.output.changes import change_record

HEADER = "email,name,lang,layout"
MIXED = ["ann@example.org,Ann Donor,en,",  # an empty cell: the first output, the briefing
         "bob@example.org,Bob,az,handout",
         "cy@example.org,,en,handout",
         "dee@example.org,Dee,az,briefing"]
WANTED = {"ann@example.org": ("briefing", "en"), "bob@example.org": ("handout", "az"),
          "cy@example.org": ("handout", "en"), "dee@example.org": ("briefing", "az")}
SUBJECT = {("briefing", "en"): "Azerbaijan briefing, September 2025",
           ("briefing", "az"): "Azərbaycan üzrə brifinq, sentyabr 2025",
           ("handout", "en"): "Azerbaijan briefing, September 2025 (two-page handout)",
           ("handout", "az"): "Azərbaycan üzrə brifinq, sentyabr 2025 (iki səhifəlik xülasə)"}


@pytest.fixture
def out(editions, tmp_path):
    return copy_editions(editions, tmp_path)


def _manifest(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _send(recipients, out, server, *extra):
    return run_cli("send", "--recipients", recipients, "--out", out, *extra, env=server.env())


def _parts(message):
    """(the attached PDF part, the cover thumbnail part) of a parsed message."""
    (pdf,) = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    (cover,) = [p for p in message.walk()
                if str(p.get("Content-ID", "")).startswith("<cover.")]
    return pdf, cover


def _difference(jpeg: bytes, pdf_path) -> float:
    """The mean difference (0-255) between a thumbnail and page 1 of `pdf_path` drawn at
    the thumbnail's size."""
    thumb = Image.open(io.BytesIO(jpeg)).convert("RGB")
    document = pdfium.PdfDocument(pdf_path)
    try:
        page = document[0]
        drawn = page.render(scale=thumb.width / page.get_width()).to_pil().convert("RGB")
    finally:
        document.close()
    drawn = drawn.resize(thumb.size)
    return float(np.abs(np.asarray(thumb, float) - np.asarray(drawn, float)).mean())


def _check_received(item, out, manifest):
    address = item.rcpt_tos[0]
    output, lang = WANTED[address]
    entry = manifest["editions"][f"{output}-{lang}"]
    pdf, cover = _parts(item.message)
    assert hashlib.sha256(pdf.get_content()).hexdigest() == entry["sha256"]
    assert pdf.get_filename() == f"{output}-{lang}-2025-09.pdf"
    assert item.message["Subject"] == SUBJECT[(output, lang)]
    assert item.message["Message-ID"] == message_id(entry["sha256"], address, "example.org")
    other = "handout" if output == "briefing" else "briefing"
    right = _difference(cover.get_content(), out / f"{output}-{lang}.pdf")
    wrong = _difference(cover.get_content(), out / f"{other}-{lang}.pdf")
    assert right < 8 < wrong, (address, right, wrong)  # its own layout's first page


def test_each_recipient_gets_the_layout_and_language_they_chose(out, tmp_path):
    recipients = write_recipients(tmp_path, MIXED, header=HEADER)
    with smtp_server() as server:
        first = _send(recipients, out, server)
        received = list(server.handler.received)
        again = _send(recipients, out, server)
        assert len(server.handler.received) == 4  # the second run sent nothing
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.splitlines() == [
        "sent ann@example.org (en)", "sent bob@example.org (handout, az)",
        "sent cy@example.org (handout, en)", "sent dee@example.org (az)",
        "sent 4 messages; 0 recipients already had their edition",
        "every recipient has the current edition (4 of 4)"]
    assert sorted(item.rcpt_tos[0] for item in received) == sorted(WANTED)
    manifest = _manifest(out)
    for item in received:
        _check_received(item, out, manifest)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.splitlines() == [
        "sent 0 messages; 4 recipients already had their edition",
        "every recipient has the current edition (4 of 4)"]


def test_the_handout_message_says_it_is_the_handout(out, tmp_path):
    recipients = write_recipients(tmp_path, ["bob@example.org,Bob,az,handout",
                                             "ann@example.org,Ann,en,handout"], header=HEADER)
    with smtp_server() as server:
        assert _send(recipients, out, server).returncode == 0
        by_address = {item.rcpt_tos[0]: item.message for item in server.handler.received}
    words = {"ann@example.org": ("Attached: handout-en-2025-09.pdf", "the two-page handout",
                                 "The first page of the two-page handout"),
             "bob@example.org": ("Əlavə: handout-az-2025-09.pdf", "iki səhifəlik xülasə",
                                 "İki səhifəlik xülasənin birinci səhifəsi")}
    for address, (attached, what, alt) in words.items():
        text = by_address[address].get_body(("plain",)).get_content()
        html = by_address[address].get_body(("html",)).get_content()
        for part in (text, html):
            assert attached in part
            assert what in part
        assert f'alt="{alt}"' in html


def test_switching_layout_sends_the_new_one_once(out, tmp_path):
    recipients = write_recipients(tmp_path, ["ann@example.org,Ann,en,briefing",
                                             "bob@example.org,Bob,az,"], header=HEADER)
    manifest = _manifest(out)
    with smtp_server() as server:
        assert _send(recipients, out, server).returncode == 0
        write_recipients(tmp_path, ["ann@example.org,Ann,en,handout",
                                    "bob@example.org,Bob,az,"], header=HEADER)
        switched = _send(recipients, out, server)
        again = _send(recipients, out, server)
        write_recipients(tmp_path, ["ann@example.org,Ann,en,briefing",
                                    "bob@example.org,Bob,az,"], header=HEADER)
        back = _send(recipients, out, server)  # she has had this briefing already
        received = [(i.rcpt_tos[0], _sha(i.message)) for i in server.handler.received]
    assert switched.stdout.splitlines()[0] == "sent ann@example.org (handout, en)"
    for result in (again, back):
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.splitlines()[0] == ("sent 0 messages; 2 recipients already "
                                                 "had their edition")
    assert received == [("ann@example.org", manifest["editions"]["briefing-en"]["sha256"]),
                        ("bob@example.org", manifest["editions"]["briefing-az"]["sha256"]),
                        ("ann@example.org", manifest["editions"]["handout-en"]["sha256"])]
    with open_ledger(out, create=False, write=False) as ledger:
        rows = ledger.for_edition(manifest["editions"]["handout-en"]["sha256"])
    assert {key: (row.file, row.state) for key, row in rows.items()} == {
        "ann@example.org": ("handout-en.pdf", "sent")}


def _sha(message):
    return hashlib.sha256(_parts(message)[0].get_content()).hexdigest()


def test_an_unknown_layout_is_refused_with_its_line_and_nothing_is_sent(out, tmp_path):
    recipients = write_recipients(tmp_path, ["ann@example.org,Ann,en,poster",
                                             "bob@example.org,Bob,az,handout",
                                             "cy@example.org,,fr,handuot"], header=HEADER)
    with smtp_server() as server:
        result = _send(recipients, out, server)
        assert server.handler.rcpts == []
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"{recipients}:2: layout: 'poster' is not an output of this briefing (layouts: "
        "briefing, handout; an empty cell means briefing)",
        f"{recipients}:4: lang: 'fr' is not an edition (editions: en, az)",
        f"{recipients}:4: layout: 'handuot' is not an output of this briefing; did you mean "
        "'handout'? (layouts: briefing, handout; an empty cell means briefing)",
        "3 problems found; nothing was written."]
    assert not (out / LEDGER_NAME).exists()


def test_status_lists_each_recipient_under_the_edition_of_their_layout(out, tmp_path):
    recipients = write_recipients(tmp_path, MIXED, header=HEADER)
    with smtp_server() as server:
        assert _send(recipients, out, server).returncode == 0
    status = run_cli("send", "--status", "--out", out, "--recipients", recipients)
    assert status.returncode == 0, status.stderr
    blocks, current = {}, None
    for line in status.stdout.splitlines():
        if not line.startswith(" "):
            current = line.split(" (")[0]
            blocks[current] = [line]
        else:
            blocks[current].append(line.split()[2])  # the address
    for output, lang, address in [("briefing", "en", "ann@example.org"),
                                  ("briefing", "az", "dee@example.org"),
                                  ("handout", "en", "cy@example.org"),
                                  ("handout", "az", "bob@example.org")]:
        header, *people = blocks[str(out / f"{output}-{lang}.pdf")]
        assert header.endswith("): 1 of 1 sent"), header
        assert people == [address]


def test_a_breach_in_the_handout_alone_holds_the_send(out, tmp_path):
    manifest = _manifest(out)
    manifest["editions"]["handout-az"]["changes"] = change_record(
        {"figures": {"idps": 657749}}, {"idps": 900000}, {"idps": 25.0})
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    recipients = write_recipients(tmp_path, ["bob@example.org,Bob,az,handout"], header=HEADER)
    with smtp_server() as server:
        held = _send(recipients, out, server)
        assert server.handler.rcpts == []
    assert held.returncode == 1, held.stdout + held.stderr
    assert held.stderr.startswith("error: held: the new edition (az) moves 1 figure")
    assert "idps: 657,749 -> 900,000 (+36.8%), limit 25%" in held.stderr


def test_the_precheck_compares_a_handout_with_its_own_manifest_entry(out, tmp_path):
    """The manifest's handout-az entry says another sha256 than the file: that message is
    refused with its row, the briefing's still goes."""

    def build_then_spoil(*args, **options):
        built = build_editions(*args, **options)
        manifest = _manifest(out)
        manifest["editions"]["handout-az"]["sha256"] = "0" * 64
        (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        return built

    recipients = write_recipients(tmp_path, ["ann@example.org,Ann,az,briefing",
                                             "bob@example.org,Bob,az,handout"], header=HEADER)
    with smtp_server() as server:
        report = send_briefing(DATA, recipients, out_dir=out, environ=server.env(),
                               build=build_then_spoil, project=load_project(DATA))
        assert [item.rcpt_tos for item in server.handler.received] == [["ann@example.org"]]
    (line,) = [line for line in report.summary_lines() if "bob@" in line]
    assert line.startswith(f"  bob@example.org (handout, az): not sent: {recipients}:3: "
                           "would not go: the attached PDF (sha256 ")
    assert "is not the edition in the manifest (sha256 000000000000)" in line
