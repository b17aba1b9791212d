"""Fingerprints of what an edition is made of, the manifest of built editions, the archive.

`OUT/manifest.json` records, per output name and language (`<name>-<lang>`), the current
edition: file, sha256, bytes, pages, fingerprint, reference date, generator version, and
when it was built; so several briefings can share one folder. Every new edition is also
copied to `OUT/archive/<name>-<lang>-<reference date>-<short hash>.pdf`.

The manifest is trusted for nothing: one that does not validate (manifest_check.py) is set
aside as `manifest.json.bad-<time>`, and an entry naming a file other than its own is
ignored, with a warning. Importing this module is cheap: the skip path (nothing changed)
uses only this and store.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

from .. import __version__
from ..store import atomic_write, sha256_file
from .manifest_check import FORMAT, Unparsable, check_entries, check_shape, upgrade

GENERATOR = f"report {__version__}"
MANIFEST = "manifest.json"
ARCHIVE = "archive"
INPUT_DIRS = ("templates", "assets", "report")
LIBRARIES = ("weasyprint", "pydyf", "matplotlib", "jinja2", "babel", "fonttools", "pyyaml")


def input_digest(data_path: Path, root: Path, *, tables=()) -> str:
    """One hash of everything every edition is made of: data, its table files, templates,
    assets, code, libs."""
    digest = hashlib.sha256()
    _feed(digest, "data", Path(data_path).read_bytes())
    folder = Path(data_path).resolve().parent
    for path in tables:
        # named from the data file's folder: `--data data.yaml` and an absolute path agree
        name = "table:" + os.path.relpath(Path(path).resolve(), folder)
        try:
            _feed(digest, name, Path(path).read_bytes())
        except OSError:
            _feed(digest, name, b"\0missing")
    for folder in INPUT_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                _feed(digest, path.relative_to(root).as_posix(), path.read_bytes())
    for name in LIBRARIES:
        try:
            _feed(digest, name, metadata.version(name).encode())
        except metadata.PackageNotFoundError:
            _feed(digest, name, b"-")
    return digest.hexdigest()


def edition_fingerprint(inputs: str, lang: str, options: dict) -> str:
    """The fingerprint of one edition: the inputs, its language and the build options."""
    text = json.dumps({"inputs": inputs, "lang": lang, "options": options,
                       "generator": GENERATOR}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _feed(digest, name: str, data: bytes) -> None:
    digest.update(f"{name}\0{len(data)}\0".encode())
    digest.update(data)


def empty_manifest() -> dict:
    return {"format": FORMAT, "editions": {}, "archive": []}


def edition_key(name: str, lang: str) -> str:
    """The manifest key of an edition: its file name without `.pdf` (`briefing-en`)."""
    return f"{name}-{lang}"


def peek_manifest(out_dir: Path) -> dict:
    """The manifest for the skip path: changes nothing, an empty one at the first doubt."""
    raw = _read_raw(Path(out_dir) / MANIFEST)
    if raw is None or check_shape(upgrade(raw)):
        return empty_manifest()
    manifest, _ignored = check_entries(upgrade(raw))
    return manifest


def read_manifest(out_dir: Path, *, warn=None, stamp: str | None = None) -> dict:
    """The manifest, under the output folder's lock: each entry checked, never trusted.

    A manifest that does not validate is renamed to `manifest.json.bad-<stamp>` (one
    `warn`), and the build starts from an empty one; an entry that names a file outside its
    folder, or not its own, is dropped with a warning.
    """
    warn = warn or (lambda text: None)
    path = Path(out_dir) / MANIFEST
    raw = _read_raw(path)
    if raw is None:
        return empty_manifest()
    raw = upgrade(raw)
    problems = check_shape(raw)
    if problems:
        kept = _set_aside(path, stamp or _now_stamp())
        warn(f"{path}: {problems[0]}; kept it as {kept.name} and rebuilt from scratch")
        return empty_manifest()
    manifest, ignored = check_entries(raw)
    for message in ignored:
        warn(f"{path}: {message}")
    return manifest


def _read_raw(path: Path):
    """The parsed JSON, None if there is no manifest, Unparsable(why) if it does not parse."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError is one
        return Unparsable(str(exc)[:80])


def _set_aside(path: Path, stamp: str) -> Path:
    target = path.with_name(f"{path.name}.bad-{stamp}")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.bad-{stamp}-{number}")
    os.replace(path, target)
    return target


def _now_stamp() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def write_manifest(out_dir: Path, manifest: dict) -> None:
    manifest["generator"] = GENERATOR
    manifest["format"] = FORMAT
    atomic_write(Path(out_dir) / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def unchanged_entry(manifest: dict, out_dir: Path, name: str, lang: str, fingerprint: str, *,
                    html_name: str | None = None):
    """The manifest entry if the edition on disk is exactly what `fingerprint` would build."""
    entry = manifest["editions"].get(edition_key(name, lang))
    if not entry or entry["fingerprint"] != fingerprint:
        return None
    path = Path(out_dir) / entry["file"]  # checked: exactly `<name>-<lang>.pdf`
    if not path.is_file() or path.stat().st_size != entry["bytes"]:
        return None
    if html_name and not (Path(out_dir) / html_name).is_file():
        return None
    return entry if sha256_file(path) == entry["sha256"] else None


def record_edition(manifest: dict, entry: dict) -> None:
    manifest["editions"][edition_key(entry["name"], entry["lang"])] = entry


def recorded_editions(out_dir: Path) -> list:
    """(path, lang) of every edition the folder's manifest records, in key order."""
    editions = peek_manifest(out_dir)["editions"]
    return [(Path(out_dir) / editions[key]["file"], editions[key]["lang"])
            for key in sorted(editions)]


def archive_edition(manifest: dict, out_dir: Path, *, name: str, lang: str, pdf: bytes,
                    entry: dict) -> Path:
    """Keep a copy of a new edition under OUT/archive/ (once per content hash)."""
    file_name = f"{name}-{lang}-{entry['reference_date']}-{entry['sha256'][:10]}.pdf"
    target = Path(out_dir) / ARCHIVE / file_name
    if not target.is_file():
        atomic_write(target, pdf)
    manifest["archive"] = [a for a in manifest["archive"] if a["file"] != file_name]
    manifest["archive"].append({"name": name, "lang": lang, "file": file_name,
                                "sha256": entry["sha256"], "built_at": entry["built_at"]})
    return target


def archive_to_prune(manifest: dict, keep: int | None, *, name: str) -> list:
    """The archive entries of output `name` beyond the newest `keep` per language."""
    if keep is None:
        return []
    groups: dict = {}
    for item in manifest["archive"]:
        if item["name"] == name:
            groups.setdefault(item["lang"], []).append(item)
    old = []
    for items in groups.values():
        items.sort(key=lambda a: a["built_at"])
        old += items[: max(len(items) - keep, 0)]
    return old


def prune_archive(manifest: dict, out_dir: Path, keep: int | None, *, name: str) -> list:
    """Keep the newest `keep` archived editions of output `name` per language (None: all).

    Other briefings sharing the folder keep theirs. Only entries read_manifest has checked
    are here: each names a file in OUT/archive/.
    """
    removed = []
    for old in archive_to_prune(manifest, keep, name=name):
        (Path(out_dir) / ARCHIVE / old["file"]).unlink(missing_ok=True)
        manifest["archive"].remove(old)
        removed.append(old["file"])
    return removed
