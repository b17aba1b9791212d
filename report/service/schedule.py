"""Schedule: a cron expression (or an interval) -> the same build at those times, one log line
per run, until SIGTERM or Ctrl-C.

Thin on purpose: APScheduler 3's triggers say *when*; each run calls `build.build_editions`
in a fresh build process (processes.py; and, with `--send`, the email stage for a new
edition) and prints one line: when, why, result, duration, e.g.

    2025-11-24 06:00:00+01:00 [schedule] built in 6.1 s: out/briefing-en.pdf, out/briefing-az.pdf
    2025-11-25 06:00:00+01:00 [schedule] unchanged in 0.2 s: out/briefing-en.pdf, ...
    2025-11-26 06:00:04+01:00 [misfire: due 06:00:00, 4 s late] failed in 0.3 s: data.yaml:42: ...

- The loop is ours, in the main thread: wait on the stop event until the trigger's next
  fire time, run, ask the trigger for the next time after that one. Two runs never overlap,
  and a stop signal ends a wait at once (no scheduler thread or job store lock in the way).
- Runs missed while a build overran or the machine slept become one run (APScheduler's
  `coalesce`), started late ("misfire") if it is at most MISFIRE_GRACE late, else logged as
  missed.
- Startup catch-up, like systemd's `Persistent=true`: OUT/.schedule-last-run records when
  the last run started; if a scheduled time has passed since (the scheduler was stopped), one
  run happens at startup.
- Cron day-of-week numbers are cron's (0 and 7 are Sunday). APScheduler 3 counts from Monday,
  so `parse_cron` translates them to names before APScheduler sees them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from pathlib import Path

from ..errors import DataError, ReportError, UsageError
from ..output.guard import HeldError, hold_if_breached
from .processes import BuildProcesses
from .stop import StopSignals

MISFIRE_GRACE = 12 * 3600  # seconds a run may start late; the next scheduled run covers later
LATE_AFTER = 1.0  # seconds: a run that starts later than this after its time is a "misfire"
LAST_RUN_FILE = ".schedule-last-run"
MAX_WAIT = 60.0  # seconds: the longest wait before the wall clock is read again
CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
CRON_LABELS = ("minute", "hour", "day-of-month", "month", "day-of-week")
CRON_HELP = 'fields: minute hour day-of-month month day-of-week, e.g. "0 6 * * 1-5"'
CRON_MACROS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
               "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *",
               "@annually": "0 0 1 1 *"}
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron's order: 0 is Sunday


def parse_cron(expr: str, *, timezone=None):
    """A standard 5-field crontab expression -> an APScheduler CronTrigger, or UsageError."""
    from apscheduler.triggers.cron import CronTrigger

    fields = CRON_MACROS.get(expr.strip().lower(), expr).split()
    if len(fields) != 5:
        raise UsageError(f"--cron {expr!r}: expected 5 fields, got {len(fields)}; {CRON_HELP}")
    if not fields[2].startswith("*") and not fields[4].startswith("*"):
        raise UsageError(f"--cron {expr!r}: give day-of-month or day-of-week, not both "
                         "(cron runs when either matches, which this scheduler cannot "
                         "express); use a systemd timer or crontab for that")
    try:
        fields[4] = cron_weekdays(fields[4])
    except ValueError as exc:
        raise UsageError(f"--cron {expr!r}: day-of-week: {exc}; {CRON_HELP}") from None
    for name, label, value in zip(CRON_FIELDS, CRON_LABELS, fields, strict=True):
        try:
            CronTrigger(**{name: value}, timezone=timezone)
        except ValueError as exc:
            reason = str(exc).split("': ", 1)[-1]
            raise UsageError(f"--cron {expr!r}: {label} {value!r}: {reason}; {CRON_HELP}") \
                from None
    return CronTrigger(**dict(zip(CRON_FIELDS, fields, strict=True)), timezone=timezone)


def cron_weekdays(field: str) -> str:
    """A cron day-of-week field ('1-5', '0,6', 'mon-fri', '*/2') -> 'mon,tue,wed,thu,fri'."""
    if field == "*":
        return field
    days = set()
    for part in field.split(","):
        spec, slash, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if slash and step is None:
            raise ValueError(f"step {step_text!r} must be a whole number of 1 or more")
        if spec == "*":
            first, last = 0, 6
        elif "-" in spec:
            first, last = (_weekday(token) for token in spec.split("-", 1))
        else:
            first = _weekday(spec)
            last = 6 if slash else first
        if first > last:
            raise ValueError(f"range {spec!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, step or 1))
    return ",".join(DAY_NAMES[day] for day in sorted(days))


def _weekday(token: str) -> int:
    token = token.strip().lower()
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token in DAY_NAMES:
        return DAY_NAMES.index(token)
    raise ValueError(f"{token!r} is not a day: use 0-7 (0 and 7 are Sunday) or sun-sat")


def interval_trigger(seconds: float, *, timezone=None):
    from apscheduler.triggers.interval import IntervalTrigger

    return IntervalTrigger(seconds=seconds, timezone=timezone)


def missed_run(trigger, last_started, now):
    """The first scheduled time after the last run that is already past, else None."""
    if last_started is None:
        return None
    due = trigger.get_next_fire_time(None, last_started + dt.timedelta(seconds=1))
    return due if due is not None and due <= now else None


def read_last_run(out_dir: Path):
    try:
        text = (Path(out_dir) / LAST_RUN_FILE).read_text(encoding="utf-8").strip()
        return dt.datetime.fromisoformat(text).astimezone()  # no offset: local time
    except (OSError, ValueError):
        return None


def run_reason(due, started, *, catch_up=None) -> str:
    """Why a run happens: 'schedule', 'misfire: due ..., N s late' or 'startup catch-up'."""
    if catch_up is not None:
        return f"startup catch-up: due {catch_up:%Y-%m-%d %H:%M} while stopped"
    late = (started - due).total_seconds() if due is not None else 0
    if late > LATE_AFTER:
        return f"misfire: due {due:%H:%M:%S}, {late:.0f} s late"
    return "schedule"


def first_line(exc: BaseException) -> str:
    """The first line of what went wrong, for the one-line log."""
    if isinstance(exc, DataError) and exc.problems:
        more = len(exc.problems) - 1
        return exc.problems[0] + (f" (and {more} more problem{'s' if more > 1 else ''})"
                                  if more else "")
    text = str(exc).strip().splitlines()
    text = text[0] if text else ""
    return text if isinstance(exc, ReportError) else f"{type(exc).__name__}: {text}"


def describe_sending(report) -> str:
    """'sent 2 messages; 1 recipient already had their edition', from a SendReport."""
    sent = len(report.sent_now)
    earlier = len(report.rows) - len(report.missing) - sent
    return (f"sent {sent} message{'s' if sent != 1 else ''}; {earlier} "
            f"recipient{'s' if earlier != 1 else ''} already had their edition")


def first_missing(report) -> str:
    """'ann@example.org (en): failed for now (...)': the first recipient still without it."""
    from ..mail.deliver import why_missing

    recipient, row = report.missing[0]
    return f"{recipient.email} ({recipient.lang}): {why_missing(row)}"


class ScheduledBuild:
    """One run: build (and send a new edition), then one log line. Never raises."""

    def __init__(self, data_path, *, out_dir, langs=None, keep=None, jobs=None,
                 recipients=None, log, build=None, send=None, now=None, clock=time.monotonic):
        self.data_path = Path(data_path)
        self.out_dir = Path(out_dir)
        self.langs, self.keep, self.jobs, self.recipients = langs, keep, jobs, recipients
        self.log = log
        self.now = now or (lambda: dt.datetime.now().astimezone())
        self.running = False
        self.undelivered = False  # a send left recipients without the current edition
        self._build, self._send, self._clock = build, send, clock

    def run(self, why: str) -> str:
        """Run once; return the result: 'built', 'unchanged', 'held' or 'failed'. A
        KeyboardInterrupt (a second stop signal) is logged as 'interrupted' and passed on."""
        started_at, started = self.now(), self._clock()
        self.running = True
        status, detail = "interrupted", "the previous edition is intact"
        try:
            status, detail = self._build_and_send()
        finally:
            self.running = False
            self.log(f"{started_at.isoformat(sep=' ', timespec='seconds')} [{why}] "
                     f"{status} in {self._clock() - started:.1f} s: {detail}")
            self._record(started_at)
        return status

    def _build_and_send(self):
        build = self._build or _default_build()
        try:
            built = build(self.data_path, out_dir=self.out_dir, langs=self.langs,
                          keep=self.keep, jobs=self.jobs)
        except Exception as exc:  # every failure is logged; the scheduler keeps going
            return "failed", first_line(exc)
        status = "built" if any(e.status == "built" for e in built) else "unchanged"
        detail = ", ".join(str(e.path) for e in built)
        changes = sorted({e.changes["line"] for e in built
                          if e.status == "built" and getattr(e, "changes", None)})
        detail = "; ".join([detail, *changes])
        if self.recipients is not None and (status == "built" or self.undelivered):
            return self._send_new(status, detail, keys={Path(e.path).stem for e in built})
        return status, detail

    def _send_new(self, status, detail, *, keys=None):
        """Send the new edition (the ledger skips whoever has it already); if some
        recipients are left without it, the next run tries them again."""
        send = self._send or _default_send()
        try:
            hold_if_breached(self.out_dir, keys=keys,
                             release_hint=f"generate.py send --data {self.data_path} "
                                          "--recipients FILE --accept-changes")
        except HeldError as exc:  # built, but not mailed: a person has to look first
            self.undelivered = False
            return "held", f"{detail}; " + "; ".join(
                line.strip() for line in str(exc).splitlines())
        self.undelivered = True
        try:
            report = send(self.data_path, self.recipients, out_dir=self.out_dir)
        except Exception as exc:  # the edition is built; only the sending failed
            return "failed", f"{detail}; sending failed: {first_line(exc)}"
        sent = describe_sending(report)
        if report.missing:
            return "failed", (f"{detail}; {sent}; {len(report.missing)} recipients still "
                              f"without it, retried next run: {first_missing(report)}")
        self.undelivered = False
        return status, f"{detail}; {sent}"

    def _record(self, started_at) -> None:
        """Remember when this run started, for the next startup's catch-up."""
        if not self.out_dir.is_dir():
            return  # nothing was ever built: nothing to catch up with
        from ..store import atomic_write

        with contextlib.suppress(OSError):
            atomic_write(self.out_dir / LAST_RUN_FILE, started_at.isoformat() + "\n")


