"""schedule: the real scheduler in a subprocess with a fast trigger, and its parts."""

import dataclasses
import datetime as dt
import signal
import threading
import time

import pytest
from background import Background, copy_project
from conftest import run_cli
from smtpserver import smtp_server

from report.errors import DataError
from report.mail.deliver import SendReport
from report.mail.ledger import FAILED_TRANSIENT, SENT, Delivery
from report.mail.recipients import Recipient
from report.service.schedule import (
    LAST_RUN_FILE,
    ScheduledBuild,
    Scheduler,
    cron_weekdays,
    interval_trigger,
    latest_due,
    missed_run,
    parse_cron,
    run_reason,
)
from report.store import LOCK_NAME

UTC = dt.UTC
SATURDAY = dt.datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path)


def test_schedule_builds_skips_survives_a_failure_and_stops_on_sigterm(project):
    data, pdf = project / "data.yaml", project / "out" / "unhcr-2024-en.pdf"
    run = Background(project, "schedule", "--every", "2", "--data", "data.yaml",
                     "--out", "out")
    try:
        seen = run.wait_for("scheduler started: every 2 s, data.yaml -> out")
        built = run.wait_for("] built in", after=seen)
        assert run.lines[built].endswith(": out/unhcr-2024-en.pdf; first edition: no earlier "
                                         "figures to compare with"), run.output()
        first = pdf.read_bytes()
        seen = run.wait_for("] unchanged in", after=built)
        assert not any("] built in" in line for line in run.lines[built + 1:seen])

        good = data.read_text(encoding="utf-8")
        data.write_text(good.replace("value: 2084", "value: many"), encoding="utf-8")
        seen = run.wait_for("] failed in", after=seen)
        assert run.lines[seen].endswith("data.yaml:44: figures.idps-legal-aid.value: expected "
                                        "a number, got 'many'"), run.output()
        assert pdf.read_bytes() == first, "a failed run must leave the last good PDF in place"

        data.write_text(good.replace("at a glance", "at a glance, revised", 1),
                        encoding="utf-8")
        seen = run.wait_for("] built in", after=seen)
        assert pdf.read_bytes() != first
        assert run.process.poll() is None

        assert run.stop(signal.SIGTERM) == 0
    finally:
        run.kill()
    assert run.lines[-1].endswith("scheduler stopped (SIGTERM)"), run.output()
    assert "Traceback" not in run.output()
    assert (project / "out" / LAST_RUN_FILE).is_file()


def test_startup_catch_up_and_sigterm_during_a_run_finishes_the_run(project):
    out = project / "out"
    out.mkdir()
    last = dt.datetime.now(UTC) - dt.timedelta(days=3)
    (out / LAST_RUN_FILE).write_text(last.isoformat() + "\n")
    run = Background(project, "schedule", "--cron", "0 6 * * *", "--data", "data.yaml",
                     "--out", "out")
    try:
        seen = run.wait_for("scheduler started: cron '0 6 * * *'")
        assert run.lines[seen].endswith("(startup catch-up)"), run.output()
        _wait_for_file(out / LOCK_NAME, run)  # the catch-up build has started
        assert run.stop(signal.SIGTERM) == 0
    finally:
        run.kill()
    stopping = run.wait_for("SIGTERM: stopping after the current run", after=seen)
    done = run.wait_for("[startup catch-up: due ", after=stopping)
    assert "] built in" in run.lines[done], run.output()
    assert run.lines[-1].endswith("scheduler stopped (SIGTERM)"), run.output()
    assert (out / "unhcr-2024-en.pdf").read_bytes().startswith(b"%PDF-")


def test_send_mails_a_new_edition_only(project):
    (project / "recipients.csv").write_text(
        "email,name,lang\nann@example.org,Ann,en\nbob@example.org,Bob,en\n", encoding="utf-8")
    data = project / "data.yaml"
    with smtp_server() as server:
        run = Background(project, "schedule", "--every", "2", "--data", "data.yaml",
                         "--out", "out", "--send", "recipients.csv", env=server.env())
        try:
            seen = run.wait_for("] built in")
            assert "; sent 2 messages;" in run.lines[seen], run.output()
            seen = run.wait_for("] unchanged in", after=seen)
            assert run.lines[seen].endswith(": out/unhcr-2024-en.pdf"), run.output()
            assert len(server.handler.received) == 2

            good = data.read_text(encoding="utf-8")
            data.write_text(good.replace("at a glance", "at a glance, revised", 1),
                            encoding="utf-8")
            seen = run.wait_for("] built in", after=seen)
            assert "; sent 2 messages;" in run.lines[seen], run.output()
            run.wait_for("] unchanged in", after=seen)
            assert run.stop(signal.SIGTERM) == 0
        finally:
            run.kill()
        received = server.handler.by_recipient()
    assert {address: len(set(ids)) for address, ids in received.items()} == {
        "ann@example.org": 2, "bob@example.org": 2}  # each edition once, to each person


