"""The distribution list: a CSV file (`email,name,lang,layout`) -> validated, de-duplicated
recipients. `lang` chooses the edition's language and `layout` what is sent: the name of
one of `document.outputs` (`briefing`, `handout`: the first part of its file names), or the
layout of exactly one output; both default to the first. A recipient's `layout` is always
the output's name.

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

from ..document.model import Output
from ..errors import DataError
from .headers import clean_name, name_problem

COLUMNS = ("email", "name", "lang", "layout")
HEADER = "email,name,lang"  # the header messages suggest; `layout` only where it is needed
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
    layout: str = ""  # the output's name (document.outputs); "" is the first output

    @property
    def key(self) -> str:
        """The address as the ledger knows it: case-insensitive."""
        return self.email.lower()

    def label(self, default_output: str) -> str:
        """'ann@example.org (en)'; with a layout other than the first, 'ann@example.org
        (handout, en)'."""
        if self.layout and self.layout != default_output:
            return f"{self.email} ({self.layout}, {self.lang})"
        return f"{self.email} ({self.lang})"


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


ONE_BRIEFING = (Output("briefing"),)  # the outputs of a data file that lists none


def read_recipients(path, *, editions, outputs=ONE_BRIEFING,
                    where: str | None = None) -> RecipientList:
    """Parse and validate the recipients file; `editions[0]` is the default language and
    `outputs[0]` (document.outputs) the default layout."""
    where = where or str(path)
    layouts = layout_choices(outputs)
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
        recipient = _parse_row(cells, header, line, where, (editions, layouts), problems)
        if recipient is None:
            continue
        first = seen.get(recipient.key)
        if first is not None:
            warnings.append(_duplicate_warning(where, recipient, first))
            continue
        seen[recipient.key] = recipient
        recipients.append(recipient)
    if not recipients and not problems:
        problems.append(f"{where}:1: no recipients; add rows below the header {HEADER}")
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
                            f"columns, e.g. {HEADER} (only email is required), "
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
    problems.append(f"{where}:1: the file is empty; start it with the header {HEADER}")
    return None


def layout_choices(outputs) -> dict:
    """{what the layout column may say: the output's name}, the first output first: every
    output's name, and a layout that exactly one output has (`handout` for an output
    `{name: factsheet, layout: handout}`)."""
    choices = {output.name: output.name for output in outputs}
    for output in outputs:
        alike = [o for o in outputs if o.layout == output.layout]
        if len(alike) == 1:
            choices.setdefault(output.layout, output.name)
    return choices


def _layout_problem(value: str, layouts: dict) -> str:
    names = list(dict.fromkeys(layouts.values()))
    hint = difflib.get_close_matches(value, list(layouts), n=1)
    return (f"layout: {value!r} is not an output of this briefing"
            + (f"; did you mean {hint[0]!r}?" if hint else "")
            + f" (layouts: {', '.join(names)}; an empty cell means {names[0]})")


def _parse_row(cells, header, line, where, choices, problems):
    editions, layouts = choices
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
    layout = values.get("layout", "")
    output = layouts.get(layout) if layout else next(iter(layouts.values()))
    if output is None:
        problems.append(f"{where}:{line}: {_layout_problem(layout, layouts)}")
    return Recipient(email, name, lang, line, output) if len(problems) == before else None


def _duplicate_warning(where, recipient, first) -> str:
    note = f"{where}:{recipient.line}: {recipient.email} is already on line {first.line}"
    if recipient.lang != first.lang:
        return (f"{note} (with lang {first.lang!r}, not {recipient.lang!r}); sending it "
                f"once, in {first.lang!r}")
    if recipient.layout != first.layout:
        return (f"{note} (with layout {first.layout!r}, not {recipient.layout!r}); sending "
                f"it once, as the {first.layout!r}")
    return f"{note}; sending it once"
