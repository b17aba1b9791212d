"""`generate.py send` in real subprocesses against a real SMTP server in this process:
exit codes, the bad-file guard, --status, and SIGKILL at any moment followed by a rerun."""

import asyncio
import os
import signal
import subprocess
import sys
import threading

import pytest
from conftest import DATA, ROOT, SECOND, copy_tables, run_cli
from mailhelpers import copy_editions, ledger_rows, people, write_recipients
from smtpserver import Handler, smtp_server

from report.mail.ledger import LEDGER_NAME


@pytest.fixture
def out(editions, tmp_path):
    return copy_editions(editions, tmp_path)


def _states(out):
    return {key: row.state for key, row in ledger_rows(out).items()}


def test_a_bad_recipients_file_sends_nothing(out, tmp_path):
    recipients = write_recipients(tmp_path, ["ann@example.org,Ann,en", "bob@,Bob,en",
                                             "cy@example.org,,fr"])
    with smtp_server() as server:
        result = run_cli("send", "--recipients", recipients, "--out", out, env=server.env())
        assert server.handler.rcpts == []
    assert result.returncode == 2, result.stderr
    assert f"{recipients}:3: email: 'bob@' is not a valid address" in result.stderr
    assert f"{recipients}:4: lang: 'fr' is not an edition (editions: en, az)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (out / LEDGER_NAME).exists()


def _without_email(tmp_path):
    text = SECOND.read_text(encoding="utf-8")
    assert "\nemail:\n" in text
    data = tmp_path / "no-email.yaml"
    data.write_text(text[: text.index("\nemail:\n")] + "\n", encoding="utf-8")
    copy_tables(tmp_path)
    return data


def test_a_data_file_without_email_sends_nothing(tmp_path):
    data = _without_email(tmp_path)
    recipients = write_recipients(tmp_path, ["ann@example.org,Ann,en"])
    with smtp_server() as server:
        result = run_cli("send", "--data", data, "--recipients", recipients,
                         "--out", tmp_path / "out", env=server.env())
        assert server.handler.rcpts == []
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"{data}:1: email: no 'email:' block; send needs one (the subject and body of the "
        "message, in every edition): add it, see docs/reference.md")
    assert not (tmp_path / "out").exists()  # nothing built, nothing recorded


def test_check_warns_what_send_would_need(tmp_path):
    data = _without_email(tmp_path)
    result = run_cli("check", "--data", data)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"warning: {data}:1: email: no 'email:' block; send needs one "
                             "(the subject and body of the message, in every edition): add "
                             "it, see docs/reference.md\n")
    assert run_cli("check", "--data", SECOND).stderr == ""


def test_missing_settings_exit_2_without_printing_secrets(out, tmp_path):
    env = {"SMTP_HOST": "", "MAIL_FROM": "", "SMTP_USERNAME": "u",
           "SMTP_PASSWORD": "hunter2", "SMTP_SECURITY": "none"}
    result = run_cli("send", "--recipients", write_recipients(tmp_path, people(1)), "--out",
                     out, env=env)
    assert result.returncode == 2
    assert "environment: SMTP_HOST is not set" in result.stderr
    assert "environment: MAIL_FROM is not set" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_exit_1_names_who_is_missing_and_status_shows_it(out, tmp_path):
    async def reject(address):
        return "550 5.1.1 User unknown" if address == "gone@example.org" else None

    recipients = write_recipients(tmp_path, ["donor@example.org,Ann,en", "gone@example.org,,en"])
    with smtp_server(Handler(on_rcpt=reject)) as server:
        result = run_cli("send", "--recipients", recipients, "--out", out, env=server.env())
        message_id = server.handler.received[0].message["Message-ID"]
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "sent donor@example.org (en)",
        "failed gone@example.org (en): 550 5.1.1 User unknown",
        "sent 1 message; 0 recipients already had their edition",
        "1 of 2 recipients have the current edition; missing:",
        "  gone@example.org (en): refused permanently: 550 5.1.1 User unknown; not retried "
        "(fix the address, then run send with --retry-failed, or remove it from the list)"]
    status = run_cli("send", "--status", "--out", out)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0].startswith(f"{out / 'briefing-en.pdf'} (en, sha256 ")
    assert lines[0].endswith("): 1 of 2 sent")
    assert lines[1].startswith("  sent ")
    assert lines[1].endswith(f"donor@example.org  {message_id}")
    assert lines[2].startswith("  failed-permanent ")
    assert "550 5.1.1 User unknown" in lines[2]
    assert lines[3].startswith(f"{out / 'briefing-az.pdf'} (az, sha256 ")


