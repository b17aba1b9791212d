"""Sending against a real SMTP server (aiosmtpd on 127.0.0.1): messages, ledger, retries, TLS.

The editions are built once per session; each test sends from its own copy of them.
Backoff sleeps are recorded instead of slept (`sleep=` is injected).
"""

import asyncio
import email.utils
import io
import shutil
import socket
import ssl

import pytest
from conftest import DATA, SECOND, copy_tables
from mailhelpers import copy_editions, ledger_rows, people, write_recipients
from smtpserver import (
    DROP,
    MAIL_FROM,
    Authenticator,
    Handler,
    free_port,
    make_certificate,
    smtp_server,
)

from report.errors import DataError, DeliveryError
from report.mail.deliver import RetryPolicy, _Pacer, send_briefing
from report.mail.ledger import LEDGER_NAME, send_lock
from report.mail.message import message_id
from report.mail.progress import Progress
from report.output.build import build_editions
from report.store import BusyError, sha256_file

POLICY = RetryPolicy(attempts=3, backoff=1, max_backoff=4)
SUBJECT = {"en": "Azerbaijan briefing, September 2025",
           "az": "Azərbaycan üzrə brifinq, sentyabr 2025"}


@pytest.fixture
def out(editions, tmp_path):
    return copy_editions(editions, tmp_path)


def _send(out, recipients, server_env, sleeps=None, data=DATA, **options):
    sleeps = [] if sleeps is None else sleeps
    return send_briefing(data, recipients, out_dir=out, environ=server_env,
                         build=build_editions, sleep=sleeps.append, policy=POLICY, **options)


def test_each_recipient_gets_one_message_of_their_edition(out, tmp_path):
    recipients = write_recipients(tmp_path, ["donor@example.org,Ann Donor,en",
                                 "partner@example.org,,az",
                                 "official@example.gov.az,Rəşad Əliyev,az",
                                 "Donor@Example.ORG,Ann again,az"])
    warnings = []
    with smtp_server() as server:
        report = _send(out, recipients, server.env(), warn=warnings.append)
        received = list(server.handler.received)
        again = _send(out, recipients, server.env())
        assert len(server.handler.received) == 3  # the second run sent nothing
    assert report.complete
    assert len(report.sent_now) == 3
    assert again.complete
    assert again.sent_now == set()
    assert again.summary_lines()[-1] == "every recipient has the current edition (3 of 3)"
    assert warnings == [f"{recipients}:5: Donor@Example.ORG is already on line 2 (with lang "
                        "'en', not 'az'); sending it once, in 'en'"]
    by_address = {item.rcpt_tos[0]: item for item in received}
    assert sorted(by_address) == ["donor@example.org", "official@example.gov.az",
                                  "partner@example.org"]
    for address, lang, name in [("donor@example.org", "en", "Ann Donor"),
                                ("partner@example.org", "az", ""),
                                ("official@example.gov.az", "az", "Rəşad Əliyev")]:
        _check_message(by_address[address], out, address, lang, name)


def _check_message(item, out, address, lang, name):
    msg = item.message
    pdf = out / f"briefing-{lang}.pdf"
    assert item.rcpt_tos == [address]
    assert email.utils.getaddresses([msg["To"]]) == [(name, address)]
    assert msg["Cc"] is None
    assert msg["Bcc"] is None
    assert msg["From"] == MAIL_FROM
    assert msg["Subject"] == SUBJECT[lang]
    assert email.utils.parsedate_to_datetime(msg["Date"]).tzinfo is not None
    assert msg["Message-ID"] == message_id(sha256_file(pdf), address, "example.org")
    assert msg["Content-Language"] == lang
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain",
                                                                       "text/html"]
    text = alternative.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = alternative.get_body(("html",)).get_content()
    figures = {"en": ("657,749", "Reference date: September 2025"),
               "az": ("657.749", "İstinad tarixi: sentyabr 2025")}[lang]
    for part in (text, html):
        assert figures[0] in part
        assert figures[1] in part
        assert f"briefing-{lang}-2025-09.pdf" in part
    greeting = {"en": "Dear", "az": "Hörmətli"}[lang]
    assert text.startswith(f"{greeting} {name},\n\n") if name else not text.startswith(greeting)
    assert f'<html lang="{lang}">' in html
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == f"briefing-{lang}-2025-09.pdf"
    assert attachment.get_content() == pdf.read_bytes()


