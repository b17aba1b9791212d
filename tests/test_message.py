"""Messages as a mail client reads them: names cannot forge address headers (parsed back from
a real SMTP server with the strict and the compat32 parsers), long headers are folded."""

import dataclasses
import datetime as dt
import email
import random
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage

import pytest
from conftest import DATA
from mailhelpers import copy_editions, write_recipients
from smtpserver import MAIL_FROM, smtp_server

from report.document.project import load_project
from report.mail.deliver import RetryPolicy, send_briefing
from report.mail.headers import MAX_NAME, MIME_POLICY, parse_addresses, squeeze, to_header
from report.mail.message import Composer, message_id
from report.mail.recipients import Recipient
from report.mail.smtpconfig import parse_address
from report.output.build import build_editions

HOSTILE_NAMES = [
    "José <victim@evil.test>",
    "Zoë, victim@evil.test",
    "Rəşad: team; victim@evil.test",
    'Ann "Desk" <victim@evil.test>,',
    "Ömer (victim@evil.test)",
    "victim@evil.test",
]
WORDS = ["Azərbaycan", "üzrə", "brifinq,", "sentyabr", "2025", "Rəşad", "Əliyev", "Office",
         "ICRC", "(Bakı)", "Şəki", "Gəncə", "of", "the"]


@pytest.fixture
def out(editions, tmp_path):
    return copy_editions(editions, tmp_path)


def _send(out, tmp_path, rows, env):
    recipients = write_recipients(tmp_path, rows)
    return send_briefing(DATA, recipients, out_dir=out, environ=env, build=build_editions,
                         sleep=lambda _s: None, policy=RetryPolicy(attempts=1))


def _reads_back(data: bytes, header: str, name: str, addr: str) -> None:
    """Both parsers see exactly one address, `addr`, with the display name `name` (the
    strict one up to white space, which it adds between encoded words)."""
    strict, compat = parse_addresses(data, header)
    assert compat == [(name, addr)]
    assert squeeze(strict) == squeeze([(name, addr)])


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def test_display_names_cannot_forge_the_to_header(out, tmp_path):
    rows = [f"person{i}@example.org,{_quoted(name)},en" for i, name in enumerate(HOSTILE_NAMES)]
    with smtp_server() as server:
        report = _send(out, tmp_path, rows, server.env())
        received = {item.rcpt_tos[0]: item.data for item in server.handler.received}
    assert report.complete
    for i, name in enumerate(HOSTILE_NAMES):
        _reads_back(received[f"person{i}@example.org"], "To", name, f"person{i}@example.org")


def test_the_sender_and_reply_to_stay_one_address_each(out, tmp_path):
    sender = '"Zoë, Desk <victim@evil.test>" <briefings@example.org>'
    reply_to = '"Rəşad, x@evil.test" <desk@example.org>'
    with smtp_server() as server:
        env = server.env(MAIL_FROM=sender, MAIL_REPLY_TO=reply_to)
        assert _send(out, tmp_path, ["ann@example.org,Ann,az"], env).complete
        data = server.handler.received[0].data
    _reads_back(data, "From", "Zoë, Desk <victim@evil.test>", "briefings@example.org")
    _reads_back(data, "Reply-To", "Rəşad, x@evil.test", "desk@example.org")


def _header_lines(data: bytes) -> list:
    return data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def test_long_names_are_folded_and_read_back_whole(out, tmp_path):
    names = [("Rəşad Əliyev, " * 20)[:MAX_NAME].strip(), ("Field Office Desk " * 20)[:MAX_NAME],
             "ə" * MAX_NAME, "Şəki brifinq of Şəki sentyabr Əliyev Azərbaycan Office Gəncə Rəşad"]
    rows = [f'person{i}@example.org,"{name}",{"az" if i % 2 else "en"}'
            for i, name in enumerate(names)]
    with smtp_server() as server:
        assert _send(out, tmp_path, rows, server.env()).complete
        received = {item.rcpt_tos[0]: item.data for item in server.handler.received}
    for i, name in enumerate(names):
        data = received[f"person{i}@example.org"]
        assert max(len(line) for line in _header_lines(data)) <= 78
        _reads_back(data, "To", name.strip(), f"person{i}@example.org")


def test_no_space_is_lost_where_a_name_is_folded():
    """Python 3.11's own folder drops the space between two encoded words on either side of
    a fold in about one long Azerbaijani name in twenty."""
    chance = random.Random(9)
    for _ in range(400):
        name = " ".join(chance.choice(WORDS) for _ in range(chance.randint(4, 16)))[:MAX_NAME]
        message = EmailMessage(policy=MIME_POLICY)
        message["To"] = to_header(name.strip(), "desk@example.org")
        _reads_back(message.as_bytes(), "To", name.strip(), "desk@example.org")


def test_a_long_subject_is_folded_and_reads_back_whole(out):
    briefing, labels = load_project(DATA)
    subject = {"en": "Azerbaijan briefing, September 2025: " * 12,
               "az": "Azərbaycan üzrə brifinq, sentyabr 2025: " * 12}
    briefing = dataclasses.replace(
        briefing, email=dataclasses.replace(briefing.email, subject=subject))
    composer = Composer(briefing, labels, build_editions(DATA, out_dir=out),
                        sender=parse_address(MAIL_FROM)[0])
    for lang in ("en", "az"):
        person = Recipient("ann@example.org", "Ann", lang)
        data = composer.message_bytes(person, msg_id=message_id("ab" * 32, person.key, "x.org"),
                                      date=dt.datetime(2025, 10, 1, tzinfo=dt.UTC))
        assert max(len(line) for line in _header_lines(data)) <= 78
        compat = email.message_from_bytes(data, policy=policy.compat32)["Subject"]
        assert str(make_header(decode_header(compat.replace("\r\n", "")))) == subject[lang]
