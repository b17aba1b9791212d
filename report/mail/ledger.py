"""The delivery ledger: `OUT/deliveries.sqlite`, one row per (edition sha256, recipient).

A row is written before each SMTP transaction (state "sending") and after it ("sent",
"failed-permanent" or "failed-transient", with the server's reply), each write its own
transaction, durable before the next step (WAL, synchronous=FULL). After a crash a row left
in "sending" is the one message that may or may not have arrived: the next run sends it
again, with the Message-ID and Date stored in the row, so it is the same message.

The file is ours only if it says so: `PRAGMA user_version` is the schema version, and a file
that is empty, foreign or newer is refused (DeliveryError) rather than taken for a first run,
which would send everyone the edition again. Only a missing file is a first run; it is
created complete under a temporary name, then renamed. Rows are read by column name.

Only one `send` at a time works on a folder (`send_lock`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from dataclasses import dataclass, fields
from pathlib import Path

from ..errors import DeliveryError
from ..store import folder_lock
from .smtpconfig import Outcome

LEDGER_NAME = "deliveries.sqlite"
LOCK_NAME = ".send.lock"
PENDING, SENDING, SENT = "pending", "sending", "sent"
FAILED_PERMANENT, FAILED_TRANSIENT = "failed-permanent", "failed-transient"
STATES = (PENDING, SENDING, SENT, FAILED_PERMANENT, FAILED_TRANSIENT)
STATE_OF_OUTCOME = {Outcome.ACCEPTED: SENT, Outcome.REFUSED: FAILED_PERMANENT,
                    Outcome.DEFERRED: FAILED_TRANSIENT}
SCHEMA_VERSION = 1  # PRAGMA user_version; 0 is a ledger written before versions were kept

SCHEMA = """
CREATE TABLE deliveries (
    edition_sha256 TEXT NOT NULL,
    recipient TEXT NOT NULL,          -- the address, lower case
    address TEXT NOT NULL,            -- as written in the recipients file
    name TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL,
    file TEXT NOT NULL,               -- the edition's file name in OUT
    message_id TEXT NOT NULL,
    message_date TEXT,                -- the Date header, fixed at the first attempt
    state TEXT NOT NULL CHECK (state IN
        ('pending', 'sending', 'sent', 'failed-permanent', 'failed-transient')),
    attempts INTEGER NOT NULL DEFAULT 0,
    smtp_code INTEGER,
    smtp_reply TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (edition_sha256, recipient)
);
"""


@dataclass(frozen=True)
class Delivery:
    """One ledger row."""

    edition_sha256: str
    recipient: str
    address: str
    name: str
    lang: str
    file: str
    message_id: str
    message_date: str | None
    state: str
    attempts: int
    smtp_code: int | None
    smtp_reply: str | None
    created_at: str
    updated_at: str
    sent_at: str | None


COLUMNS = tuple(f.name for f in fields(Delivery))
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM deliveries"


def state_for(outcome: Outcome) -> str:
    """The ledger state of a message the server answered with `outcome`."""
    return STATE_OF_OUTCOME[outcome]


def stamp(moment: dt.datetime) -> str:
    """An aware datetime as stored: ISO 8601 in UTC, to the second ('2025-10-01T09:30:12Z')."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unstamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class Ledger:
    """The deliveries of every edition sent from one output folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if self.path.stat().st_size == 0:
            raise self._refusal("the file is empty (0 bytes)")
        try:
            self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True,
                                      isolation_level=None, timeout=30)
        except sqlite3.DatabaseError as exc:
            raise DeliveryError(f"{self.path}: cannot open the delivery ledger ({exc}); "
                                "check the folder's permissions") from None
        self.db.row_factory = sqlite3.Row
        try:
            self._check_schema()
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise self._refusal(f"cannot open the delivery ledger ({exc})") from None
        except DeliveryError:
            self.db.close()
            raise

    def _check_schema(self) -> None:
        """Refuse a file that is not a ledger of ours; stamp an unversioned one of ours."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        found = {row["name"] for row in self.db.execute("PRAGMA table_info(deliveries)")}
        if version > SCHEMA_VERSION:
            raise self._refusal(f"it was written by a newer version of this program (schema "
                                f"{version}; this one reads {SCHEMA_VERSION}); upgrade it")
        if not found:
            raise self._refusal("it is an SQLite database without a deliveries table, not a "
                                "delivery ledger")
        missing = [name for name in COLUMNS if name not in found]
        if version not in (0, SCHEMA_VERSION) or missing:
            raise self._refusal(f"it is not a delivery ledger of this program (schema "
                                f"{version}, missing columns: {', '.join(missing) or '-'})")
        if version == 0:
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _refusal(self, why: str) -> DeliveryError:
        return DeliveryError(
            f"{self.path}: {why}; nothing was sent. This file records who has received "
            "which edition: restore it from a backup, or, to start a new record in which "
            "every recipient is sent the current edition again, move it away")

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def add_pending(self, rows, *, now: str) -> None:
        """Insert a 'pending' row for each (edition_sha256, recipient, address, name, lang,
        file, message_id) not in the ledger yet; existing rows are left as they are."""
        with self._transaction():
            self.db.executemany(
                "INSERT OR IGNORE INTO deliveries (edition_sha256, recipient, address, name,"
                " lang, file, message_id, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                [(*row, now, now) for row in rows])

    def mark_sending(self, sha: str, recipient: str, *, now: str, date: str) -> None:
        """Before the SMTP transaction; the message's Date is fixed at the first attempt."""
        self.db.execute(
            "UPDATE deliveries SET state = 'sending', attempts = attempts + 1,"
            " message_date = COALESCE(message_date, ?), updated_at = ?"
            " WHERE edition_sha256 = ? AND recipient = ?", (date, now, sha, recipient))

    def mark_result(self, sha: str, recipient: str, state: str, *, now: str,
                    code: int | None = None, reply: str | None = None) -> None:
        """After the SMTP transaction (or when it could not start)."""
        self.db.execute(
            "UPDATE deliveries SET state = ?, smtp_code = ?, smtp_reply = ?, updated_at = ?,"
            " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
            " WHERE edition_sha256 = ? AND recipient = ?",
            (state, code, reply, now, state, now, sha, recipient))

    def retry_permanent(self, sha: str, recipients, *, now: str) -> None:
        """Give permanently failed recipients another chance (after fixing their address)."""
        with self._transaction():
            self.db.executemany(
                "UPDATE deliveries SET state = 'pending', updated_at = ?"
                " WHERE edition_sha256 = ? AND recipient = ? AND state = 'failed-permanent'",
                [(now, sha, key) for key in recipients])

    def get(self, sha: str, recipient: str) -> Delivery | None:
        row = self.db.execute(f"{_SELECT} WHERE edition_sha256 = ? AND recipient = ?",
                              (sha, recipient)).fetchone()
        return _delivery(row) if row else None

    def for_edition(self, sha: str) -> dict:
        """{recipient: Delivery} for one edition."""
        rows = self.db.execute(f"{_SELECT} WHERE edition_sha256 = ? ORDER BY created_at, rowid",
                               (sha,))
        return {row["recipient"]: _delivery(row) for row in rows}

    @contextlib.contextmanager
    def _transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(**{name: row[name] for name in COLUMNS})


def open_ledger(out_dir: Path, *, create: bool = True) -> Ledger | None:
    """The ledger of `out_dir`; None if it does not exist and `create` is false. Call it
    under `send_lock` when `create` is true."""
    path = Path(out_dir) / LEDGER_NAME
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_ledger(path)
    return Ledger(path)


def _create_ledger(path: Path) -> None:
    """A new, empty ledger of the current schema, complete before it gets its name: a crash
    here leaves no empty `deliveries.sqlite` behind to be refused next time."""
    temp = path.with_name(f".{path.name}.new")
    for leftover in (temp, temp.with_name(temp.name + "-wal"), temp.with_name(temp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    db = sqlite3.connect(temp, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
    finally:
        db.close()
    with open(temp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def send_lock(out_dir: Path):
    """One `send` at a time per output folder; BusyError (exit 3) at once if another holds it."""
    return folder_lock(out_dir, name=LOCK_NAME, what="send")
