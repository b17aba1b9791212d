"""The check each message passes before the first is sent (precheck.py), on messages built
by the real Composer and then broken one way each."""

import datetime as dt

import pytest
from conftest import DATA
from mailhelpers import copy_editions

from report.document.project import load_project
from report.mail.message import Composer, to_bytes
from report.mail.optout import OptOut
from report.mail.precheck import content_problem, header_problem, size_problem
from report.mail.recipients import Recipient
from report.mail.smtpconfig import parse_address
from report.output.build import build_editions

PERSON = Recipient("ann@example.org", "Ann", "az")
DATE = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def composer(editions, tmp_path_factory):
    out = copy_editions(editions, tmp_path_factory.mktemp("precheck"))
    briefing, labels = load_project(DATA)
    return Composer(briefing, labels, build_editions(DATA, out_dir=out),
                    sender=parse_address("B <b@example.org>")[0], logo_png=None)


def _message(composer):
    return composer.compose(PERSON, msg_id="<x@example.org>", date=DATE)


def _drop_picture(message):
    related = message.get_payload()[0].get_payload()[1]
    related.set_payload(related.get_payload()[:1])  # the HTML alone


def _swap_attachment(message):
    message.get_payload()[1].set_content(b"%PDF-1.7 other", maintype="application",
                                         subtype="pdf", filename="x.pdf")


def test_a_good_message_passes(composer):
    data = to_bytes(_message(composer))
    sha = composer.edition_for(PERSON).sha256
    assert header_problem(data, PERSON, one_click=False) is None
    assert content_problem(data, sha) is None
    assert size_problem(data, len(data)) is None
    assert size_problem(data, len(data) - 1).startswith("the message is 0.")


@pytest.mark.parametrize(("breaks", "problem"), [
    (lambda m: m.__delitem__("List-Unsubscribe"), "the message has no List-Unsubscribe header"),
    (lambda m: m.replace_header("To", "bo@example.org"),
     "the To header reads back as bo@example.org"),
    (lambda m: m.__setitem__("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
     "List-Unsubscribe-Post does not match MAIL_UNSUBSCRIBE_URL"),
])
def test_header_problems(composer, breaks, problem):
    message = _message(composer)
    breaks(message)
    assert header_problem(to_bytes(message), PERSON, one_click=False) == problem


def test_one_click_needs_its_header(composer):
    composer = Composer(composer.briefing, composer.labels, composer.editions.values(),
                        sender=composer.sender, opt_out=OptOut("u@example.org",
                                                               "https://example.org/u"))
    data = to_bytes(_message(composer))
    assert header_problem(data, PERSON, one_click=True) is None
    assert header_problem(data, PERSON, one_click=False) == (
        "List-Unsubscribe-Post does not match MAIL_UNSUBSCRIBE_URL")


@pytest.mark.parametrize(("breaks", "problem"), [
    (_drop_picture, "the HTML shows pictures that are not in the message: ['cover."),
    (_swap_attachment, "the attached PDF (sha256 "),
    (lambda m: m.get_payload().pop(), "the message has 0 PDF attachments, not 1"),
])
def test_content_problems(composer, breaks, problem):
    message = _message(composer)
    breaks(message)
    found = content_problem(to_bytes(message), composer.edition_for(PERSON).sha256)
    assert found is not None
    assert found.startswith(problem)