class Scheduler:
    """The loop around one ScheduledBuild: wait for the trigger's next time or a stop signal,
    run, repeat. The first SIGINT/SIGTERM ends the wait at once, or the loop after the
    current run; a second one cuts the run short."""

    def __init__(self, job: ScheduledBuild, trigger, *, describe: str):
        self.job, self.trigger, self.describe = job, trigger, describe
        self.interrupted = False  # a second signal cut a run short
        self.stop = StopSignals(self._on_stop)

    def run(self) -> int:
        """Until SIGINT/SIGTERM: 0 after a clean stop, 130 if a second signal cut a run short."""
        now = self._now()
        catch_up = missed_run(self.trigger, read_last_run(self.job.out_dir), now)
        due = now if catch_up else self.trigger.get_next_fire_time(None, now)
        with self.stop:
            self._log(f"scheduler started: {self.describe}, {self.job.data_path} -> "
                      f"{self.job.out_dir}; next run {due.isoformat(sep=' ', timespec='seconds')}"
                      f"{' (startup catch-up)' if catch_up else ''}")
            try:
                self._loop(due, catch_up)
            except KeyboardInterrupt:
                self.interrupted = True
        name = self.stop.signal_name or "interrupted"
        self._log(f"scheduler stopped at once ({name})" if self.interrupted
                  else f"scheduler stopped ({name})")
        return 130 if self.interrupted else 0

    def _loop(self, due, catch_up) -> None:
        while due is not None and self._wait_until(due):
            due = latest_due(self.trigger, due, self._now())  # missed times become one run
            self._fire(due, catch_up)
            catch_up = None
            due = self.trigger.get_next_fire_time(due, self._now())

    def _wait_until(self, due) -> bool:
        """Wait until `due`; False if a stop came first. The wall clock is read again at
        least every MAX_WAIT seconds, so a suspended machine or a clock change is noticed."""
        while not self.stop.requested:
            left = (due - self._now()).total_seconds()
            if left <= 0:
                return True
            self.stop.event.wait(min(left, MAX_WAIT))
        return False

    def _fire(self, due, catch_up) -> None:
        started = self._now()
        if catch_up is None and (started - due).total_seconds() > MISFIRE_GRACE:
            late = (started - due).total_seconds() / 3600
            self._log(f"[missed] the run due {due:%Y-%m-%d %H:%M} is {late:.1f} h late, more "
                      f"than the {MISFIRE_GRACE // 3600} h grace; the next scheduled run will "
                      "build")
            return
        self.job.run(run_reason(due, started, catch_up=catch_up))

    def _on_stop(self, name: str) -> None:
        """In the signal helper thread: say that the current run finishes first."""
        if self.job.running:
            self._log(f"{name}: stopping after the current run")

    def _now(self):
        return self.job.now().astimezone(self.trigger.timezone)

    def _log(self, text: str) -> None:
        self.job.log(f"{self.job.now().isoformat(sep=' ', timespec='seconds')} {text}")