def test_ledger_records_each_delivery(out, tmp_path):
    with smtp_server() as server:
        _send(out, write_recipients(tmp_path, people(4)), server.env())
    rows = ledger_rows(out)
    assert sorted(rows) == [f"person{i:02d}@example.org" for i in range(4)]
    for row in rows.values():
        assert (row.state, row.attempts, row.smtp_code) == ("sent", 1, 250)
        assert "queued as" in row.smtp_reply
        assert row.sent_at
        assert row.message_date


def test_a_new_edition_goes_to_everyone(built_second, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built_second[0], out)
    data = tmp_path / "second.yaml"
    data.write_text(SECOND.read_text(encoding="utf-8"), encoding="utf-8")
    copy_tables(tmp_path)
    recipients = write_recipients(tmp_path, ["a@example.org", "b@example.org"])
    with smtp_server() as server:
        assert _send(out, recipients, server.env(), data=data).complete
        old = sha256_file(out / "unhcr-2024-en.pdf")
        text = data.read_text(encoding="utf-8").replace("2024 at a glance", "2024 in review")
        data.write_text(text, encoding="utf-8")
        report = _send(out, recipients, server.env(), data=data)
        ids = server.handler.by_recipient()
    assert sha256_file(out / "unhcr-2024-en.pdf") != old
    assert report.complete
    assert len(report.sent_now) == 2
    assert {address: len(set(found)) for address, found in ids.items()} == {
        "a@example.org": 2, "b@example.org": 2}


def test_451_then_250_is_retried_after_a_backoff(out, tmp_path):
    seen = set()

    async def greylist(handler, server, envelope):
        if envelope.rcpt_tos[0] not in seen:
            seen.add(envelope.rcpt_tos[0])
            return "451 4.7.1 Greylisted, try again later"
        return None

    sleeps = []
    with smtp_server(Handler(on_data=greylist)) as server:
        report = _send(out, write_recipients(tmp_path, people(3)), server.env(), sleeps)
        ids = server.handler.by_recipient()
    assert report.complete
    assert sleeps == [1]  # one retry round, after POLICY.delay(1)
    assert all(len(found) == 1 for found in ids.values())
    assert len(ids) == 3
    assert {row.attempts for row in ledger_rows(out).values()} == {2}


def test_550_is_permanent_recorded_and_never_retried(out, tmp_path):
    async def reject(address):
        if address == "gone@example.org":
            return "550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown"
        return None

    recipients = write_recipients(tmp_path, ["donor@example.org", "gone@example.org"])
    sleeps = []
    with smtp_server(Handler(on_rcpt=reject)) as server:
        report = _send(out, recipients, server.env(), sleeps)
        again = _send(out, recipients, server.env(), sleeps)
        asked = server.handler.rcpts.count("gone@example.org")
        retried = _send(out, recipients, server.env(), sleeps, retry_failed=True)
        asked_after_retry = server.handler.rcpts.count("gone@example.org")
        received = len(server.handler.received)
    assert sleeps == []
    assert asked == 1
    assert asked_after_retry == 2
    assert received == 1
    for result in (report, again, retried):
        assert not result.complete
        assert result.summary_lines()[-1] == (
            "  gone@example.org (en): refused permanently: 550 5.1.1 <gone@example.org>: "
            "Recipient address rejected: User unknown; not retried (fix the address, then "
            "run send with --retry-failed, or remove it from the list)")
    row = ledger_rows(out, ("en",))["gone@example.org"]
    assert (row.state, row.smtp_code, row.attempts) == ("failed-permanent", 550, 2)


