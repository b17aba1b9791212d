"""The delivery ledger: only a missing file is a first run; an empty, foreign or newer file is
refused; the schema version is kept in `PRAGMA user_version`; rows are read by column name."""

import sqlite3

import pytest

from report.errors import DeliveryError
from report.mail.ledger import COLUMNS, LEDGER_NAME, SCHEMA, SCHEMA_VERSION, open_ledger

SHA = "ab" * 32
ROW = (SHA, "ann@example.org", "Ann@example.org", "Ann", "en", "briefing-en.pdf", "<id@x>")


def _add_one(out):
    with open_ledger(out) as ledger:
        ledger.add_pending([ROW], now="2025-10-01T08:00:00Z")
        ledger.mark_sending(SHA, "ann@example.org", now="2025-10-01T08:00:01Z",
                            date="2025-10-01T08:00:01Z")
        ledger.mark_result(SHA, "ann@example.org", "sent", now="2025-10-01T08:00:02Z",
                           code=250, reply="2.0.0 Ok")


def _sqlite(path, script):
    db = sqlite3.connect(path)
    db.executescript(script)
    db.commit()
    db.close()


def test_a_missing_ledger_is_created_complete_with_its_version(tmp_path):
    _add_one(tmp_path)
    db = sqlite3.connect(tmp_path / LEDGER_NAME)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT recipient, state FROM deliveries").fetchall() == [
        ("ann@example.org", "sent")]
    db.close()
    assert sorted(p.name for p in tmp_path.iterdir() if "new" in p.name) == []


def test_without_create_a_missing_ledger_is_none(tmp_path):
    assert open_ledger(tmp_path, create=False) is None
    assert not (tmp_path / LEDGER_NAME).exists()


@pytest.mark.parametrize(("make", "why"), [
    (lambda path: path.write_bytes(b""), "the file is empty (0 bytes)"),
    (lambda path: _sqlite(path, "CREATE TABLE notes (text TEXT);"),
     "it is an SQLite database without a deliveries table, not a delivery ledger"),
    (lambda path: _sqlite(path, "CREATE TABLE deliveries (recipient TEXT);"
                                f"PRAGMA user_version = {SCHEMA_VERSION};"),
     f"it is not a delivery ledger of this program (schema {SCHEMA_VERSION}, missing columns:"
     " edition_sha256, address,"),
    (lambda path: _sqlite(path, f"{SCHEMA} PRAGMA user_version = {SCHEMA_VERSION + 1};"),
     f"it was written by a newer version of this program (schema {SCHEMA_VERSION + 1}; "
     f"this one reads {SCHEMA_VERSION}); upgrade it"),
])
@pytest.mark.parametrize("create", [True, False])
def test_a_ledger_that_is_not_ours_is_refused_and_left_alone(tmp_path, make, why, create):
    path = tmp_path / LEDGER_NAME
    make(path)
    before = path.read_bytes()
    with pytest.raises(DeliveryError) as caught:
        open_ledger(tmp_path, create=create)
    assert str(caught.value).startswith(f"{path}: {why}")
    assert "nothing was sent" in str(caught.value)
    assert path.read_bytes() == before


def test_garbage_is_refused(tmp_path):
    (tmp_path / LEDGER_NAME).write_bytes(b"not a database at all" * 100)
    with pytest.raises(DeliveryError, match=r"cannot open the delivery ledger \(file is not a "
                                            r"database\); nothing was sent"):
        open_ledger(tmp_path)


def test_a_ledger_from_before_versions_is_kept_and_stamped(tmp_path):
    _sqlite(tmp_path / LEDGER_NAME, SCHEMA)  # what earlier versions wrote: user_version 0
    _add_one(tmp_path)
    with open_ledger(tmp_path) as ledger:
        assert ledger.get(SHA, "ann@example.org").state == "sent"
        assert ledger.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_rows_are_read_by_column_name(tmp_path):
    """A ledger with its columns in another order, and one more at the end (as ALTER TABLE
    ADD COLUMN leaves it), reads the same rows."""
    reordered = ", ".join(reversed(COLUMNS))
    _sqlite(tmp_path / LEDGER_NAME,
            SCHEMA.replace("CREATE TABLE deliveries", "CREATE TABLE original")
            + f"CREATE TABLE deliveries AS SELECT {reordered} FROM original;"
            + "ALTER TABLE deliveries ADD COLUMN note TEXT DEFAULT 'later';"
            + f"PRAGMA user_version = {SCHEMA_VERSION};")
    with sqlite3.connect(tmp_path / LEDGER_NAME) as db:
        db.execute(f"INSERT INTO deliveries ({', '.join(COLUMNS)}) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, NULL, 'sent', 1, 250, '2.0.0 Ok', 't0', 't1', 't2')",
                   ROW)
    with open_ledger(tmp_path) as ledger:
        row = ledger.get(SHA, "ann@example.org")
        assert ledger.for_edition(SHA) == {"ann@example.org": row}
    assert (row.recipient, row.address, row.name, row.state, row.attempts, row.smtp_code,
            row.sent_at) == ("ann@example.org", "Ann@example.org", "Ann", "sent", 1, 250, "t2")
