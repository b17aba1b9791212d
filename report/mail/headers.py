"""Mail headers: names and text from the recipients file, the environment and data.yaml ->
header lines that every parser reads back as they were written.

Address headers are built from `email.headerregistry.Address` objects, never by formatting
strings, so that a name is always one display name. Non-ASCII text (a Subject, a display
name) is folded here rather than by the standard library's folder, which in Python 3.11
drops the space between two encoded words split across lines ("Əliyev Azərbaycan" arrives
as "ƏliyevAzərbaycan"): each encoded word carries its own spaces, so the white space between
them is only folding. `name_problem` tells the recipients check, before anything is sent,
whether a name would be refused or changed.
"""

from __future__ import annotations

import email
import email.errors
import re
from email import policy
from email.header import Header, decode_header, make_header
from email.headerregistry import Address
from email.policy import EmailPolicy
from email.utils import getaddresses

MAX_NAME = 128  # characters in a recipient's name
MAX_LINE = 998  # octets in a header line (RFC 5322 2.1.1)
FOLD_AT = 78  # where lines are folded (RFC 5322: SHOULD)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')  # RFC 5322 specials: a name with one is tried
_TEXT_HEADERS = {"subject"}
_ADDRESS_HEADERS = {"from", "to", "reply-to"}


class FoldingPolicy(EmailPolicy):
    """policy.SMTP, with non-ASCII Subject and address headers folded as RFC 2047 says."""

    def fold(self, name, value):
        return self._fold_text(name, value) or super().fold(name, value)

    def fold_binary(self, name, value):
        folded = self._fold_text(name, value)
        return folded.encode("ascii") if folded else super().fold_binary(name, value)

    def _fold_text(self, name, value) -> str | None:
        key = name.lower()
        if key in _ADDRESS_HEADERS and hasattr(value, "addresses"):
            if all(a.display_name.isascii() for a in value.addresses):
                return None
            body = fold_addresses(name, value.addresses, linesep=self.linesep)
        elif key in _TEXT_HEADERS and not str(value).isascii():
            body = _encode(name, str(value), linesep=self.linesep)
        else:
            return None
        return f"{name}: {body}{self.linesep}"


MIME_POLICY = FoldingPolicy(linesep="\r\n")  # as policy.SMTP: CRLF, folded and encoded


def fold_addresses(name: str, addresses, *, linesep: str) -> str:
    """`Name <addr>, ...` with each non-ASCII name one run of encoded words."""
    parts = []
    for address in addresses:
        if address.display_name.isascii():
            parts.append(str(address))  # quoted as needed by the header registry
            continue
        phrase = _encode(name, address.display_name, linesep=linesep)
        last = f"{name}: {phrase}".rsplit(linesep, 1)[-1]
        joint = " " if len(last) + len(address.addr_spec) + 3 <= FOLD_AT else f"{linesep} "
        parts.append(f"{phrase}{joint}<{address.addr_spec}>")
    return f",{linesep} ".join(parts)


def _encode(name: str, text: str, *, linesep: str) -> str:
    return Header(text, "utf-8", header_name=name).encode(linesep=linesep, maxlinelen=FOLD_AT)


def to_header(name: str, addr: str) -> Address:
    """The To address of one recipient."""
    return Address(display_name=name, addr_spec=addr)


def name_problem(name: str, addr: str) -> str | None:
    """Why `name` cannot be the display name of the address `addr` (valid) in a To header:
    too long, a control character, an encoded word, or anything that the header builder
    refuses or that does not parse back (strict and compat32 parsers) as this one address.
    White space is checked as `clean_name` leaves it."""
    if len(name) > MAX_NAME:
        return f"{len(name)} characters; shorten it to at most {MAX_NAME}"
    if _CONTROL.search(name):
        return "contains a line break or control character"
    if "=?" in name:
        return "looks like an encoded word ('=?'); write the name as plain text"
    name = clean_name(name)
    if not _SPECIALS.search(name):
        return None  # words only: one atom run or one run of encoded words, nothing to check
    try:
        header = MIME_POLICY.header_store_parse("To", to_header(name, addr))[1]
        line = MIME_POLICY.fold_binary("To", header)
    except (ValueError, email.errors.MessageError) as exc:
        return f"cannot be written in a mail header ({exc})"
    strict, compat = parse_addresses(b"To: " + line.split(b":", 1)[1], "To")
    if (squeeze(strict) != squeeze([(name, addr)]) or compat != [(name, addr)]
            or has_long_line(line)):
        return "does not stay one name in a mail header; leave out quotes and brackets"
    return None


def clean_name(name: str) -> str:
    """A name as it is sent: runs of white space as one space (headers keep no more)."""
    return " ".join(name.split())


def parse_addresses(data: bytes, header: str) -> tuple:
    """([(name, address)], [(name, address)]) of `header` in `data` (a message, or header
    lines), as the strict (policy.default) and the compat32 parser read it."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    value = _header_value(head, header)
    strict = policy.default.header_factory(header, value)
    return ([(a.display_name, a.addr_spec) for a in strict.addresses],
            [(str(make_header(decode_header(name))), addr)
             for name, addr in getaddresses([value])])


def _header_value(head: str, header: str) -> str:
    """The unfolded value of the first `header` field in the header block `head`."""
    unfolded = re.sub(r"\r\n(?=[ \t])", "", head)
    for line in unfolded.split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == header.lower():
            return value.strip()
    raise KeyError(header)


def squeeze(pairs) -> list:
    """(name, address) pairs with the names' white space left out: the strict parser puts a
    space between adjacent encoded words where RFC 2047 says there is none."""
    return [("".join(name.split()), addr) for name, addr in pairs]


def has_long_line(data: bytes) -> bool:
    """Whether a header line of the message `data` is over MAX_LINE octets."""
    head = data.split(b"\r\n\r\n", 1)[0]
    return any(len(line) > MAX_LINE for line in head.split(b"\r\n"))
