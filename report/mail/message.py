"""An edition and a recipient -> the email that carries it: plain text, HTML with the logo
and the cover inline, the PDF attached.

Every message goes to one recipient only. Subject, body and sign-off come from data.yaml's
`email:` block in the recipient's language, the other words from templates/labels.yaml;
layout.py writes the two bodies. The Message-ID is derived from the edition's sha256 and the
recipient, so a resend of the same edition to the same person carries the same id; the
pictures' Content-IDs from the edition alone.

Headers are built and folded by headers.py (names as `Address` objects, never formatted
into strings). `Composer.message_bytes` turns any failure to build one message into a
MessageError, so that the others are still sent.
"""

from __future__ import annotations

import email.errors
import hashlib
import secrets
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from babel.numbers import format_percent

from ..document import i18n
from ..errors import DeliveryError
from ..store import sha256_bytes
from .headers import MAX_LINE, MIME_POLICY, has_long_line, to_header
from .images import InlineImage, cover_thumbnail, logo_image
from .layout import html_text, plain_text
from .optout import OptOut, make_token


class MessageError(DeliveryError):
    """One recipient's message cannot be built; the others can still be sent."""

    def __init__(self, address: str, reason: str, *, what: str = "cannot build the message"):
        self.reason = f"{what}: {reason}"
        super().__init__(f"{address}: {self.reason}")


@dataclass(frozen=True)
class FigureLine:
    """A headline figure as the cover band prints it."""

    value: str  # "657,749"
    unit: str  # "" or "million US dollars"
    label: str
    as_of: str  # "" or "mid-2024"

    @property
    def text(self) -> str:
        """'657,749 (mid-2024)': the value, unit and date on one line."""
        text = f"{self.value} {self.unit}" if self.unit else self.value
        return f"{text} ({self.as_of})" if self.as_of else text


@dataclass(frozen=True)
class Letter:
    """What every message of one edition says, in its language."""

    lang: str
    subject: str
    brand: str
    colours: dict  # the brand's roles: primary, secondary, accent, text, muted, tint
    font_family: str
    greeting: str  # with a {name} slot
    greeting_neutral: str  # "Dear colleague,"
    paragraphs: tuple
    figures_title: str
    figures: tuple  # of FigureLine
    figures_as_of: str  # "Figures as of September 2025"
    attachment: str  # "Attached: briefing-en-2025-09.pdf, ... (PDF, 101 KB)."
    closing: tuple  # sign-off, name, then role and contact if given
    opt_out_mail: str  # with {address} and {token} slots
    opt_out_web: str  # with a {url} slot
    filename: str
    pdf: bytes
    sha256: str
    cover: InlineImage
    cover_alt: str
    logo: InlineImage | None
    since: str = ""  # "Since the last edition: ..."; empty for a first edition


def message_id(edition_sha256: str, recipient_key: str, domain: str) -> str:
    """`<edition prefix.recipient hash@domain>`: the same for the same edition and person."""
    person = hashlib.sha256(f"{edition_sha256}\0{recipient_key}".encode()).hexdigest()
    return f"<briefing.{edition_sha256[:16]}.{person[:24]}@{domain}>"


def to_bytes(message: EmailMessage) -> bytes:
    """The message as it goes over SMTP (and into an .eml file), base64 and all."""
    return message.as_bytes(policy=MIME_POLICY)


class Composer:
    """Builds the message for each recipient; reads each edition's PDF once.

    `opt_out` says where opting out goes (default: the sender's address); `secret` makes the
    recipients' opt-out tokens (the ledger's; default: one for this Composer only);
    `logo_png` is the brand's logo drawn as PNG (None: the brand name alone).
    """

    def __init__(self, briefing, labels, editions, *, sender: Address,
                 reply_to: Address | None = None, opt_out: OptOut | None = None,
                 secret: bytes | None = None, logo_png: bytes | None = None):
        self.briefing = briefing
        self.labels = labels
        # (output name, lang) -> the edition; the first output is the one sent by default
        self.editions = {(_output_of(edition), edition.lang): edition for edition in editions}
        self.default_output = briefing.document.output_name
        self.sender = sender
        self.reply_to = reply_to
        self.opt_out = opt_out or OptOut((reply_to or sender).addr_spec)
        self.secret = secret or secrets.token_bytes(32)
        self.logo_png = logo_png
        self.domain = sender.addr_spec.rpartition("@")[2]
        self._letters = {}

    def edition_for(self, recipient):
        """The edition `recipient` is sent: their layout (an output's name; default the
        first output) in their language."""
        return self.editions[(recipient.layout or self.default_output, recipient.lang)]

    def letter(self, recipient) -> Letter:
        """What the messages of the recipient's edition say."""
        edition = self.edition_for(recipient)
        if edition.path not in self._letters:
            self._letters[edition.path] = make_letter(
                self.briefing, self.labels[edition.lang], edition, domain=self.domain,
                logo_png=self.logo_png)
        return self._letters[edition.path]

    def token(self, recipient) -> str:
        """The recipient's opt-out token."""
        return make_token(self.secret, recipient.key)

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
        letter = self.letter(recipient)
        token = self.token(recipient)
        message = EmailMessage(policy=MIME_POLICY)
        message["From"] = self.sender
        message["To"] = to_header(recipient.name, recipient.email)
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        message["Subject"] = letter.subject
        message["Date"] = format_datetime(date)
        message["Message-ID"] = msg_id
        for name, value in self.opt_out.headers(token).items():
            message[name] = value
        _add_bodies(message, letter, recipient.name, opt_out=self.opt_out, token=token)
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


