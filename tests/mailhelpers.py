"""Helpers shared by the send tests (test_deliver.py, test_send_cli.py, test_ledger.py):
copies of the built editions, recipients files, and the ledger read back."""

from __future__ import annotations

import shutil
from pathlib import Path

from report.mail.ledger import open_ledger
from report.store import sha256_file

LANGS = ("en", "az")


def copy_editions(editions: Path, tmp_path: Path) -> Path:
    """A private copy of the session's built editions, for a test to send from."""
    copy = tmp_path / "out"
    shutil.copytree(editions, copy)
    return copy


def write_recipients(folder: Path, rows, header: str = "email,name,lang") -> Path:
    """`folder/recipients.csv` with `header` and `rows` (lines of CSV text)."""
    path = folder / "recipients.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def people(count: int) -> list:
    """`count` CSV rows, person00@example.org ..., alternately az and en."""
    return [f"person{i:02d}@example.org,Person {i},{'en' if i % 2 else 'az'}"
            for i in range(count)]


def ledger_rows(out: Path, langs=LANGS, name: str = "briefing") -> dict:
    """{recipient: Delivery} of the current editions `out/<name>-<lang>.pdf`."""
    rows = {}
    with open_ledger(out) as ledger:
        for lang in langs:
            rows |= ledger.for_edition(sha256_file(out / f"{name}-{lang}.pdf"))
    return rows


def manifest_with_changes(record, *, name: str = "b", langs=("en",)) -> dict:
    """A manifest (format 2) whose editions of `name` carry the change `record`."""
    editions = {}
    for lang in langs:
        editions[f"{name}-{lang}"] = {
            "name": name, "lang": lang, "file": f"{name}-{lang}.pdf", "sha256": "0" * 64,
            "bytes": 1, "pages": 1, "fingerprint": "0" * 64, "reference_date": "2024",
            "generator": "test", "built_at": "2024-01-01T00:00:00+00:00", "changes": record}
    return {"format": 2, "editions": editions, "archive": []}
