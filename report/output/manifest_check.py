"""What a manifest read back from disk must look like before anything trusts it.

`check_shape` lists what makes a manifest unusable (wrong types, missing fields): the caller
sets the file aside. `check_entries` drops single entries that name a file other than their
own (`../../important.txt`, an absolute path, another edition's file): an edition's file is
exactly `<name>-<lang>.pdf` in OUT, an archived one a plain `<name>-<lang>-....pdf` in
OUT/archive. `upgrade` reads the previous format (editions keyed by language alone).
"""

from __future__ import annotations

import re

FORMAT = 2
HEX64 = re.compile(r"[0-9a-f]{64}")
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
LANG_RE = re.compile(r"[a-z]{2,3}")
ARCHIVE_FILE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.pdf")
_OLD_ARCHIVE_RE = r"(?P<name>.+)-{lang}-\d{{4}}(?:-\d{{2}}){{0,2}}-[0-9a-f]{{10}}\.pdf"

EDITION_FIELDS = {"name": str, "lang": str, "file": str, "sha256": HEX64, "bytes": int,
                  "pages": int, "fingerprint": HEX64, "reference_date": str, "generator": str,
                  "built_at": str}
ARCHIVE_FIELDS = {"name": str, "lang": str, "file": str, "sha256": str, "built_at": str}


class Unparsable(str):
    """The text of a manifest that is not JSON (or not UTF-8): why it did not parse."""


def check_shape(raw) -> list:
    """Why `raw` is not a manifest of this format (empty when it is one)."""
    if isinstance(raw, Unparsable):
        return [f"is not valid JSON ({raw})"]
    if not isinstance(raw, dict):
        return [f"expected an object, got {_kind(raw)}"]
    if raw.get("format") != FORMAT:
        return [f"unknown format {raw.get('format')!r} (this generator writes {FORMAT})"]
    editions, archive = raw.get("editions"), raw.get("archive")
    if not isinstance(editions, dict):
        return [f"'editions' should be an object, got {_kind(editions)}"]
    if not isinstance(archive, list):
        return [f"'archive' should be a list, got {_kind(archive)}"]
    problems = [f"editions.{key}: {p}" for key, entry in editions.items()
                for p in _fields(entry, EDITION_FIELDS)]
    problems += [f"archive[{i}]: {p}" for i, item in enumerate(archive)
                 for p in _fields(item, ARCHIVE_FIELDS)]
    return problems


def _fields(entry, fields) -> list:
    if not isinstance(entry, dict):
        return [f"expected an object, got {_kind(entry)}"]
    problems = []
    for name, kind in fields.items():
        value = entry.get(name)
        if isinstance(kind, re.Pattern):
            ok = isinstance(value, str) and kind.fullmatch(value)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        else:
            ok = isinstance(value, kind)
        if not ok:
            problems.append(f"'{name}' is missing or not valid ({value!r})")
    return problems


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), repr(value))


def check_entries(raw: dict) -> tuple[dict, list]:
    """(the manifest without entries that name a file not their own, why each was dropped)."""
    ignored, editions, archive, seen = [], {}, [], set()
    for key, entry in raw["editions"].items():
        wanted = f"{entry['name']}-{entry['lang']}"
        if _plausible(entry) and key == wanted and entry["file"] == f"{wanted}.pdf":
            editions[key] = entry
        else:
            ignored.append(f"edition '{key}' names the file {entry['file']!r}, not "
                           f"'{key}.pdf'; ignored")
    for item in raw["archive"]:
        file = item["file"]
        if not (ARCHIVE_FILE_RE.fullmatch(file) and _plausible(item)):
            ignored.append(f"archive entry {file!r} is not a file name in archive/; ignored")
        elif not file.startswith(f"{item['name']}-{item['lang']}-"):
            ignored.append(f"archive entry {file!r} is not an edition of "
                           f"'{item['name']}-{item['lang']}'; ignored")
        elif file in seen:
            ignored.append(f"archive entry {file!r} is listed twice; ignored the second")
        else:
            seen.add(file)
            archive.append(item)
    return {**raw, "editions": editions, "archive": archive}, ignored


def _plausible(entry) -> bool:
    return bool(NAME_RE.fullmatch(entry["name"]) and LANG_RE.fullmatch(entry["lang"]))


def upgrade(raw):
    """A manifest of the previous format (no 'format'; editions keyed by language) in this one.

    Entries it cannot read are left as they are, for check_shape or check_entries to refuse.
    """
    if not isinstance(raw, dict) or "format" in raw:
        return raw
    editions = raw.get("editions")
    if isinstance(editions, dict):
        raw["editions"] = dict(_upgrade_edition(lang, entry) for lang, entry in editions.items())
    archive = raw.get("archive")
    if isinstance(archive, list):
        raw["archive"] = [_upgrade_archived(item) for item in archive]
    raw["format"] = FORMAT
    return raw


def _upgrade_edition(lang, entry):
    file = entry.get("file") if isinstance(entry, dict) else None
    if not (isinstance(file, str) and file.endswith(f"-{lang}.pdf")):
        return lang, entry
    name = file[: -len(f"-{lang}.pdf")]
    return f"{name}-{lang}", {**entry, "name": name, "lang": lang}


def _upgrade_archived(item):
    if not (isinstance(item, dict) and isinstance(item.get("lang"), str)
            and isinstance(item.get("file"), str)):
        return item
    match = re.fullmatch(_OLD_ARCHIVE_RE.format(lang=re.escape(item["lang"])), item["file"])
    return {**item, "name": match["name"] if match else ""}
