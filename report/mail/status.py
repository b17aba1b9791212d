"""`send --status`: the ledger read back for the current editions in an output folder.

One block per edition (every output of the briefing, in every language, then the other
editions the manifest records); with a recipients file, each recipient is listed under the
edition of their layout and language, so the file name says which layout they get."""

from __future__ import annotations

from pathlib import Path

from ..document.project import load_project
from ..output.manifest import recorded_editions
from ..store import sha256_file
from .ledger import PENDING, SENDING, SENT, open_ledger
from .recipients import read_recipients


def status_lines(data_path, *, out_dir, edition_path, recipients_path=None,
                 project=None) -> list:
    """Who received the current editions in `out_dir` and when, who failed and why.

    `edition_path(briefing, out_dir, lang, name=output)` names an edition's file (the build
    stage's `output_path`: the mail stage does not import the build). `project` is the
    (briefing, labels) the caller has validated (None: load `data_path`).
    """
    briefing, _labels = project or load_project(data_path)
    doc = briefing.document
    wanted = None
    if recipients_path is not None:
        wanted = read_recipients(recipients_path, editions=doc.editions, outputs=doc.outputs)
    ledger = open_ledger(out_dir, create=False, write=False)
    lines = []
    try:
        opted_out = ledger.suppressions() if ledger is not None else {}
        editions = {edition_path(briefing, out_dir, lang, name=output.name): (output.name, lang)
                    for output in doc.outputs for lang in doc.editions}
        for path, lang in recorded_editions(out_dir):  # other briefings' in the same folder
            editions.setdefault(path, (None, lang))
        for path, (output, lang) in editions.items():
            lines += _edition_status(path, (output, lang), ledger, wanted, opted_out)
        lines += _suppression_status(opted_out)
    finally:
        if ledger is not None:
            ledger.close()
    return lines


def _suppression_status(opted_out: dict) -> list:
    if not opted_out:
        return ["suppression list: empty"]
    lines = [f"suppression list: {len(opted_out)} address"
             f"{'es' if len(opted_out) != 1 else ''} opted out, never sent to"]
    width = max(len(s.address) for s in opted_out.values())
    return lines + [f"  {'opted out':<17} {s.created_at:<20}  {s.address:<{width}}  "
                    f"({s.source})" for s in opted_out.values()]


def _edition_status(path: Path, edition, ledger, wanted, opted_out) -> list:
    """The block of one edition: (output name or None for another briefing's, lang)."""
    output, lang = edition
    if not path.is_file():
        return [f"{path} ({lang}): not built yet"]
    sha = sha256_file(path)
    rows = ledger.for_edition(sha) if ledger is not None else {}
    people = [r for r in wanted.recipients if r.lang == lang
              and output in (None, r.layout)] if wanted else None
    keys = [r.key for r in people] if people is not None else list(rows)
    sent = sum(1 for key in keys if key in rows and rows[key].state == SENT)
    skipped = sum(1 for key in keys if key in opted_out
                  and not (key in rows and rows[key].state == SENT))
    lines = [f"{path} ({lang}, sha256 {sha[:12]}): {sent} of {len(keys) - skipped} sent"
             + (f", {skipped} opted out" if skipped else "")]
    width = max((len(key) for key in keys), default=0)
    for key in keys:
        row = rows.get(key)
        if key in opted_out and (row is None or row.state != SENT):
            lines.append(f"  {'opted out':<17} {opted_out[key].created_at:<20}  "
                         f"{opted_out[key].address:<{width}}  not sent: opted out")
            continue
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
