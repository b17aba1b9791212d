"""An edition and a recipient -> the email that carries it: plain text, HTML, the PDF attached.

Every message goes to one recipient only. Subject and body come from data.yaml's `email:`
block in the recipient's language, with the headline figures, the reference date and a line
on the attachment. The Message-ID is derived from the edition's sha256 and the recipient, so
a resend of the same edition to the same person carries the same id.

Headers are built and folded by headers.py (names as `Address` objects, never formatted
into strings). `Composer.message_bytes` turns any failure to build one message into a
MessageError, so that the others are still sent.
"""

from __future__ import annotations

import email.errors
import hashlib
import html
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from babel.numbers import format_percent

from ..document import i18n
from ..document.inline import format_inline
from ..errors import DeliveryError
from ..store import sha256_bytes
from .headers import MAX_LINE, MIME_POLICY, has_long_line, to_header


class MessageError(DeliveryError):
    """One recipient's message cannot be built; the others can still be sent."""

    def __init__(self, address: str, reason: str):
        self.reason = f"cannot build the message: {reason}"
        super().__init__(f"{address}: {self.reason}")


@dataclass(frozen=True)
class Letter:
    """What every message of one edition says, in its language."""

    lang: str
    subject: str
    paragraphs: tuple
    figures_title: str
    figures: tuple  # of (label, value)
    reference: str  # "Reference date: September 2025"
    attachment: str  # "Attached: briefing-en-2025-09.pdf — ..."
    filename: str
    pdf: bytes
    greeting: str  # with a {name} slot
    colour: str
    since: str = ""  # "Since the last edition: ..."; empty for a first edition


def message_id(edition_sha256: str, recipient_key: str, domain: str) -> str:
    """`<edition prefix.recipient hash@domain>`: the same for the same edition and person."""
    person = hashlib.sha256(f"{edition_sha256}\0{recipient_key}".encode()).hexdigest()
    return f"<briefing.{edition_sha256[:16]}.{person[:24]}@{domain}>"


def to_bytes(message: EmailMessage) -> bytes:
    """The message as it goes over SMTP (and into an .eml file), base64 and all."""
    return message.as_bytes(policy=MIME_POLICY)


class Composer:
    """Builds the message for each recipient; reads each edition's PDF once."""

    def __init__(self, briefing, labels, editions, *, sender: Address,
                 reply_to: Address | None = None):
        self.briefing = briefing
        self.labels = labels
        self.editions = {edition.lang: edition for edition in editions}
        self.sender = sender
        self.reply_to = reply_to
        self._letters = {}

    def letter(self, lang: str) -> Letter:
        if lang not in self._letters:
            self._letters[lang] = make_letter(self.briefing, self.labels[lang],
                                              self.editions[lang])
        return self._letters[lang]

    def message_bytes(self, recipient, *, msg_id: str, date) -> bytes:
        """The encoded message for `recipient`; MessageError if it cannot be built."""
        try:
            data = to_bytes(self.compose(recipient, msg_id=msg_id, date=date))
        except (ValueError, email.errors.MessageError) as exc:
            raise MessageError(recipient.email, str(exc)) from None
        if has_long_line(data):
            raise MessageError(recipient.email, f"a header line is longer than {MAX_LINE} "
                                                "octets")
        return data

    def compose(self, recipient, *, msg_id: str, date) -> EmailMessage:
        """The message for `recipient` (`email`, `name`, `lang`), dated `date` (aware)."""
        letter = self.letter(recipient.lang)
        message = EmailMessage(policy=MIME_POLICY)
        message["From"] = self.sender
        message["To"] = to_header(recipient.name, recipient.email)
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        message["Subject"] = letter.subject
        message["Date"] = format_datetime(date)
        message["Message-ID"] = msg_id
        message.set_content(plain_text(letter, recipient.name), cte="quoted-printable")
        message.add_alternative(html_text(letter, recipient.name), subtype="html",
                                cte="quoted-printable")
        message.add_attachment(letter.pdf, maintype="application", subtype="pdf",
                               filename=letter.filename)
        message["Content-Language"] = letter.lang  # after the parts: set_content clears it
        tag = hashlib.sha256(msg_id.encode()).hexdigest()[:20]
        for number, part in enumerate(p for p in message.walk() if p.is_multipart()):
            part.set_boundary(f"=_{tag}_{number}")
        return message


def send_needs(briefing) -> list[str]:
    """What `send` needs from the data file and does not find there, one line each."""
    if briefing.email is None:
        return [f"{briefing.path}:1: email: no 'email:' block; send needs one (the subject "
                "and body of the message, in every edition): add it, see docs/reference.md"]
    return []