def latest_due(trigger, due, now):
    """The last scheduled time from `due` up to `now`: after an overrun or a sleep, the
    times missed meanwhile are coalesced into one run, as APScheduler's `coalesce` does."""
    while (later := trigger.get_next_fire_time(due, now)) is not None and later <= now:
        due = later
    return due


def schedule_command(data_path, *, out_dir, cron=None, every=None, langs=None, keep=None,
                     jobs=None, recipients=None, environ, out) -> int:
    """The `schedule` command: check the options (UsageError, exit 2), then `schedule`."""
    if cron is not None:
        trigger = parse_cron(cron)
        describe = f"cron {cron!r} ({trigger.timezone})"
    else:
        trigger = interval_trigger(every)
        describe = f"every {every:g} s"
    send = None
    if recipients is not None:
        if not Path(recipients).is_file():
            raise UsageError(f"--send {recipients}: no such file; give the recipients CSV "
                             "(email,name,lang)")
        from ..mail.smtpconfig import settings_from_env

        settings_from_env(environ)  # missing SMTP settings: DataError now, not at 06:00
        send = _default_send(environ)
    with BuildProcesses() as builds:
        job = ScheduledBuild(data_path, out_dir=out_dir, langs=langs, keep=keep, jobs=jobs,
                             recipients=recipients, send=send, build=builds.build,
                             log=lambda line: print(line, file=out, flush=True))
        scheduler = Scheduler(job, trigger, describe=describe)
        code = scheduler.run()
        if scheduler.interrupted:
            builds.close(at_once=True)  # the abandoned build's process, not waited for
    return code


def _default_build():
    from ..output.build import build_editions

    return build_editions


def _default_send(environ=None):
    """deliver.send_briefing with the process environment's SMTP settings."""
    import os

    from ..mail.deliver import send_briefing
    from ..output.build import build_editions

    def send(data_path, recipients, *, out_dir):
        return send_briefing(data_path, recipients, out_dir=out_dir, build=build_editions,
                             environ=os.environ if environ is None else environ)

    return send
