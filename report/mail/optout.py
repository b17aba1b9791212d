"""Opting out: the environment -> where a recipient writes (or clicks) to stop the mail; a
recipient -> their token and the List-Unsubscribe headers; a file gathered by the mailbox
-> the addresses to suppress.

Every message carries `List-Unsubscribe: <mailto:ADDRESS?subject=unsubscribe%20TOKEN>`
(MAIL_UNSUBSCRIBE_TO, by default the Reply-To or From address). With MAIL_UNSUBSCRIBE_URL
(https only) the URL, with the token, comes first and `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` is added (RFC 8058); without it there is no Post header, since a
one-click request needs something to receive it.

A token is an HMAC of the recipient's address with the ledger's secret: it names one
recipient without showing the address, and nobody can make one for somebody else.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..errors import DataError
from .recipients import address_problem

TOKEN_LENGTH = 20  # hex digits of the HMAC
_TOKEN = re.compile(rf"\b[0-9a-f]{{{TOKEN_LENGTH}}}\b")


@dataclass(frozen=True)
class OptOut:
    """Where opting out goes: a mail address, and an HTTPS URL for one-click (or None)."""

    mailto: str
    url: str | None = None

    def headers(self, token: str) -> dict:
        """The List-Unsubscribe header (and List-Unsubscribe-Post with a URL) for `token`."""
        mailto = f"<mailto:{self.mailto}?subject={quote('unsubscribe ' + token)}>"
        if not self.url:
            return {"List-Unsubscribe": mailto}
        return {"List-Unsubscribe": f"<{self.link(token)}>, {mailto}",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}

    def link(self, token: str) -> str:
        """The URL a reader opens (or a mail client posts to), or the mailto: link."""
        if not self.url:
            return f"mailto:{self.mailto}?subject={quote('unsubscribe ' + token)}"
        if "{token}" in self.url:
            return self.url.replace("{token}", token)
        return f"{self.url}{'&' if '?' in self.url else '?'}token={token}"


def make_token(secret: bytes, key: str) -> str:
    """The opt-out token of the recipient `key` (the address, lower case)."""
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()[:TOKEN_LENGTH]


def url_problem(url: str) -> str | None:
    """Why `url` cannot be the one-click unsubscribe URL, or None."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return f"{url!r} is not an https:// URL (RFC 8058 asks for HTTPS)"
    if any(ch.isspace() or ch in '<>"' for ch in url) or not url.isascii():
        return f"{url!r} has spaces, quotes, angle brackets or non-ASCII characters"
    return None


def read_unsubscribes(path) -> list:
    """[(line, address or None, token or None)] from a file gathered by the mailbox: one
    address or token per line (e.g. the Subject "unsubscribe 0123...": the token is found in
    it), blank lines and lines starting with # skipped. DataError lists every line that holds
    neither."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError([f"{where}:1: cannot read the file: {exc}"]) from None
    found, problems = [], []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word = line.strip("<>").removeprefix("mailto:")
        if "@" in word and " " not in word:
            problem = address_problem(word)
            if problem:
                problems.append(f"{where}:{number}: {problem}")
            else:
                found.append((number, word, None))
        elif match := _TOKEN.search(line.lower()):
            found.append((number, None, match.group()))
        else:
            problems.append(f"{where}:{number}: neither an address nor an opt-out token: "
                            f"{line[:60]!r}")
    if problems:
        raise DataError(problems)
    return found
