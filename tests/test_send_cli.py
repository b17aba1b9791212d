"""`generate.py send` in real subprocesses against a real SMTP server in this process:
exit codes, the bad-file guard, --status, and SIGKILL at any moment followed by a rerun."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading

import pytest
from conftest import ROOT, SECOND, run_cli
from smtpserver import Handler, smtp_server

from report.mail.ledger import LEDGER_NAME, open_ledger
from report.store import sha256_file


@pytest.fixture
def out(editions, tmp_path):
    copy = tmp_path / "out"
    shutil.copytree(editions, copy)
    return copy


def _csv(tmp_path, rows):
    path = tmp_path / "recipients.csv"
    path.write_text("\n".join(["email,name,lang", *rows]) + "\n", encoding="utf-8")
    return path


def _people(n):
    return [f"person{i:02d}@example.org,Person {i},{'en' if i % 2 else 'az'}" for i in range(n)]


def _states(out):
    with open_ledger(out) as ledger:
        rows = {}
        for lang in ("en", "az"):
            rows |= ledger.for_edition(sha256_file(out / f"briefing-{lang}.pdf"))
    return {key: row.state for key, row in rows.items()}


def test_a_bad_recipients_file_sends_nothing(out, tmp_path):
    recipients = _csv(tmp_path, ["ann@example.org,Ann,en", "bob@,Bob,en", "cy@example.org,,fr"])
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
    return data


def test_a_data_file_without_email_sends_nothing(tmp_path):
    data = _without_email(tmp_path)
    recipients = _csv(tmp_path, ["ann@example.org,Ann,en"])
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
    result = run_cli("send", "--recipients", _csv(tmp_path, _people(1)), "--out", out, env=env)
    assert result.returncode == 2
    assert "environment: SMTP_HOST is not set" in result.stderr
    assert "environment: MAIL_FROM is not set" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_exit_1_names_who_is_missing_and_status_shows_it(out, tmp_path):
    async def reject(address):
        return "550 5.1.1 User unknown" if address == "gone@example.org" else None

    recipients = _csv(tmp_path, ["donor@example.org,Ann,en", "gone@example.org,,en"])
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

    people = _people(12)
    recipients = _csv(tmp_path, people)
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
    assert sorted(ids) == sorted(p.split(",")[0] for p in people)
    assert all(len(set(found)) == 1 for found in ids.values())
    repeated = sum(len(found) for found in ids.values()) - len(people)
    assert repeated == (0 if moment.startswith("send-before") else 1)
    assert set(_states(out).values()) == {"sent"}
