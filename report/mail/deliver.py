"""Delivery: the current editions -> one message per recipient, through the ledger, over SMTP.

`send_briefing` validates the data file (unless the caller has: `project`), the recipients
file and the SMTP settings (all problems at once, nothing sent), brings the editions of
every output up to date with the `build` function it is given (the mail stage does not
import rendering), then sends each recipient who does not have their edition (their
layout, in their language) yet, one recipient per SMTP transaction, writing the ledger
(ledger.py) before and after each. Replies: 2xx sent; 5xx except 552 permanent, never
retried; 4xx, 552, timeouts and dropped connections transient, retried in rounds with
backoff (RetryPolicy), and again on the next run. A message that cannot be built is
recorded as failed and the others go on. `status.status_lines` reads the ledger back.

The outside world comes in as arguments: the environment, the clock, sleep, the folder, the
build.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..document.project import load_project
from ..errors import DataError
from ..store import atomic_write, crash_point
from .ledger import (
    FAILED_PERMANENT,
    FAILED_TRANSIENT,
    PENDING,
    SENDING,
    SENT,
    open_ledger,
    send_lock,
    stamp,
    state_for,
    unstamp,
)
from .message import Composer, MessageError, message_id, send_needs
from .precheck import check_message, manifest_sha256, size_problem
from .progress import Progress
from .recipients import read_recipients
from .smtpconfig import ConnectError, Transport, open_connection, settings_from_env
from .status import reply_text


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """Transient failures: up to `attempts` tries per recipient in one run, `backoff`
    seconds before the first retry round, doubled each round, at most `max_backoff`."""

    attempts: int = 3
    backoff: float = 30.0
    max_backoff: float = 300.0

    def delay(self, retry: int) -> float:
        return min(self.backoff * 2 ** (retry - 1), self.max_backoff)


@dataclass
class SendReport:
    """The outcome of a run, per recipient of the list."""

    rows: list  # (Recipient, Delivery | None), in list order
    sent_now: set = field(default_factory=set)
    dry_run_files: list = field(default_factory=list)
    opted_out: set = field(default_factory=set)  # keys on the suppression list
    where: str = ""  # the recipients file, for the rows of missing recipients
    default_output: str = "briefing"  # the layout a recipient gets without saying

    @property
    def missing(self) -> list:
        """The recipients who should have their edition and do not (not the opted out)."""
        return [(r, row) for r, row in self.rows if r.key not in self.opted_out
                and (row is None or row.state != SENT)]

    @property
    def skipped(self) -> list:
        """The recipients who opted out without having the edition: no failure."""
        return [r for r, row in self.rows if r.key in self.opted_out
                and (row is None or row.state != SENT)]

    @property
    def complete(self) -> bool:
        return not self.dry_run_files and not self.missing

    def summary_lines(self) -> list:
        opted = [f"  {r.label(self.default_output)}: not sent: opted out"
                 for r in self.skipped]
        if self.dry_run_files:
            folder = self.dry_run_files[0].parent
            return [f"dry run: wrote {len(self.dry_run_files)} messages to {folder}; "
                    "nothing was sent or recorded", *opted]
        total, missing = len(self.rows) - len(self.skipped), self.missing
        earlier = total - len(missing) - len(self.sent_now)
        lines = [f"sent {len(self.sent_now)} message{'s' if len(self.sent_now) != 1 else ''}"
                 f"; {earlier} recipient{'s' if earlier != 1 else ''} already had their "
                 "edition"]
        if self.skipped:
            lines += [f"{len(self.skipped)} on the list opted out (see send --status):", *opted]
        if not missing:
            return [*lines, f"every recipient has the current edition ({total} of {total})"]
        lines.append(f"{total - len(missing)} of {total} recipients have the current "
                     f"edition; missing:")
        return lines + [f"  {r.label(self.default_output)}: {why_missing(row)}"
                        for r, row in missing]


def why_missing(row) -> str:
    if row is None or row.state == PENDING:
        return "not attempted"
    if row.state == SENDING:
        return "interrupted during sending; the next run sends it again (same Message-ID)"
    if row.state == FAILED_PERMANENT and row.smtp_code is None:  # never reached the server
        return (f"not sent: {reply_text(row)}; not retried (fix it, then run send with "
                "--retry-failed)")
    if row.state == FAILED_PERMANENT:
        return (f"refused permanently: {reply_text(row)}; not retried (fix the address, then "
                "run send with --retry-failed, or remove it from the list)")
    attempts = f"{row.attempts} attempt{'s' if row.attempts != 1 else ''}"
    return f"failed for now ({attempts}): {reply_text(row)}; run send again later"


def send_briefing(data_path, recipients_path, *, out_dir, environ, build, project=None,
                  logo=None, dry_run=None, rate=None, retry_failed=False, clock=utc_now,
                  sleep=time.sleep, policy: RetryPolicy = RetryPolicy(), progress_stream=None,
                  warn=None, connect=open_connection) -> SendReport:
    """Send each recipient the current edition of their layout and language, once.

    `project` is the (briefing, labels) the caller has validated (None: load `data_path`
    here); the data is read once. `build(data_path, out_dir=..., project=...,
    source_date_epoch=...)` brings the editions of every output up to date and returns them
    (each with `output`, `lang`, `path`, `sha256`): the build stage's `build_editions`.
    `logo(briefing)` returns the brand's logo as PNG bytes (the render stage draws it; None:
    no logo in the HTML). `dry_run` (a folder) writes .eml files instead: no connection, no
    ledger written. `rate` is a limit in messages a minute. `connect(settings,
    local_hostname=...)` opens SMTP. Suppressed recipients (ledger.suppressions) are left out.
    """
    briefing, labels = project or load_project(data_path)  # the one validation of the data
    recipients, settings = _read_inputs(briefing, recipients_path, environ,
                                        need_server=dry_run is None)
    for warning in recipients.warnings:
        if warn:
            warn(warning)
    if dry_run is None:
        check_ledger(out_dir)  # a ledger we must refuse is refused before any build
    # the same options as `build`, so that an up-to-date edition is found unchanged
    built = build(data_path, out_dir=out_dir, project=(briefing, labels),
                  source_date_epoch=environ.get("SOURCE_DATE_EPOCH") or None)
    composer = Composer(briefing, labels, built, sender=settings.mail_from,
                        reply_to=settings.reply_to, opt_out=settings.opt_out,
                        logo_png=logo(briefing) if logo else None)
    check = _Checker(composer, settings.max_bytes, manifest_sha256(out_dir),
                     str(recipients_path))
    progress = Progress(len(recipients.recipients), stream=progress_stream)
    if dry_run is not None:
        return _dry_run(composer, recipients.recipients, Path(dry_run), out_dir, check,
                        clock(), progress)
    run = _Run(settings=settings, composer=composer, clock=clock, sleep=sleep, policy=policy,
               pacer=_Pacer(rate, sleep), progress=progress, connect=connect)
    with send_lock(out_dir), open_ledger(out_dir) as ledger:
        run.ledger = ledger
        composer.secret = ledger.secret()
        opted_out = set(ledger.suppressions())
        people = [r for r in recipients.recipients if r.key not in opted_out]
        jobs = _plan(ledger, composer, people, stamp(clock()), retry_failed)
        jobs = run.precheck(jobs, check)
        try:
            run.deliver(jobs)
        finally:
            run.transport.close()
            progress.finish()
        rows = [(r, ledger.get(composer.edition_for(r).sha256, r.key))
                for r in recipients.recipients]
    return SendReport(rows, sent_now=run.sent, opted_out=opted_out, where=str(recipients_path),
                      default_output=composer.default_output)


def _dry_run(composer, people, folder, out_dir, check, now, progress) -> SendReport:
    """Write the messages as .eml files, leaving out the suppressed (nothing is recorded)."""
    ledger = open_ledger(out_dir, create=False, write=False)
    opted_out = set()
    if ledger is not None:
        with ledger:
            composer.secret = ledger.secret(create=False) or composer.secret
            opted_out = set(ledger.suppressions())
    files = _write_dry_run(composer, [r for r in people if r.key not in opted_out], folder,
                           check, now, progress)
    return SendReport([(r, None) for r in people], dry_run_files=files, opted_out=opted_out,
                      default_output=composer.default_output)


def check_ledger(out_dir) -> None:
    """DeliveryError now if `out_dir` has a ledger file that is not one we can use."""
    ledger = open_ledger(out_dir, create=False)
    if ledger is not None:
        ledger.close()


def _read_inputs(briefing, recipients_path, environ, *, need_server):
    """The recipients and the SMTP settings; one DataError with the problems of both."""
    problems, recipients, settings = send_needs(briefing), None, None
    try:
        recipients = read_recipients(recipients_path, editions=briefing.document.editions,
                                     outputs=briefing.document.outputs)
    except DataError as exc:
        problems += exc.problems
    try:
        settings = settings_from_env(environ, need_server=need_server)
    except DataError as exc:
        problems += exc.problems
    if problems:
        raise DataError(problems)
    return recipients, settings


@dataclass
class _Job:
    recipient: object
    sha: str
    row: object  # the Delivery as planned
    date: dt.datetime | None = None  # the message's Date, fixed at its first attempt


def _plan(ledger, composer, people, now, retry_failed) -> list:
    """Add pending rows for new (edition, recipient) pairs; who still needs a message."""
    edition_of = {r.key: composer.edition_for(r) for r in people}
    ledger.add_pending([(edition_of[r.key].sha256, r.key, r.email, r.name, r.lang,
                         edition_of[r.key].path.name,
                         message_id(edition_of[r.key].sha256, r.key, composer.domain))
                        for r in people], now=now)
    rows = {}
    for edition in composer.editions.values():
        if retry_failed:
            ledger.retry_permanent(edition.sha256, [r.key for r in people
                                                    if edition_of[r.key] is edition], now=now)
        rows[edition.sha256] = ledger.for_edition(edition.sha256)
    jobs = []
    for r in people:
        sha = edition_of[r.key].sha256
        row = rows[sha][r.key]
        if row.state in (PENDING, SENDING, FAILED_TRANSIENT):
            date = unstamp(row.message_date) if row.message_date else None
            jobs.append(_Job(r, sha, row, date))
    return jobs


@dataclass
class _Run:
    settings: object
    composer: Composer
    clock: object
    sleep: object
    policy: RetryPolicy
    pacer: object
    progress: Progress
    connect: object
    ledger: object = None
    sent: set = field(default_factory=set)
    count: int = 0

    def __post_init__(self):
        self.transport = Transport(self.settings, self.connect)

    def precheck(self, jobs, check) -> list:
        """Build and check every message before the first is sent; record the ones that
        would fail (with their row of the recipients file); return the others."""
        passed = []
        for job in jobs:
            try:
                check(job.recipient, msg_id=job.row.message_id, date=job.date or self.clock())
            except MessageError as exc:
                self._record(job, FAILED_PERMANENT, None,
                             f"{check.where}:{job.recipient.line}: {exc.reason}")
                continue
            passed.append(job)
        return passed

    def deliver(self, jobs) -> None:
        """Rounds: everyone once, then the transient failures again after a backoff. A
        connection failure is reported when it happens, with what happens next."""
        attempts = self.policy.attempts
        for attempt in range(1, attempts + 1):
            if not jobs:
                return
            if attempt > 1:
                self.sleep(self.policy.delay(attempt - 1))
            jobs, failure = self._round(jobs)
            if failure is not None:
                then = (f"trying again in {self.policy.delay(attempt):g} s (round "
                        f"{attempt + 1} of {attempts})" if attempt < attempts else
                        "not trying again in this run")
                self.progress.note(f"{failure}; {len(jobs)} message"
                                   f"{'s' if len(jobs) != 1 else ''} not sent; {then}")

    def _round(self, jobs) -> tuple:
        """(the jobs to try again, the connection failure that cut the round short)."""
        retry = []
        for index, job in enumerate(jobs):
            try:
                self.transport.open()
            except ConnectError as exc:
                waiting = jobs[index:]
                for job_left in waiting:
                    self._record(job_left, FAILED_TRANSIENT, None, str(exc), quiet=True)
                return retry + waiting, exc
            if self._send(job) == FAILED_TRANSIENT:
                retry.append(job)
        return retry, None

    def _send(self, job) -> str:
        if job.date is None:
            job.date = unstamp(stamp(self.clock()))  # whole seconds, as the ledger keeps it
        date = job.date
        try:  # checked in full before the run (precheck); built again with its own Date
            data = self.composer.message_bytes(job.recipient, msg_id=job.row.message_id,
                                               date=date)
            problem = size_problem(data, self.settings.max_bytes)
            if problem:
                raise MessageError(job.recipient.email, problem, what="would not go")
        except MessageError as exc:  # this one cannot go; the others still do
            self._record(job, FAILED_PERMANENT, None, exc.reason)
            return FAILED_PERMANENT
        self.pacer.wait()
        self.count += 1
        self.ledger.mark_sending(job.sha, job.recipient.key, now=stamp(self.clock()),
                                 date=stamp(date))
        crash_point(f"send-before-smtp:{self.count}")
        reply = self.transport.deliver(job.recipient.email, data)
        crash_point(f"send-after-smtp:{self.count}")
        state = state_for(reply.outcome)
        self._record(job, state, reply.code, reply.text)
        return state

    def _record(self, job, state, code, reply, *, quiet=False) -> None:
        self.ledger.mark_result(job.sha, job.recipient.key, state, now=stamp(self.clock()),
                                code=code, reply=reply)
        if state == SENT:
            self.sent.add(job.recipient.key)
        if quiet:
            return
        detail = "" if state == SENT else " ".join(str(p) for p in (code, reply) if p)
        self.progress.update(job.recipient.label(self.composer.default_output), state,
                             detail)


class _Pacer:
    """At most `rate` messages a minute (None: no limit)."""

    def __init__(self, rate, sleep, monotonic=time.monotonic):
        self.interval = 60.0 / rate if rate else 0.0
        self.sleep = sleep
        self.monotonic = monotonic
        self.next_at = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.monotonic()
        if self.next_at is not None and now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def _write_dry_run(composer, people, folder: Path, check, now, progress) -> list:
    """Each message as an .eml file: nothing connects, nothing is recorded."""
    files = []
    for number, r in enumerate(people, 1):
        sha = composer.edition_for(r).sha256
        try:
            data = check(r, msg_id=message_id(sha, r.key, composer.domain), date=now)
        except MessageError as exc:
            progress.update(r.label(composer.default_output), FAILED_PERMANENT,
                            f"{check.where}:{r.line}: {exc.reason}")
            continue
        safe = "".join(ch if ch.isalnum() or ch in "@.-_+" else "_" for ch in r.key)
        path = folder / f"{number:04d}-{safe}.eml"
        atomic_write(path, data)
        files.append(path)
        progress.update(str(path), "wrote")
    progress.finish()
    return files


class _Checker:
    """Builds one recipient's message and checks it (precheck.check_message)."""

    def __init__(self, composer, limit: int, manifest: dict, where: str):
        self.composer, self.limit, self.manifest, self.where = composer, limit, manifest, where

    def __call__(self, recipient, *, msg_id: str, date) -> bytes:
        edition = self.composer.edition_for(recipient)
        # the manifest's key is the file name without .pdf ('briefing-en')
        expected = self.manifest.get(edition.path.stem) or edition.sha256
        return check_message(self.composer, recipient, msg_id=msg_id, date=date,
                             limit=self.limit, expected_sha256=expected)
