"""Opting out across runs, through the real CLI (subprocesses) and a real SMTP server:
`send --unsubscribe`, `--resubscribe`, `--import-unsubscribes`, honoured by every later run
and shown in `send --status`."""

import re

import pytest
from conftest import run_cli
from mailhelpers import copy_editions, write_recipients
from smtpserver import smtp_server

from report.mail.ledger import LEDGER_NAME

ROWS = ["ann@example.org,Ann,en", "bo@example.org,Bo,az", "cy@example.org,,en"]


@pytest.fixture
def out(editions, tmp_path):
    return copy_editions(editions, tmp_path)


def _send(server, recipients, out):
    return run_cli("send", "--recipients", recipients, "--out", out, env=server.env())


def _token(received, address):
    item = next(i for i in received if i.rcpt_tos == [address])
    found = re.search(r"subject=unsubscribe%20([0-9a-f]{20})", item.message["List-Unsubscribe"])
    return found.group(1)


def test_the_suppression_list_is_honoured_by_every_later_run(out, tmp_path):
    recipients = write_recipients(tmp_path, ROWS)
    first = run_cli("send", "--out", out, "--unsubscribe", "Bo@Example.org")
    assert first.returncode == 0, first.stderr
    assert "Bo@Example.org: opted out" in first.stdout
    with smtp_server() as server:
        run = _send(server, recipients, out)
        assert run.returncode == 0, run.stdout + run.stderr  # opting out is no failure
        assert sorted(server.handler.by_recipient()) == ["ann@example.org", "cy@example.org"]
        assert "  bo@example.org (az): not sent: opted out" in run.stdout
        assert "every recipient has the current edition (2 of 2)" in run.stdout

        status = run_cli("send", "--status", "--out", out, "--recipients", recipients)
        assert status.returncode == 0, status.stderr
        assert re.search(r"briefing-az\.pdf \(az, sha256 \w+\): 0 of 0 sent, 1 opted out",
                         status.stdout), status.stdout
        assert re.search(r"  opted out +\S+Z +Bo@Example.org +\(command\)", status.stdout)

        # cy replies to the mailto: link; the mailbox gathers the Subject into a file
        token = _token(server.handler.received, "cy@example.org")
        gathered = tmp_path / "unsubscribes.txt"
        gathered.write_text(f"# from the mailbox\nunsubscribe {token}\n\n", encoding="utf-8")
        imported = run_cli("send", "--out", out, "--import-unsubscribes", gathered)
        assert imported.returncode == 0, imported.stderr
        assert "1 address added to the suppression list, 0 already on it" in imported.stdout
        assert "  cy@example.org" in imported.stdout

        back = run_cli("send", "--out", out, "--resubscribe", "bo@example.org")
        assert "bo@example.org: back on the list" in back.stdout
        again = _send(server, write_recipients(tmp_path, [*ROWS, "dee@example.org,,az"]), out)
        assert again.returncode == 0, again.stdout + again.stderr
        assert sorted(server.handler.by_recipient()) == [
            "ann@example.org", "bo@example.org", "cy@example.org", "dee@example.org"]
        assert len(server.handler.received) == 4  # ann and cy had theirs already
        assert "opted out" not in again.stdout  # cy had the edition before opting out
        status = run_cli("send", "--status", "--out", out)
    assert re.search(r"suppression list: 1 address opted out, never sent to\n"
                     rf"  opted out +\S+Z +cy@example.org +\({re.escape(str(gathered))}\)",
                     status.stdout), status.stdout


def test_an_import_with_unknown_lines_adds_nothing(out, tmp_path):
    (out / LEDGER_NAME).unlink(missing_ok=True)
    gathered = tmp_path / "unsubscribes.txt"
    gathered.write_text("dee@example.org\nplease stop\nunsubscribe 0123456789abcdef0123\n"
                        "bob@\n", encoding="utf-8")
    result = run_cli("send", "--out", out, "--import-unsubscribes", gathered)
    assert result.returncode == 2
    assert f"{gathered}:2: neither an address nor an opt-out token: 'please stop'" in \
        result.stderr
    assert f"{gathered}:4: 'bob@' is not a valid address" in result.stderr
    assert "Traceback" not in result.stderr
    gathered.write_text("dee@example.org\nunsubscribe 0123456789abcdef0123\n", encoding="utf-8")
    result = run_cli("send", "--out", out, "--import-unsubscribes", gathered)
    assert result.returncode == 2
    assert (f"{gathered}:2: the token 0123456789abcdef0123 is not one this ledger gave out"
            in result.stderr)
    status = run_cli("send", "--status", "--out", out)
    assert "suppression list: empty" in status.stdout


def test_bad_use_of_the_suppression_options(out):
    result = run_cli("send", "--out", out, "--unsubscribe", "not-an-address")
    assert result.returncode == 2
    assert "--unsubscribe: 'not-an-address' is not a valid address" in result.stderr
    result = run_cli("send", "--out", out, "--unsubscribe", "a@example.org", "--resubscribe",
                     "b@example.org")
    assert result.returncode == 2
    assert "use one of --unsubscribe, --resubscribe and --import-unsubscribes" in result.stderr