def test_552_is_transient_retried_within_bounds_and_on_the_next_run(out, tmp_path):
    async def full(handler, server, envelope):
        return "552 5.2.2 Mailbox full" if envelope.rcpt_tos == ["full@example.org"] else None

    recipients = write_recipients(tmp_path, ["donor@example.org", "full@example.org"])
    sleeps = []
    with smtp_server(Handler(on_data=full)) as server:
        report = _send(out, recipients, server.env(), sleeps)
        first_run_tries = server.handler.rcpts.count("full@example.org")
        _send(out, recipients, server.env(), sleeps)
        second_run_tries = server.handler.rcpts.count("full@example.org") - first_run_tries
        ids = server.handler.by_recipient()
    assert (first_run_tries, second_run_tries) == (3, 3)
    assert sleeps == [1, 2, 1, 2]
    assert ids == {"donor@example.org": [ids["donor@example.org"][0]]}
    assert report.missing[0][0].email == "full@example.org"
    assert "failed for now (3 attempts): 552 5.2.2 Mailbox full" in report.summary_lines()[-1]
    row = ledger_rows(out, ("en",))["full@example.org"]
    assert (row.state, row.smtp_code, row.attempts) == ("failed-transient", 552, 6)


def test_a_dropped_connection_is_retried(out, tmp_path):
    async def drop_second(handler, server, envelope):
        return DROP if handler.data_calls == 2 else None

    with smtp_server(Handler(on_data=drop_second)) as server:
        report = _send(out, write_recipients(tmp_path, people(4)), server.env())
        ids = server.handler.by_recipient()
    assert report.complete
    assert sorted(len(found) for found in ids.values()) == [1, 1, 1, 1]
    attempts = {key: row.attempts for key, row in ledger_rows(out).items()}
    assert sorted(attempts.values()) == [1, 1, 1, 2]


def test_a_timeout_is_resent_with_the_same_message_id(out, tmp_path):
    async def slow_first(handler, server, envelope):
        if handler.data_calls == 1:
            handler.record(server, envelope)  # delivered, but the reply comes late
            await asyncio.sleep(1.5)
            return "250 2.0.0 late"
        return None

    stream = io.StringIO()
    with smtp_server(Handler(on_data=slow_first)) as server:
        report = _send(out, write_recipients(tmp_path, ["donor@example.org"]),
                       server.env(SMTP_TIMEOUT="0.5"), progress_stream=stream)
        ids = server.handler.by_recipient()
    assert report.complete
    assert len(ids["donor@example.org"]) == 2
    assert len(set(ids["donor@example.org"])) == 1
    assert stream.getvalue().splitlines()[0] == (
        "will retry donor@example.org (en): no answer within 0.5 s (SMTP_TIMEOUT)")


def _unreachable_env(port):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_SECURITY": "none",
            "MAIL_FROM": MAIL_FROM}


def test_unreachable_server_is_reported_at_once_then_retried(out, tmp_path):
    stream, seen_at_sleep = io.StringIO(), []
    port = free_port()
    report = send_briefing(DATA, write_recipients(tmp_path, people(2)), out_dir=out,
                           environ=_unreachable_env(port), build=build_editions, policy=POLICY,
                           sleep=lambda s: seen_at_sleep.append((s, stream.getvalue())),
                           progress_stream=stream)
    failure = f"cannot connect to 127.0.0.1:{port}: [Errno 111] Connection refused"
    assert seen_at_sleep == [
        (1, f"{failure}; 2 messages not sent; trying again in 1 s (round 2 of 3)\n"),
        (2, f"{failure}; 2 messages not sent; trying again in 1 s (round 2 of 3)\n"
            f"{failure}; 2 messages not sent; trying again in 2 s (round 3 of 3)\n")]
    assert stream.getvalue().endswith(f"{failure}; 2 messages not sent; not trying again in "
                                      "this run\n")
    assert len(report.missing) == 2
    assert f"failed for now (0 attempts): {failure}; run send again later" in \
        report.summary_lines()[-1]


def test_a_server_that_never_answers_is_a_timeout(out, tmp_path):
    """It accepts the connection (the kernel does, for a listening socket) and says nothing."""
    stream = io.StringIO()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env = {**_unreachable_env(silent.getsockname()[1]), "SMTP_TIMEOUT": "0.5"}
        report = _send(out, write_recipients(tmp_path, people(1)), env, progress_stream=stream)
    assert stream.getvalue().splitlines()[0] == (
        f"cannot connect to {env['SMTP_HOST']}:{env['SMTP_PORT']}: no answer within 0.5 s "
        "(SMTP_TIMEOUT); 1 message not sent; trying again in 1 s (round 2 of 3)")
    assert "closed the connection" not in "\n".join(report.summary_lines())


