"""Delivery: the current editions -> one message per recipient, through the ledger, over SMTP.

`send_briefing` validates the data file, the recipients file and the SMTP settings (all
problems at once, nothing sent), brings the editions up to date with the `build` function it
is given (the mail stage does not import rendering), then sends each recipient who does not
have their edition yet, one recipient per SMTP transaction, writing the ledger (ledger.py)
before and after each. Replies: 2xx sent; 5xx except 552 permanent, never retried; 4xx, 552,
timeouts and dropped connections transient, retried in rounds with backoff (RetryPolicy), and
again on the next run. A message that cannot be built is recorded as failed and the others
go on. `status.status_lines` reads the ledger back.

The outside world comes in as arguments: the environment, the clock, sleep, the folder, the
build.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..document.project import load_project
from ..errors import DataError, DeliveryError
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

    @property
    def missing(self) -> list:
        return [(r, row) for r, row in self.rows if row is None or row.state != SENT]

    @property
    def complete(self) -> bool:
        return not self.dry_run_files and not self.missing

    def summary_lines(self) -> list:
        if self.dry_run_files:
            folder = self.dry_run_files[0].parent
            return [f"dry run: wrote {len(self.dry_run_files)} messages to {folder}; "
                    "nothing was sent or recorded"]
        total, missing = len(self.rows), self.missing
        earlier = total - len(missing) - len(self.sent_now)
        lines = [f"sent {len(self.sent_now)} message{'s' if len(self.sent_now) != 1 else ''}"
                 f"; {earlier} recipient{'s' if earlier != 1 else ''} already had their "
                 "edition"]
        if not missing:
            return [*lines, f"every recipient has the current edition ({total} of {total})"]
        lines.append(f"{total - len(missing)} of {total} recipients have the current "
                     f"edition; missing:")
        return lines + [f"  {r.email} ({r.lang}): {why_missing(row)}" for r, row in missing]


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


def send_briefing(data_path, recipients_path, *, out_dir, environ, build, dry_run=None,
                  rate=None, retry_failed=False, clock=utc_now, sleep=time.sleep,
                  policy: RetryPolicy = RetryPolicy(), progress_stream=None, warn=None,
                  connect=open_connection) -> SendReport:
    """Send each recipient the current edition of their language, once.

    `build(data_path, out_dir=..., project=..., source_date_epoch=...)` brings the editions
    up to date and returns them (each with `lang`, `path`, `sha256`): the build stage's
    `build_editions`, given the (briefing, labels) validated here so the data is read once.
    `dry_run` (a folder) writes .eml files instead: no connection, no ledger. `rate` is a
    limit in messages a minute. `connect(settings, local_hostname=...)` opens SMTP.
    """
    briefing, labels = load_project(data_path)  # the one validation of the data
    recipients, settings = _read_inputs(briefing, recipients_path, environ,
                                        need_server=dry_run is None)
    for warning in recipients.warnings:
        if warn:
            warn(warning)
    if dry_run is None:
        _check_ledger(out_dir)  # a ledger we must refuse is refused before any build
    # the same options as `build`, so that an up-to-date edition is found unchanged
    built = build(data_path, out_dir=out_dir, project=(briefing, labels),
                  source_date_epoch=environ.get("SOURCE_DATE_EPOCH") or None)
    emailed = [e for e in built if e.output == briefing.document.output_name]  # the first output
    composer = Composer(briefing, labels, emailed, sender=settings.mail_from,
                        reply_to=settings.reply_to)
    people = recipients.recipients
    domain = settings.from_address.rpartition("@")[2]
    _check_sizes(composer, people, settings.max_bytes, clock())
    progress = Progress(len(people), stream=progress_stream)
    if dry_run is not None:
        files = _write_dry_run(composer, people, Path(dry_run), domain, clock(), progress)
        return SendReport([(r, None) for r in people], dry_run_files=files)
    run = _Run(settings=settings, composer=composer, clock=clock, sleep=sleep, policy=policy,
               pacer=_Pacer(rate, sleep), progress=progress, connect=connect)
    with send_lock(out_dir), open_ledger(out_dir) as ledger:
        run.ledger = ledger
        jobs = _plan(ledger, composer.editions, people, domain, stamp(clock()), retry_failed)
        try:
            run.deliver(jobs)
        finally:
            run.transport.close()
            progress.finish()
        rows = [(r, ledger.get(composer.editions[r.lang].sha256, r.key)) for r in people]
    return SendReport(rows, sent_now=run.sent)


def _check_ledger(out_dir) -> None:
    """DeliveryError now if `out_dir` has a ledger file that is not one we can use."""
    ledger = open_ledger(out_dir, create=False)
    if ledger is not None:
        ledger.close()


def _read_inputs(briefing, recipients_path, environ, *, need_server):
    """The recipients and the SMTP settings; one DataError with the problems of both."""
    problems, recipients, settings = send_needs(briefing), None, None
    try:
        recipients = read_recipients(recipients_path, editions=briefing.document.editions)
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


def _plan(ledger, editions, people, domain, now, retry_failed) -> list:
    """Add pending rows for new (edition, recipient) pairs; who still needs a message."""
    ledger.add_pending([(editions[r.lang].sha256, r.key, r.email, r.name, r.lang,
                         editions[r.lang].path.name,
                         message_id(editions[r.lang].sha256, r.key, domain)) for r in people],
                       now=now)
    rows = {}
    for lang, edition in editions.items():
        if retry_failed:
            ledger.retry_permanent(edition.sha256, [r.key for r in people if r.lang == lang],
                                   now=now)
        rows[edition.sha256] = ledger.for_edition(edition.sha256)
    jobs = []
    for r in people:
        sha = editions[r.lang].sha256
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
        try:
            data = self.composer.message_bytes(job.recipient, msg_id=job.row.message_id,
                                               date=date)
            _check_message_size(data, self.settings.max_bytes, job.recipient.email)
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
        self.progress.update(f"{job.recipient.email} ({job.recipient.lang})", state, detail)


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


def _size_problem(data: bytes, limit: int) -> str | None:
    if len(data) <= limit:
        return None
    return (f"the message is {len(data) / 1e6:.1f} MB after encoding, over the "
            f"{limit / 1e6:.1f} MB limit (MAIL_MAX_BYTES)")


def _check_message_size(data: bytes, limit: int, address: str) -> None:
    problem = _size_problem(data, limit)
    if problem:
        raise MessageError(address, problem)


def _check_sizes(composer, people, limit, now) -> None:
    """Before anything is sent: one sample message per edition (the longest name that
    builds) within the size limit."""
    for lang in dict.fromkeys(r.lang for r in people):
        for sample in sorted((r for r in people if r.lang == lang), key=lambda r: -len(r.name)):
            try:
                data = composer.message_bytes(sample, msg_id="<size-check@localhost>", date=now)
            except MessageError:
                continue  # recorded for that recipient when its turn comes
            problem = _size_problem(data, limit)
            if problem:
                raise DeliveryError(
                    f"{composer.editions[lang].path}: {problem}; nothing was sent to it. Make "
                    "the PDF smaller, or raise MAIL_MAX_BYTES if the mail server accepts "
                    "larger messages")
            break


def _write_dry_run(composer, people, folder: Path, domain, now, progress) -> list:
    """Each message as an .eml file: nothing connects, nothing is recorded."""
    files = []
    for number, r in enumerate(people, 1):
        sha = composer.editions[r.lang].sha256
        try:
            data = composer.message_bytes(r, msg_id=message_id(sha, r.key, domain), date=now)
        except MessageError as exc:
            progress.update(f"{r.email} ({r.lang})", FAILED_PERMANENT, exc.reason)
            continue
        safe = "".join(ch if ch.isalnum() or ch in "@.-_+" else "_" for ch in r.key)
        path = folder / f"{number:04d}-{safe}.eml"
        atomic_write(path, data)
        files.append(path)
        progress.update(str(path), "wrote")
    progress.finish()
    return files