def make_letter(briefing, labels, edition) -> Letter:
    """The shared part of an edition's messages; checks the PDF is the edition built."""
    lang = edition.lang
    pdf = edition.path.read_bytes()
    if sha256_bytes(pdf) != edition.sha256:
        raise DeliveryError(f"{edition.path}: changed while sending (another build?); "
                            "run send again")
    doc, block = briefing.document, briefing.email
    by_id = {**briefing.figures_by_id(),  # the declared figures win over sections' copies
             **{fid: d.as_figure() for fid, d in briefing.figures.items() if d.label}}
    headline = block.headline if block else ()
    filename = f"{doc.output_name}-{lang}-{doc.reference_date.iso()}.pdf"
    size = labels.fill("megabytes", value=i18n.number(len(pdf) / 1e6, lang, 1))
    return Letter(
        lang=lang,
        # the title may run over lines on the cover; a Subject is one line
        subject=block.subject[lang] if block else " ".join(doc.title[lang].split()),
        paragraphs=tuple(i18n.para(p, lang) for p in (block.body if block else ())),
        figures_title=labels["cover_figures"],
        figures=tuple(_figure_line(by_id[fid], lang) for fid in headline if fid in by_id),
        reference=f"{labels['reference_date']}: {i18n.date(doc.reference_date, lang)}",
        attachment=labels.fill("email_attachment", file=filename, title=doc.title[lang],
                               edition=labels["edition"], size=size),
        filename=filename, pdf=pdf, greeting=labels["email_greeting"],
        colour=briefing.brand.colors.get("primary", "#000000"),
        since=since_last_edition(briefing, labels, getattr(edition, "changes", None)))


def since_last_edition(briefing, labels, record) -> str:
    """'Since the last edition: Refugees 8,087 → 8,210 (+1.5%).' in the labels' language."""
    from ..output.changes import changes_from_record

    if not isinstance(record, dict) or record.get("first", True):
        return ""
    changes = changes_from_record(record)
    if not changes:
        return labels["since_last_edition_none"]
    items = "; ".join(_change_words(briefing.figures.get(c.id), c, labels.lang)
                      for c in changes)
    return labels.fill("since_last_edition", items=items)


def _change_words(fig, change, lang) -> str:
    label = fig.label[lang] if fig is not None and fig.label else change.id
    decimals = fig.decimals if fig is not None else 0

    def show(value):
        return "–" if value is None else i18n.number(value, lang, decimals)

    move = "" if change.percent is None else " (" + format_percent(
        change.percent / 100, format="+#,##0.0%;-#,##0.0%", locale=lang) + ")"
    return f"{label} {show(change.old)} → {show(change.new)}{move}"


def _figure_line(fig, lang) -> tuple:
    value = i18n.figure(fig, lang)
    if fig.unit:
        value = f"{value} {fig.unit[lang]}"
    if fig.as_of:
        value = f"{value} ({fig.as_of[lang]})"
    return fig.label[lang], value


def plain_text(letter: Letter, name: str) -> str:
    blocks = [letter.greeting.format(name=name)] if name else []
    blocks += list(letter.paragraphs) + ([letter.since] if letter.since else [])
    if letter.figures:
        lines = [f"{letter.figures_title}:"]
        lines += [f"- {label}: {value}" for label, value in letter.figures]
        blocks.append("\n".join(lines))
    blocks += [letter.reference, letter.attachment]
    return "\n\n".join(blocks) + "\n"


def html_text(letter: Letter, name: str) -> str:
    esc = html.escape
    parts = [f"<p>{esc(letter.greeting.format(name=name))}</p>"] if name else []
    parts += [f"<p>{format_inline(text)}</p>" for text in letter.paragraphs]  # bold, links
    parts += [f"<p>{esc(letter.since)}</p>"] if letter.since else []
    if letter.figures:
        rows = "".join(f'<tr><th scope="row" style="text-align:left;padding:2px 12px 2px 0;'
                       f'font-weight:normal">{esc(label)}</th><td style="text-align:right;'
                       f'font-weight:bold">{esc(value)}</td></tr>'
                       for label, value in letter.figures)
        parts.append(f'<h2 style="font-size:1.1em;color:{esc(letter.colour)}">'
                     f"{esc(letter.figures_title)}</h2><table>{rows}</table>")
    parts += [f"<p>{esc(letter.reference)}</p>", f"<p>{esc(letter.attachment)}</p>"]
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="{esc(letter.lang)}"><head><meta charset="utf-8">'
            f"<title>{esc(letter.subject)}</title></head>\n"
            f'<body style="font-family:Lato,Arial,sans-serif;color:#1b1b1b">\n{body}\n'
            "</body></html>\n")