def test_one_message_that_cannot_be_built_does_not_stop_the_others(out, tmp_path, monkeypatch):
    """Whatever the check lets through that the builder then refuses: recorded for that
    recipient, with the reason, and everyone else is sent their edition."""
    from report.mail import message

    real = message.plain_text

    def plain_text(letter, name):
        if name == "Person 2":
            raise ValueError("invalid arguments; address parts cannot contain CR or LF")
        return real(letter, name)

    monkeypatch.setattr(message, "plain_text", plain_text)
    stream = io.StringIO()
    with smtp_server() as server:
        report = _send(out, write_recipients(tmp_path, people(5)), server.env(),
                       progress_stream=stream)
        received = sorted(server.handler.by_recipient())
    assert received == [f"person{i:02d}@example.org" for i in (0, 1, 3, 4)]
    assert "failed person02@example.org (az): cannot build the message: invalid arguments; " \
           "address parts cannot contain CR or LF" in stream.getvalue()
    assert report.summary_lines()[-1] == (
        "  person02@example.org (az): not sent: cannot build the message: invalid arguments; "
        "address parts cannot contain CR or LF; not retried (fix it, then run send with "
        "--retry-failed)")


def test_a_message_over_the_size_limit_is_refused_before_sending(out, tmp_path):
    with smtp_server() as server:
        with pytest.raises(DeliveryError, match=r"briefing-(en|az)\.pdf: the message is 0\.\d "
                                                r"MB after encoding, over the 0\.1 MB limit"):
            _send(out, write_recipients(tmp_path, people(2)), server.env(MAIL_MAX_BYTES="100000"))
        assert server.handler.rcpts == []
    assert not (out / LEDGER_NAME).exists()


def test_dry_run_writes_eml_files_and_records_nothing(out, tmp_path):
    folder = tmp_path / "eml"
    report = _send(out, write_recipients(tmp_path, people(3)), {"MAIL_FROM": MAIL_FROM},
                   dry_run=folder)
    files = sorted(folder.iterdir())
    assert [p.name for p in files] == ["0001-person00@example.org.eml",
                                       "0002-person01@example.org.eml",
                                       "0003-person02@example.org.eml"]
    assert report.summary_lines() == [f"dry run: wrote 3 messages to {folder}; nothing was "
                                      "sent or recorded"]
    parsed = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "Person 1 <person01@example.org>"
    assert not (out / LEDGER_NAME).exists()


def test_missing_settings_are_listed_before_anything_is_sent(out, tmp_path):
    recipients = write_recipients(tmp_path, ["bob@,Bob,en"])
    with pytest.raises(DataError) as caught:
        _send(out, recipients, {})
    assert caught.value.problems[0] == f"{recipients}:2: email: 'bob@' is not a valid address"
    assert any("SMTP_HOST is not set" in p for p in caught.value.problems)
    assert any("MAIL_FROM is not set" in p for p in caught.value.problems)


def test_one_send_at_a_time(out, tmp_path):
    with smtp_server() as server, send_lock(out):
        with pytest.raises(BusyError, match="another send .* is working on"):
            _send(out, write_recipients(tmp_path, people(1)), server.env())
        assert server.handler.rcpts == []


def test_rate_limit_spaces_messages():
    now, sleeps = [100.0], []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    pacer = _Pacer(30, sleep, monotonic=lambda: now[0])  # 30 a minute: one every 2 s
    pacer.wait()
    now[0] += 0.5
    pacer.wait()
    now[0] += 5
    pacer.wait()
    assert sleeps == [1.5]


# --- TLS and login ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    return make_certificate(tmp_path_factory.mktemp("tls"))


def _server_tls(certificate):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def test_starttls_with_auth(out, tmp_path, certificate):
    auth = Authenticator("briefings", "s3cret pass")
    with smtp_server(security="starttls", tls_context=_server_tls(certificate),
                     require_starttls=True, auth_required=True, authenticator=auth) as server:
        env = server.env(SMTP_USERNAME="briefings", SMTP_PASSWORD="s3cret pass",
                         SMTP_CA_FILE=str(certificate[0]))
        report = _send(out, write_recipients(tmp_path, people(2)), env)
        received = list(server.handler.received)
    assert report.complete
    assert len(received) == 2
    assert all(item.tls and item.authenticated for item in received)
    assert {login for _mechanism, login in auth.attempts} == {"briefings"}


