"""The distribution list: a CSV file (`email,name,lang`) -> validated, de-duplicated recipients.

The whole file is checked before anything is sent: every problem is collected with its line
(`recipients.csv:4: email: 'bob@' is not a valid address`) and raised as one DataError. A name
is refused here if the message builder would refuse or mangle it (headers.name_problem),
so that no message fails to build once sending has begun.
Addresses that differ only in case are one recipient: the first row wins, with a warning.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from .headers import clean_name, name_problem

COLUMNS = ("email", "name", "lang")
MAX_ADDRESS = 254
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


@dataclass(frozen=True)
class Recipient:
    """One person on the list: their address, optional name, and the edition they get."""

    email: str
    name: str
    lang: str
    line: int = 0

    @property
    def key(self) -> str:
        """The address as the ledger knows it: case-insensitive."""
        return self.email.lower()


@dataclass(frozen=True)
class RecipientList:
    recipients: tuple
    warnings: tuple = ()


def address_problem(address: str) -> str | None:
    """Why `address` is not a plain `local@domain.tld` mail address, or None if it is one."""
    if not address:
        return "missing; every row needs an address"
    if not address.isascii():
        return (f"{address!r} has non-ASCII characters; write the domain in its "
                "'xn--' form (internationalised local parts are not supported)")
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    if (not at or len(address) > MAX_ADDRESS or not _LOCAL.fullmatch(local)
            or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels)):
        return f"{address!r} is not a valid address"
    return None


def read_recipients(path, *, editions, where: str | None = None) -> RecipientList:
    """Parse and validate the recipients file; `editions[0]` is the default language."""
    where = where or str(path)
    text = _read_text(Path(path), where)
    rows = csv.reader(io.StringIO(text, newline=""))
    problems, recipients, warnings, seen = [], [], [], {}
    header = _read_header(rows, where, problems)
    if header is None:
        raise DataError(problems)
    end = rows.line_num
    for cells in rows:
        line, end = end + 1, rows.line_num  # where the row starts (a quoted value may span lines)
        if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
            continue
        recipient = _parse_row(cells, header, line, where, editions, problems)
        if recipient is None:
            continue
        first = seen.get(recipient.key)
        if first is not None:
            warnings.append(_duplicate_warning(where, recipient, first))
            continue
        seen[recipient.key] = recipient
        recipients.append(recipient)
    if not recipients and not problems:
        problems.append(f"{where}:1: no recipients; add rows below the header "
                        f"{','.join(COLUMNS)}")
    if problems:
        raise DataError(problems)
    return RecipientList(tuple(recipients), tuple(warnings))


def _read_text(path: Path, where: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError([f"{where}:1: cannot read the file: {exc.strerror}"]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise DataError([f"{where}:{line}: not UTF-8 text; save the file as UTF-8"]) from None


def _read_header(rows, where, problems):
    for cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        names = [cell.strip().lower() for cell in cells]
        line = rows.line_num
        if "email" not in names:
            problems.append(f"{where}:{line}: missing header; the first line must name the "
                            f"columns, e.g. {','.join(COLUMNS)} (only email is required), "
                            f"not {','.join(cells)!r}")
            return None
        for name in names:
            if name not in COLUMNS:
                hint = difflib.get_close_matches(name, COLUMNS, n=1)
                problems.append(f"{where}:{line}: unknown column {name!r}"
                                + (f"; did you mean {hint[0]!r}?" if hint else
                                   f"; the columns are {','.join(COLUMNS)}"))
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"{where}:{line}: column {name!r} appears twice")
        return None if problems else names
    problems.append(f"{where}:1: the file is empty; start it with the header "
                    f"{','.join(COLUMNS)}")
    return None


def _parse_row(cells, header, line, where, editions, problems):
    if len(cells) > len(header):
        problems.append(f"{where}:{line}: {len(cells)} fields but the header names "
                        f"{len(header)} ({','.join(header)}); quote values that contain commas")
        return None
    values = dict(zip(header, (cell.strip() for cell in cells), strict=False))
    before = len(problems)
    email = values.get("email", "")
    problem = address_problem(email)
    if problem:
        problems.append(f"{where}:{line}: email: {problem}")
    name = values.get("name", "")
    # the name is tried with a stand-in address if the row's own is not valid
    problem = name_problem(name, "name@example.org" if problem else email) if name else None
    if problem:
        problems.append(f"{where}:{line}: name: {problem}")
    name = clean_name(name)
    lang = values.get("lang", "") or editions[0]
    if lang not in editions:
        problems.append(f"{where}:{line}: lang: {lang!r} is not an edition "
                        f"(editions: {', '.join(editions)})")
    return Recipient(email, name, lang, line) if len(problems) == before else None


def _duplicate_warning(where, recipient, first) -> str:
    note = f"{where}:{recipient.line}: {recipient.email} is already on line {first.line}"
    if recipient.lang != first.lang:
        return (f"{note} (with lang {first.lang!r}, not {recipient.lang!r}); sending it "
                f"once, in {first.lang!r}")
    return f"{note}; sending it once"