def _output_of(edition) -> str:
    """The output an edition was built for (document.outputs' name; default: briefing)."""
    return getattr(edition, "output", None) or "briefing"


def layout_of(briefing, edition) -> str:
    """The layout (`briefing`, `handout`) of the output an edition was built for."""
    name = _output_of(edition)
    return next((o.layout for o in briefing.document.outputs if o.name == name), "briefing")


def layout_label(labels, key: str, layout: str) -> str:
    """The label `key` as the layout says it: `<key>_<layout>` where labels.yaml has one
    (`email_subject_handout`), else `key` itself."""
    return labels.words.get(f"{key}_{layout}") or labels[key]


def _add_bodies(message, letter, name, *, opt_out, token) -> None:
    """text/plain, then text/html with its pictures (multipart/related)."""
    message.set_content(plain_text(letter, name, opt_out=opt_out, token=token),
                        cte="quoted-printable")
    message.add_alternative(html_text(letter, name, opt_out=opt_out, token=token),
                            subtype="html", cte="quoted-printable")
    html_part = message.get_payload()[1]
    for image in (letter.logo, letter.cover):
        if image is not None:
            html_part.add_related(image.data, maintype="image", subtype=image.subtype,
                                  cid=f"<{image.cid}>", disposition="inline",
                                  filename=f"{image.cid.partition('.')[0]}.{image.subtype}")


def make_letter(briefing, labels, edition, *, domain: str, logo_png=None) -> Letter:
    """The shared part of an edition's messages; checks the PDF is the edition built."""
    lang = edition.lang
    pdf = edition.path.read_bytes()
    if sha256_bytes(pdf) != edition.sha256:
        raise DeliveryError(f"{edition.path}: changed while sending (another build?); "
                            "run send again")
    doc, block, brand = briefing.document, briefing.email, briefing.brand
    by_id = {**briefing.figures_by_id(),  # the declared figures win over sections' copies
             **{fid: d.as_figure() for fid, d in briefing.figures.items() if d.label}}
    headline = block.headline if block else ()
    filename = f"{_output_of(edition)}-{lang}-{doc.reference_date.iso()}.pdf"
    tag = edition.sha256[:16]
    layout = layout_of(briefing, edition)

    def said(key, **values):  # the label as this edition's layout says it
        return layout_label(labels, key, layout).format(**values)

    return Letter(
        lang=lang,
        # the title may run over lines on the cover; a Subject is one line
        subject=said("email_subject", subject=block.subject[lang] if block else
                     " ".join(doc.title[lang].split())),
        brand=brand.name[lang], colours=_colours(brand.colors),
        font_family=brand.font_family,
        greeting=labels["email_greeting"], greeting_neutral=labels["email_greeting_neutral"],
        paragraphs=tuple(i18n.para(p, lang) for p in (block.body if block else ())),
        figures_title=labels["cover_figures"],
        figures=tuple(_figure_line(by_id[fid], lang) for fid in headline if fid in by_id),
        figures_as_of=labels.fill("figures_as_of", date=i18n.date(doc.reference_date, lang)),
        attachment=said("email_attachment", file=filename, title=doc.title[lang],
                        edition=labels["edition"], size=human_size(len(pdf), lang, labels)),
        closing=_closing_lines(block.closing if block else None, lang),
        opt_out_mail=labels["email_opt_out_mail"], opt_out_web=labels["email_opt_out_web"],
        filename=filename, pdf=pdf, sha256=edition.sha256,
        cover=cover_thumbnail(pdf, cid=f"cover.{tag}.{lang}@{domain}"),
        cover_alt=said("email_cover_alt"),
        logo=logo_image(logo_png, cid=f"logo.{tag}@{domain}") if logo_png else None,
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


_DEFAULT_COLOURS = {"primary": "#0b2545", "secondary": "#1f5fa8", "accent": "#e69f00",
                    "text": "#1b1b1b", "muted": "#5a6472", "tint": "#e8eef6"}


def _colours(colors) -> dict:
    return {role: colors.get(role, default) for role, default in _DEFAULT_COLOURS.items()}


def _closing_lines(closing, lang) -> tuple:
    if closing is None:
        return ()
    parts = (closing.sign_off, closing.name, closing.role, closing.contact)
    return tuple(part[lang] for part in parts if part is not None)


def human_size(size: int, lang: str, labels) -> str:
    """A file size as a reader says it, in the language's digits: '96 KB', '1.2 MB'
    ('1,2 MB' in Azerbaijani); 1 KB is 1000 bytes, as in MAIL_MAX_BYTES."""
    if size < 999_500:
        return labels.fill("kilobytes", value=i18n.number(max(1, round(size / 1e3)), lang))
    decimals = 1 if size < 9_950_000 else 0
    return labels.fill("megabytes", value=i18n.number(size / 1e6, lang, decimals))


def _figure_line(fig, lang) -> FigureLine:
    return FigureLine(value=i18n.figure(fig, lang), unit=fig.unit[lang] if fig.unit else "",
                      label=fig.label[lang], as_of=fig.as_of[lang] if fig.as_of else "")