def test_an_empty_ledger_is_refused_not_taken_for_a_first_run(out, tmp_path):
    (out / LEDGER_NAME).write_bytes(b"")
    with smtp_server() as server:
        result = run_cli("send", "--recipients", write_recipients(tmp_path, people(2)),
                         "--out", out, env=server.env())
        assert server.handler.rcpts == []
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: {out / LEDGER_NAME}: the file is empty (0 bytes); "
                                    "nothing was sent.")
    assert "Traceback" not in result.stderr
    assert (out / LEDGER_NAME).read_bytes() == b""


def test_a_foreign_ledger_is_refused_before_anything_is_built(tmp_path):
    out = tmp_path / "fresh"
    out.mkdir()
    (out / LEDGER_NAME).write_bytes(b"SQLite format 3\x00" + b"\x00" * 4080)
    result = run_cli("send", "--recipients", write_recipients(tmp_path, people(1)), "--out",
                     out, env={"SMTP_HOST": "127.0.0.1", "SMTP_SECURITY": "none",
                               "MAIL_FROM": "briefings@example.org"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: {out / LEDGER_NAME}: ")
    assert sorted(p.name for p in out.iterdir()) == [LEDGER_NAME]


def test_a_name_the_message_builder_would_refuse_is_refused_with_its_row(out, tmp_path):
    recipients = write_recipients(tmp_path, ["ann@example.org,Ann,en",
                                             "bob@example.org,=?utf-8?q?Bob=0D=0A?=,en",
                                             f"cy@example.org,{'C' * 200},az"])
    with smtp_server() as server:
        result = run_cli("send", "--recipients", recipients, "--out", out, env=server.env())
        assert server.handler.rcpts == []
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines()[:2] == [
        f"{recipients}:3: name: looks like an encoded word ('=?'); write the name as plain text",
        f"{recipients}:4: name: 200 characters; shorten it to at most 128"]


def test_a_subject_with_a_line_break_is_refused_at_load_time(out, tmp_path):
    data = tmp_path / "data.yaml"
    text = DATA.read_text(encoding="utf-8")
    line = text.splitlines().index('    en: "Azerbaijan briefing, September 2025"') + 1
    data.write_text(text.replace('"Azerbaijan briefing, September 2025"',
                                 '"Azerbaijan briefing\\nBcc: all@example.org"'),
                    encoding="utf-8")
    copy_tables(tmp_path)
    expected = (f"{data}:{line}: email.subject.en: the 'en' text must be one line, without "
                "line breaks or control characters")
    check = run_cli("check", "--data", data)
    with smtp_server() as server:
        send = run_cli("send", "--data", data, "--recipients",
                       write_recipients(tmp_path, people(1)), "--out", out, env=server.env())
        assert server.handler.rcpts == []
    for result in (check, send):
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.splitlines()[0] == expected
        assert "Traceback" not in result.stderr


def _start_send(recipients, out, env):
    return subprocess.Popen(
        [sys.executable, str(ROOT / "generate.py"), "send", "--recipients", str(recipients),
         "--out", str(out)],
        cwd=ROOT, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("moment", ["kill-during-data", "send-before-smtp:5",
                                    "send-after-smtp:5"])
def test_sigkill_at_any_moment_then_rerun(out, tmp_path, moment):
    """Killed mid-run (an external SIGKILL while the server holds the 5th message, or the
    process's own SIGKILL just before or after an SMTP transaction), then run again: every
    recipient has the edition, and nobody has two copies with different Message-IDs."""
    reached, release = threading.Event(), threading.Event()

    async def hold_fifth(handler, server, envelope):
        if moment == "kill-during-data" and handler.data_calls == 5:
            handler.record(server, envelope)  # the server has it; the client never hears so
            reached.set()
            while not release.is_set():
                await asyncio.sleep(0.02)
        return None

    rows = people(12)
    recipients = write_recipients(tmp_path, rows)
    with smtp_server(Handler(on_data=hold_fifth)) as server:
        crash = {} if moment == "kill-during-data" else {"REPORT_CRASH_AT": moment}
        child = _start_send(recipients, out, {**server.env(), **crash})
        try:
            if moment == "kill-during-data":
                assert reached.wait(timeout=120), "the send never reached the 5th message"
                os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=120)
        finally:
            release.set()
            if child.poll() is None:
                child.kill()
            child.communicate()
        assert child.returncode == -signal.SIGKILL
        states = _states(out)
        assert list(states.values()).count("sending") == 1
        assert list(states.values()).count("sent") == 4
        rerun = run_cli("send", "--recipients", recipients, "--out", out, env=server.env())
        ids = server.handler.by_recipient()
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert sorted(ids) == sorted(p.split(",")[0] for p in rows)
    assert all(len(set(found)) == 1 for found in ids.values())
    repeated = sum(len(found) for found in ids.values()) - len(rows)
    assert repeated == (0 if moment.startswith("send-before") else 1)
    assert set(_states(out).values()) == {"sent"}
