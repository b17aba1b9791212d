"""`send --status`: the ledger read back for the current editions in an output folder."""

from __future__ import annotations

from pathlib import Path

from ..document.project import load_project
from ..output.manifest import recorded_editions
from ..store import sha256_file
from .ledger import PENDING, SENDING, SENT, open_ledger
from .recipients import read_recipients


def status_lines(data_path, *, out_dir, edition_path, recipients_path=None) -> list:
    """Who received the current editions in `out_dir` and when, who failed and why.

    `edition_path(briefing, out_dir, lang)` names an edition's file (the build stage's
    `output_path`: the mail stage does not import the build).
    """
    briefing, _labels = load_project(data_path)
    wanted = None
    if recipients_path is not None:
        wanted = read_recipients(recipients_path, editions=briefing.document.editions)
    ledger = open_ledger(out_dir, create=False)
    lines = []
    try:
        own = [(edition_path(briefing, out_dir, lang), lang)
               for lang in briefing.document.editions]
        for path, lang in dict.fromkeys(own + recorded_editions(out_dir)):  # + other briefings
            lines += _edition_status(path, lang, ledger, wanted)
    finally:
        if ledger is not None:
            ledger.close()
    return lines


def _edition_status(path: Path, lang, ledger, wanted) -> list:
    if not path.is_file():
        return [f"{path} ({lang}): not built yet"]
    sha = sha256_file(path)
    rows = ledger.for_edition(sha) if ledger is not None else {}
    people = [r for r in wanted.recipients if r.lang == lang] if wanted else None
    keys = [r.key for r in people] if people is not None else list(rows)
    sent = sum(1 for key in keys if key in rows and rows[key].state == SENT)
    lines = [f"{path} ({lang}, sha256 {sha[:12]}): {sent} of {len(keys)} sent"]
    width = max((len(key) for key in keys), default=0)
    for key in keys:
        row = rows.get(key)
        if row is None:
            lines.append(f"  {'not sent':<17} {'-':<20}  {key}")
            continue
        when = row.sent_at if row.state == SENT else row.updated_at
        lines.append(f"  {row.state:<17} {when:<20}  {row.address:<{width}}  "
                     f"{_status_detail(row)}")
    return lines


def _status_detail(row) -> str:
    if row.state == SENT:
        return row.message_id
    if row.state == PENDING:
        return "not attempted yet"
    if row.state == SENDING:
        return "in flight when a run stopped: sent again (same Message-ID) on the next run"
    return f"{reply_text(row)} ({row.attempts} attempt{'s' if row.attempts != 1 else ''})"


def reply_text(row) -> str:
    """The server's code and reply recorded in a ledger row, or '-'."""
    return " ".join(str(part) for part in (row.smtp_code, row.smtp_reply) if part) or "-"