def _wait_for_file(path, run, timeout=120):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared; output:\n{run.output()}"
        assert run.process.poll() is None, f"exited early; output:\n{run.output()}"
        time.sleep(0.05)


@pytest.mark.parametrize(("cron", "message"), [
    ("0 6 * *", "--cron '0 6 * *': expected 5 fields, got 4"),
    ("0 6 * * * *", "--cron '0 6 * * * *': expected 5 fields, got 6"),
    ("61 6 * * *", "--cron '61 6 * * *': minute '61': the last value (61) is higher than "
                   "the maximum value (59)"),
    ("0 25 * * 1-5", "--cron '0 25 * * 1-5': hour '25'"),
    ("0 6 * * 1-8", "--cron '0 6 * * 1-8': day-of-week: '8' is not a day"),
    ("0 6 * * fri-mon", "day-of-week: range 'fri-mon' runs backwards"),
    ("0 6 1 * 1", "give day-of-month or day-of-week, not both"),
    ("0 6 * * 1-5/0", "step '0' must be a whole number of 1 or more"),
    ("every morning", "expected 5 fields, got 2"),
])
def test_bad_cron_is_one_line_and_exit_2(tmp_path, cron, message):
    result = run_cli("schedule", "--cron", cron, "--out", tmp_path / "out")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert 'e.g. "0 6 * * 1-5"' in result.stderr or "not both" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [[], ["--cron", "0 6 * * *", "--every", "5"],
                                  ["--every", "0"], ["--every", "soon"]])
