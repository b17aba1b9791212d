"""Before the first message goes: every message of the run built and read back -> the
problems of each (size, headers, pictures, attachment), so that a message that would fail
is reported with its row of the recipients file and the others still go.

The attachment is compared with the sha256 that OUT/manifest.json records for the edition:
the file mailed is the file the build stage says it wrote.
"""

from __future__ import annotations

import email
import hashlib
import re
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

from ..output.manifest import peek_manifest
from .message import MessageError

REQUIRED = ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe")
_CID = re.compile(r'src="cid:([^"]+)"')


def manifest_sha256(out_dir: Path) -> dict:
    """{edition key ('briefing-en'): sha256} of the editions OUT/manifest.json records ({}
    without a usable one)."""
    editions = peek_manifest(Path(out_dir)).get("editions", {})
    return {key: entry.get("sha256") for key, entry in editions.items()}


def check_message(composer, recipient, *, msg_id: str, date, limit: int,
                  expected_sha256: str) -> bytes:
    """The message's bytes if it can go; MessageError naming the first problem if not."""
    data = composer.message_bytes(recipient, msg_id=msg_id, date=date)
    problem = (size_problem(data, limit)
               or header_problem(data, recipient, one_click=bool(composer.opt_out.url))
               or content_problem(data, expected_sha256))
    if problem:
        raise MessageError(recipient.email, problem, what="would not go")
    return data


def size_problem(data: bytes, limit: int) -> str | None:
    if len(data) <= limit:
        return None
    return (f"the message is {len(data) / 1e6:.1f} MB after encoding, over the "
            f"{limit / 1e6:.1f} MB limit (MAIL_MAX_BYTES); make the PDF smaller, or raise "
            "MAIL_MAX_BYTES if the mail server accepts larger messages")


def header_problem(data: bytes, recipient, *, one_click: bool) -> str | None:
    """A header missing, unreadable or addressed to somebody else (the header block read
    back as a mail client's strict parser reads it)."""
    head = data.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    message = BytesHeaderParser(policy=policy.default).parsebytes(head)
    missing = [name for name in REQUIRED if message[name] is None]
    if missing:
        return f"the message has no {', '.join(missing)} header"
    for name in ("From", "To", "Subject"):
        if message[name].defects:
            return f"the {name} header does not read back: {message[name].defects[0]}"
    to = [a.addr_spec.lower() for a in message["To"].addresses]
    if to != [recipient.key]:
        return f"the To header reads back as {', '.join(to) or 'nobody'}"
    if (message["List-Unsubscribe-Post"] is not None) != one_click:
        return "List-Unsubscribe-Post does not match MAIL_UNSUBSCRIBE_URL"
    return None


def content_problem(data: bytes, expected_sha256: str) -> str | None:
    """The HTML's pictures missing, or the attachment missing or not the edition built."""
    parts = list(email.message_from_bytes(data, policy=policy.compat32).walk())
    cids = {str(p["Content-ID"]).strip("<>") for p in parts if p["Content-ID"]}
    html = [p for p in parts if p.get_content_type() == "text/html"]
    wanted = set(_CID.findall(html[0].get_payload(decode=True).decode())) if html else set()
    if wanted - cids:
        return f"the HTML shows pictures that are not in the message: {sorted(wanted - cids)}"
    pdfs = [p for p in parts if p.get_content_type() == "application/pdf"
            and p.get_content_disposition() == "attachment"]
    if len(pdfs) != 1:
        return f"the message has {len(pdfs)} PDF attachments, not 1"
    found = hashlib.sha256(pdfs[0].get_payload(decode=True)).hexdigest()
    if found != expected_sha256:
        return (f"the attached PDF (sha256 {found[:12]}) is not the edition in the manifest "
                f"(sha256 {expected_sha256[:12]}); build again, then send")
    return None
