"""Fingerprints of what an edition is made of, the manifest of built editions, the archive.

`OUT/manifest.json` records, per language (and per output after the first: `handout-en`),
the current edition: file, sha256, bytes, pages, fingerprint, output, layout, language,
reference date, generator version, and when it was built. Every new edition is
also copied to `OUT/archive/<name>-<lang>-<reference date>-<short hash>.pdf`.

Importing this module is cheap: the skip path (nothing changed) uses only this and store.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from .. import __version__
from ..store import atomic_write, sha256_file

GENERATOR = f"report {__version__}"
MANIFEST = "manifest.json"
ARCHIVE = "archive"
INPUT_DIRS = ("templates", "assets", "report")
LIBRARIES = ("weasyprint", "pydyf", "matplotlib", "jinja2", "babel", "fonttools", "pyyaml")


def input_digest(data_path: Path, root: Path) -> str:
    """One hash of everything every edition is made of: data, templates, assets, code, libs."""
    digest = hashlib.sha256()
    _feed(digest, "data", Path(data_path).read_bytes())
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


def read_manifest(out_dir: Path) -> dict:
    """The manifest, or an empty one if it is missing or unreadable (then everything rebuilds)."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"editions": {}, "archive": []}
    if not isinstance(manifest, dict) or not isinstance(manifest.get("editions"), dict):
        return {"editions": {}, "archive": []}
    manifest.setdefault("archive", [])
    return manifest


def write_manifest(out_dir: Path, manifest: dict) -> None:
    manifest["generator"] = GENERATOR
    atomic_write(Path(out_dir) / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def unchanged_entry(manifest: dict, out_dir: Path, lang: str, fingerprint: str, *,
                    html_name: str | None = None):
    """The manifest entry if the edition on disk is exactly what `fingerprint` would build."""
    entry = manifest["editions"].get(lang)
    if not entry or entry.get("fingerprint") != fingerprint:
        return None
    path = Path(out_dir) / entry.get("file", "")
    if not path.is_file() or path.stat().st_size != entry.get("bytes"):
        return None
    if html_name and not (Path(out_dir) / html_name).is_file():
        return None
    return entry if sha256_file(path) == entry.get("sha256") else None


def record_edition(manifest: dict, lang: str, entry: dict) -> None:
    manifest["editions"][lang] = entry


def archive_edition(manifest: dict, out_dir: Path, *, name: str, lang: str, pdf: bytes,
                    entry: dict) -> Path:
    """Keep a copy of a new edition under OUT/archive/ (once per content hash)."""
    file_name = f"{name}-{lang}-{entry['reference_date']}-{entry['sha256'][:10]}.pdf"
    target = Path(out_dir) / ARCHIVE / file_name
    if not target.is_file():
        atomic_write(target, pdf)
    manifest["archive"] = [a for a in manifest["archive"] if a.get("file") != file_name]
    manifest["archive"].append({"output": name, "lang": lang, "file": file_name,
                                "sha256": entry["sha256"], "built_at": entry["built_at"]})
    return target


def prune_archive(manifest: dict, out_dir: Path, keep: int | None) -> list:
    """Keep the newest `keep` archived editions per output and language (None: keep all)."""
    if keep is None:
        return []
    removed = []
    by_lang: dict = {}
    for item in manifest["archive"]:
        by_lang.setdefault((item.get("output"), item["lang"]), []).append(item)
    for items in by_lang.values():
        items.sort(key=lambda a: a["built_at"])
        for old in items[: max(len(items) - keep, 0)]:
            (Path(out_dir) / ARCHIVE / old["file"]).unlink(missing_ok=True)
            manifest["archive"].remove(old)
            removed.append(old["file"])
    return removed