def test_schedule_usage_errors_exit_2(tmp_path, args):
    result = run_cli("schedule", *args, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "usage: generate.py schedule" in result.stderr


def test_send_needs_an_existing_recipients_file(tmp_path):
    result = run_cli("schedule", "--every", "60", "--send", tmp_path / "nobody.csv",
                     "--out", tmp_path / "out")
    assert result.returncode == 2
    assert f"--send {tmp_path / 'nobody.csv'}: no such file" in result.stderr


@pytest.mark.parametrize(("cron", "after", "expected"), [
    ("0 6 * * 1-5", SATURDAY, "Mon 2026-11-23 06:00"),  # cron's 1-5 is Monday to Friday
    ("0 6 * * 0", SATURDAY, "Sun 2026-11-22 06:00"),
    ("0 6 * * 7", SATURDAY, "Sun 2026-11-22 06:00"),
    ("0 6 * * sat", SATURDAY, "Sat 2026-11-28 06:00"),
    ("30 12 * * *", SATURDAY, "Sat 2026-11-21 12:30"),
    ("@weekly", SATURDAY, "Sun 2026-11-22 00:00"),
    ("0 0 1 * *", SATURDAY, "Tue 2026-12-01 00:00"),
])
def test_cron_times_follow_crontab(cron, after, expected):
    trigger = parse_cron(cron, timezone="UTC")
    assert f"{trigger.get_next_fire_time(None, after):%a %Y-%m-%d %H:%M}" == expected


@pytest.mark.parametrize(("field", "names"), [
    ("*", "*"), ("1-5", "mon,tue,wed,thu,fri"), ("0,6", "sun,sat"), ("7", "sun"),
    ("5-7", "sun,fri,sat"), ("*/2", "sun,tue,thu,sat"), ("MON-wed", "mon,tue,wed"),
    ("1/2", "mon,wed,fri"),
])
def test_cron_weekdays_are_translated_from_crontab_numbering(field, names):
    assert cron_weekdays(field) == names


def test_missed_run_is_caught_up_at_startup():
    trigger = parse_cron("0 6 * * *", timezone="UTC")
    now = SATURDAY
    assert missed_run(trigger, None, now) is None  # never ran: nothing to catch up
    assert missed_run(trigger, now.replace(hour=6, second=1), now) is None  # ran today
    assert missed_run(trigger, now - dt.timedelta(days=3), now) == \
        dt.datetime(2026, 11, 19, 6, 0, tzinfo=UTC)


def test_run_reason():
    due = SATURDAY
    assert run_reason(due, due + dt.timedelta(seconds=0.2)) == "schedule"
    assert run_reason(due, due + dt.timedelta(seconds=42)) == "misfire: due 12:00:00, 42 s late"
    assert run_reason(due, due, catch_up=due) == "startup catch-up: due 2026-11-21 12:00 " \
                                                 "while stopped"


class _Edition:
    def __init__(self, status):
        self.status, self.path = status, "out/b-en.pdf"


PEOPLE = (Recipient("ann@example.org", "Ann", "en", 2),
          Recipient("bob@example.org", "Bob", "en", 3),
          Recipient("cem@example.org", "Cem", "en", 4))


def _row(recipient, state, **values):
    """A ledger row as the ledger returns it (every field, so that new ones need no edit)."""
    defaults = {"edition_sha256": "ab" * 32, "recipient": recipient.key,
                "address": recipient.email, "name": recipient.name, "lang": recipient.lang,
                "file": "b-en.pdf", "message_id": f"<{recipient.key}>", "state": state,
                "attempts": 1, "created_at": "2026-11-21T12:00:00Z",
                "updated_at": "2026-11-21T12:00:00Z"}
    names = [f.name for f in dataclasses.fields(Delivery)]
    return Delivery(**{name: {**defaults, **values}.get(name) for name in names})


def _report(complete: bool) -> SendReport:
    """Two sent now, one sent before; or the third refused for now (4xx)."""
    last = (_row(PEOPLE[2], SENT) if complete else
            _row(PEOPLE[2], FAILED_TRANSIENT, attempts=3, smtp_code=451, smtp_reply="try later"))
    rows = [(PEOPLE[0], _row(PEOPLE[0], SENT)), (PEOPLE[1], _row(PEOPLE[1], SENT)),
            (PEOPLE[2], last)]
    sent_now = {PEOPLE[0].key, PEOPLE[1].key} if complete else {PEOPLE[0].key}
    return SendReport(rows, sent_now=sent_now)


def _scheduled(tmp_path, statuses, send_results):
    lines, sent = [], []

    def build(data_path, **options):
        status = statuses.pop(0)
        if isinstance(status, Exception):
            raise status
        return [_Edition(status)]

    def send(data_path, recipients, *, out_dir):
        sent.append(recipients)
        return _report(send_results.pop(0))

    job = ScheduledBuild(tmp_path / "data.yaml", out_dir=tmp_path / "out",
                         recipients=tmp_path / "r.csv", log=lines.append, build=build,
                         send=send, now=lambda: SATURDAY, clock=iter(range(100)).__next__)
    return job, lines, sent


def test_send_goes_out_for_a_new_edition_only_and_retries_what_was_missed(tmp_path):
    statuses = ["built", "unchanged", "built", "unchanged", "unchanged",
                DataError(["data.yaml:3: bad", "data.yaml:4: worse"])]
    job, lines, sent = _scheduled(tmp_path, statuses, [True, False, True])
    results = [job.run("schedule") for _ in statuses[:]]
    assert results == ["built", "unchanged", "failed", "unchanged", "unchanged", "failed"]
    assert len(sent) == 3  # the two new editions, and the retry of the incomplete sending
    assert lines[0] == ("2026-11-21 12:00:00+00:00 [schedule] built in 1.0 s: out/b-en.pdf; "
                        "sent 2 messages; 1 recipient already had their edition")
    assert lines[1].endswith("[schedule] unchanged in 1.0 s: out/b-en.pdf")
    assert lines[2].endswith("failed in 1.0 s: out/b-en.pdf; sent 1 message; 1 recipient "
                             "already had their edition; 1 recipients still without it, "
                             "retried next run: cem@example.org (en): failed for now "
                             "(3 attempts): 451 try later; run send again later")
    assert lines[3].endswith("unchanged in 1.0 s: out/b-en.pdf; sent 2 messages; "
                             "1 recipient already had their edition")
    assert lines[5].endswith("failed in 1.0 s: data.yaml:3: bad (and 1 more problem)")


def test_a_failing_send_is_logged_not_raised(tmp_path):
    def refuse(*args, **kwargs):
        raise DataError(["SMTP_HOST: not set; give the mail server's name"])

    job, lines, _sent = _scheduled(tmp_path, ["built"], [])
    job._send = refuse
    assert job.run("schedule") == "failed"
    assert lines[0].endswith("out/b-en.pdf; sending failed: SMTP_HOST: not set; give the "
                             "mail server's name")


def test_ctrl_c_at_the_terminal_finishes_the_run_then_stops_without_tracebacks(project):
    run = _catching_up(project)
    try:
        _wait_for_file(project / "out" / LOCK_NAME, run)  # the catch-up build has started
        run.interrupt_group()  # SIGINT to every process of the group, as from a terminal
        assert run.wait() == 0, run.output()
    finally:
        run.kill()
    done = run.wait_for("[startup catch-up: due ")
    assert "] built in" in run.lines[done], run.output()
    assert run.lines[-1].endswith("scheduler stopped (SIGINT)"), run.output()
    assert "Traceback" not in run.output()
    assert "KeyboardInterrupt" not in run.output()


def test_a_second_ctrl_c_stops_a_run_at_once_and_leaves_no_process(project):
    run = _catching_up(project)
    try:
        _wait_for_file(project / "out" / LOCK_NAME, run)
        run.interrupt_group()
        run.wait_for("SIGINT: stopping after the current run")
        run.interrupt_group()
        assert run.wait() == 130, run.output()
        run.process.communicate(timeout=60)  # returns once no process holds its pipes
    finally:
        run.kill()
    assert "] interrupted in " in run.output()
    assert run.lines[-1].endswith("scheduler stopped at once (SIGINT)"), run.output()
    assert "Traceback" not in run.output()


def _catching_up(project):
    out = project / "out"
    out.mkdir()
    last = dt.datetime.now(UTC) - dt.timedelta(days=3)
    (out / LAST_RUN_FILE).write_text(last.isoformat() + "\n")
    return Background(project, "schedule", "--cron", "0 6 * * *", "--data", "data.yaml",
                      "--out", "out", group=True)


def test_missed_times_are_coalesced_into_the_latest():
    trigger = interval_trigger(60, timezone="UTC")
    start = SATURDAY
    assert latest_due(trigger, start, start + dt.timedelta(seconds=30)) == start
    assert latest_due(trigger, start, start + dt.timedelta(seconds=185)) == \
        start + dt.timedelta(seconds=180)
    cron = parse_cron("0 6 * * *", timezone="UTC")
    monday = dt.datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    assert latest_due(cron, monday, monday + dt.timedelta(days=2, hours=1)) == \
        monday + dt.timedelta(days=2)


class _Clock:
    """Wall-clock time that moves only when the loop waits on the stop event."""

    def __init__(self, start):
        self.time = start

    def __call__(self):
        return self.time


class _Waits(threading.Event):
    def __init__(self, clock, stop_after):
        super().__init__()
        self.clock, self.stop_after, self.waits = clock, stop_after, []

    def wait(self, timeout=None):
        self.waits.append(timeout)
        self.clock.time += dt.timedelta(seconds=timeout)
        if len(self.waits) >= self.stop_after:
            self.set()
        return self.is_set()


def test_the_loop_runs_at_the_trigger_times_and_waits_on_the_stop_event(tmp_path):
    clock = _Clock(SATURDAY.replace(hour=5, minute=59))
    built, lines = [], []
    job = ScheduledBuild(tmp_path / "data.yaml", out_dir=tmp_path / "out", log=lines.append,
                         build=lambda *a, **k: built.append(clock()) or [_Edition("built")],
                         now=clock)
    scheduler = Scheduler(job, parse_cron("0 6 * * *", timezone="UTC"), describe="cron")
    scheduler.stop.event = _Waits(clock, stop_after=1 + 1440 + 1)  # a minute, a day, then stop
    assert scheduler.run() == 0
    assert built == [SATURDAY.replace(hour=6), SATURDAY.replace(hour=6) + dt.timedelta(days=1)]
    assert max(scheduler.stop.event.waits) <= 60, "the clock must be read again every minute"
    assert [line.split("] ")[1][:9] for line in lines[1:3]] == ["built in ", "built in "]
    assert lines[-1].endswith("scheduler stopped (interrupted)")


def test_a_new_edition_beyond_max_change_is_built_but_not_sent(tmp_path):
    import json

    from mailhelpers import manifest_with_changes

    from report.output.changes import change_record

    record = change_record({"figures": {"refugees": 8087}}, {"refugees": 12000},
                           {"refugees": 25.0})
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "manifest.json").write_text(json.dumps(
        manifest_with_changes(record)))
    job, lines, sent = _scheduled(tmp_path, ["built"], [True])
    assert job.run("schedule") == "held"
    assert sent == []
    assert "refugees: 8,087 -> 12,000 (+48.4%), limit 25%" in lines[0]
    assert "--accept-changes" in lines[0]
