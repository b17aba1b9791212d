"""The delivery ledger: `OUT/deliveries.sqlite`, one row per (edition sha256, recipient).

A row is written before each SMTP transaction (state "sending") and after it ("sent",
"failed-permanent" or "failed-transient", with the server's reply), each write its own
transaction, durable before the next step (WAL, synchronous=FULL). After a crash a row left
in "sending" is the one message that may or may not have arrived: the next run sends it
again, with the Message-ID and Date stored in the row, so it is the same message.

Only one `send` at a time works on a folder (`send_lock`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..errors import DeliveryError
from ..store import folder_lock

LEDGER_NAME = "deliveries.sqlite"
LOCK_NAME = ".send.lock"
PENDING, SENDING, SENT = "pending", "sending", "sent"
FAILED_PERMANENT, FAILED_TRANSIENT = "failed-permanent", "failed-transient"
STATES = (PENDING, SENDING, SENT, FAILED_PERMANENT, FAILED_TRANSIENT)

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
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


def stamp(moment: dt.datetime) -> str:
    """An aware datetime as stored: ISO 8601 in UTC, to the second ('2025-10-01T09:30:12Z')."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unstamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class Ledger:
    """The deliveries of every edition sent from one output folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise DeliveryError(f"{self.path}: cannot open the delivery ledger ({exc}); "
                                "move the file away to start a new one") from None

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
        row = self.db.execute("SELECT * FROM deliveries WHERE edition_sha256 = ? AND "
                              "recipient = ?", (sha, recipient)).fetchone()
        return Delivery(*row) if row else None

    def for_edition(self, sha: str) -> dict:
        """{recipient: Delivery} for one edition."""
        rows = self.db.execute("SELECT * FROM deliveries WHERE edition_sha256 = ? "
                               "ORDER BY created_at, rowid", (sha,))
        return {row[1]: Delivery(*row) for row in rows}

    @contextlib.contextmanager
    def _transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


def open_ledger(out_dir: Path, *, create: bool = True) -> Ledger | None:
    """The ledger of `out_dir`; None if it does not exist and `create` is false."""
    path = Path(out_dir) / LEDGER_NAME
    if not create and not path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return Ledger(path)


def send_lock(out_dir: Path):
    """One `send` at a time per output folder; BusyError (exit 3) at once if another holds it."""
    return folder_lock(out_dir, name=LOCK_NAME, what="send")