class _EchoingAuthenticator(Authenticator):
    """Refuses every login with a reply that quotes the password, as a careless server
    might."""

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        password = auth_data.password.decode()
        return AuthResult(success=False, handled=False,
                          message=f"535 5.7.8 bad credentials: {password!r}")


def test_a_refused_login_never_prints_the_password(out, tmp_path, certificate):
    auth = _EchoingAuthenticator("briefings", "right")
    with smtp_server(security="starttls", tls_context=_server_tls(certificate),
                     require_starttls=True, auth_required=True, authenticator=auth) as server:
        env = server.env(SMTP_USERNAME="briefings", SMTP_PASSWORD="wr0ng-pa55",
                         SMTP_CA_FILE=str(certificate[0]))
        with pytest.raises(DeliveryError) as caught:
            _send(out, write_recipients(tmp_path, people(1)), env)
    assert "the server refused the login of SMTP_USERNAME=briefings (535 5.7.8 bad " \
           "credentials: '***')" in str(caught.value)
    assert "wr0ng" not in str(caught.value)


def test_implicit_tls(out, tmp_path, certificate):
    with smtp_server(security="ssl", ssl_context=_server_tls(certificate)) as server:
        env = server.env(SMTP_CA_FILE=str(certificate[0]))
        assert _send(out, write_recipients(tmp_path, people(1)), env).complete
        assert server.handler.received[0].tls


def test_refuses_to_send_credentials_over_plain_text(out, tmp_path):
    auth = Authenticator("briefings", "s3cret pass")
    # a server that offers AUTH without TLS: the client must not take it up
    with smtp_server(security="starttls", auth_require_tls=False, authenticator=auth) as server:
        env = server.env(SMTP_USERNAME="briefings", SMTP_PASSWORD="s3cret pass")
        with pytest.raises(DeliveryError, match="does not offer STARTTLS; refusing to send "
                                                "the password or the mail in plain text"):
            _send(out, write_recipients(tmp_path, people(1)), env)
        assert auth.attempts == []
        assert server.handler.rcpts == []


def test_untrusted_certificate_is_refused(out, tmp_path, certificate):
    with smtp_server(security="starttls", tls_context=_server_tls(certificate),
                     require_starttls=True) as server:
        with pytest.raises(DeliveryError, match="certificate is not trusted .*SMTP_CA_FILE"):
            _send(out, write_recipients(tmp_path, people(1)), server.env())
        assert server.handler.rcpts == []


def test_a_resend_is_the_same_message(out):
    import datetime as dt

    from report.document.project import load_project
    from report.mail.message import Composer, to_bytes
    from report.mail.recipients import Recipient
    from report.mail.smtpconfig import parse_address

    briefing, labels = load_project(DATA)
    composer = Composer(briefing, labels, build_editions(DATA, out_dir=out),
                        sender=parse_address(MAIL_FROM)[0])
    person = Recipient("donor@example.org", "Ann Donor", "az")
    date = dt.datetime(2025, 10, 1, 8, 30, tzinfo=dt.UTC)
    msg_id = message_id("ab" * 32, person.key, "example.org")
    first, second = (to_bytes(composer.compose(person, msg_id=msg_id, date=date))
                     for _ in range(2))
    assert first == second
    assert b"\r\nDate: Wed, 01 Oct 2025 08:30:00 +0000\r\n" in first


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(("stream", "expected"), [
    (_Terminal(), "\r[###############---------------] 1/2 done\x1b[K"
                  "\r[###############---------------] 1/2 done, 1 to retry\x1b[K"
                  "\r[##############################] 2/2 done\x1b[K\n"),
    (io.StringIO(), "sent a@example.org (en)\n"
                    "will retry b@example.org (az): 451 later\n"
                    "sent b@example.org (az)\n"),
])
def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise(stream, expected):
    progress = Progress(2, stream=stream)
    progress.update("a@example.org (en)", "sent")
    progress.update("b@example.org (az)", "failed-transient", "451 later")
    progress.update("b@example.org (az)", "sent")
    progress.finish()
    assert stream.getvalue() == expected
