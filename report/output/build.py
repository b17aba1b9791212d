"""The build stage: data file -> validated model -> every edition rendered -> files in OUT.

Unchanged editions are skipped by fingerprint (manifest.py). Nothing is written unless the
data is valid and every requested edition rendered; each file is then written atomically
(store.atomic_write) under the output folder's lock, then the manifest and the archive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .. import PROJECT_ROOT
from ..document.tables import table_files
from ..document.yamlfile import read_yaml
from ..errors import DataError, UsageError
from ..store import atomic_write, crash_point, output_lock, remove_stale_temp, sha256_bytes
from .changes import change_record
from .manifest import (
    GENERATOR,
    archive_edition,
    edition_fingerprint,
    input_digest,
    prune_archive,
    read_manifest,
    record_edition,
    unchanged_entry,
    write_manifest,
)

CACHE_DIR = ".cache"


@dataclass
class BuiltEdition:
    """An edition on disk: just built, or found unchanged."""

    lang: str
    path: Path
    sha256: str
    bytes: int
    pages: int
    warnings: list
    html_path: Path | None = None
    status: str = "built"  # "built" or "unchanged"
    fingerprint: str = ""
    changes: dict | None = None  # changes.change_record against the previous edition


def select_langs(briefing, langs) -> tuple:
    editions = briefing.document.editions
    if not langs:
        return editions
    unknown = [lang for lang in langs if lang not in editions]
    if unknown:
        raise UsageError(f"--lang {unknown[0]}: not an edition of {briefing.path} "
                         f"(editions: {', '.join(editions)})")
    return tuple(dict.fromkeys(langs))


def output_path(briefing, out_dir: Path, lang: str, suffix: str = ".pdf") -> Path:
    return Path(out_dir) / f"{briefing.document.output_name}-{lang}{suffix}"


def build_editions(data_path, *, out_dir, langs=None, keep_html=False, force=False,
                   keep=None, root: Path = PROJECT_ROOT, clock=None,
                   source_date_epoch: str | None = None, jobs: int | None = None,
                   pool=None) -> list[BuiltEdition]:
    """Bring the requested editions (default: all) in `out_dir` up to date.

    An edition whose fingerprint matches the manifest, and whose file still has the recorded
    sha256, is left alone (status "unchanged") without importing WeasyPrint or matplotlib;
    `force` rebuilds it anyway. Invalid data raises DataError before anything is written.
    Editions are laid out in up to `jobs` processes (default: one per core), or in the
    long-lived `pool` of workers.persistent_pool.
    """
    out_dir = Path(out_dir)
    clock = clock or (lambda: dt.datetime.now(dt.UTC))
    options = {"source_date_epoch": source_date_epoch}  # what changes the PDF's bytes
    plan = _quick_plan(data_path, root, langs, options)
    if plan and not force:
        unchanged = _unchanged(plan, out_dir, keep_html)
        if len(unchanged) == len(plan["langs"]):
            return unchanged
    from ..document.project import load_project  # validation: not on the skip path

    briefing, labels = load_project(data_path, root=root)
    langs = select_langs(briefing, langs)
    # the digest taken before the data was read: if the files change meanwhile, the next
    # build sees a mismatch and rebuilds, never the reverse
    inputs = plan["inputs"] if plan else _input_digest(data_path, root, read_yaml(
        Path(data_path)).value)
    fingerprints = {lang: edition_fingerprint(inputs, lang, options) for lang in langs}
    with output_lock(out_dir):
        for folder in (out_dir, out_dir / "archive"):
            remove_stale_temp(folder)
        manifest = read_manifest(out_dir)
        todo = [lang for lang in langs if force or not unchanged_entry(
            manifest, out_dir, lang, fingerprints[lang],
            html_name=_html_name(briefing, lang, keep_html))]
        rendered = _render(briefing, labels, todo, root, _created(briefing, source_date_epoch),
                           out_dir=out_dir, jobs=jobs, pool=pool)
        results = []
        for lang in langs:
            if lang not in rendered:
                entry = manifest["editions"][lang]
                results.append(_from_entry(out_dir, lang, entry, keep_html, "unchanged"))
                continue
            results.append(_write_edition(briefing, labels[lang], rendered[lang], manifest,
                                          out_dir=out_dir, root=root, keep_html=keep_html,
                                          fingerprint=fingerprints[lang], built_at=clock()))
        prune_archive(manifest, out_dir, keep)
        write_manifest(out_dir, manifest)
    return results


def _quick_plan(data_path, root, langs, options):
    """Editions and fingerprints from the raw files, without validating (the skip path)."""
    try:
        raw = read_yaml(Path(data_path)).value
        document = raw["document"]
        editions = [str(lang) for lang in document["editions"]]
        name = str(document.get("output_name") or "briefing")
        inputs = _input_digest(data_path, root, raw)
    except (DataError, KeyError, TypeError, OSError):
        return None  # the full load will say what is wrong
    wanted = list(dict.fromkeys(langs)) if langs else editions
    if any(lang not in editions for lang in wanted):
        return None
    return {"langs": wanted, "name": name, "inputs": inputs,
            "fingerprints": {lang: edition_fingerprint(inputs, lang, options) for lang in wanted}}


def _input_digest(data_path, root, raw) -> str:
    """The inputs' digest, the data file's table files included (a changed table rebuilds)."""
    tables = table_files(raw, Path(data_path).parent)
    return input_digest(Path(data_path), root, tables=tables)


def _unchanged(plan, out_dir, keep_html):
    manifest = read_manifest(out_dir)
    found = []
    for lang in plan["langs"]:
        html_name = f"{plan['name']}-{lang}.html" if keep_html else None
        entry = unchanged_entry(manifest, out_dir, lang, plan["fingerprints"][lang],
                                html_name=html_name)
        if entry is None:
            return []
        found.append(_from_entry(out_dir, lang, entry, keep_html, "unchanged"))
    return found


def _from_entry(out_dir, lang, entry, keep_html, status):
    path = Path(out_dir) / entry["file"]
    html_path = path.with_suffix(".html") if keep_html else None
    return BuiltEdition(lang, path, entry["sha256"], entry["bytes"], entry["pages"], [],
                        html_path, status, entry["fingerprint"], entry.get("changes"))


def _html_name(briefing, lang, keep_html):
    return output_path(briefing, Path("."), lang, ".html").name if keep_html else None


def _created(briefing, source_date_epoch):
    """The document date: SOURCE_DATE_EPOCH if given, else the data's reference date."""
    if source_date_epoch:
        moment = dt.datetime.fromtimestamp(int(source_date_epoch), dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return briefing.document.reference_date.iso()


def _render(briefing, labels, langs, root, created, *, out_dir, jobs=None, pool=None):
    if not langs:
        return {}
    from ..render.charts import ChartCache
    from ..render.workers import layout_jobs, layout_pool, render_all

    cache = ChartCache(Path(out_dir) / CACHE_DIR / "charts")
    own = layout_pool(layout_jobs(jobs, len(langs)) if pool is None else 1)
    with own as started:  # a new pool's workers start importing WeasyPrint now
        rendered = render_all(briefing, {lang: labels[lang] for lang in langs}, root=root,
                              created=created, chart_cache=cache, pool=pool or started)
    return {edition.lang: edition for edition in rendered}


def _write_edition(briefing, labels, edition, manifest, *, out_dir, root, keep_html,
                   fingerprint, built_at):
    path = output_path(briefing, out_dir, edition.lang)
    atomic_write(path, edition.pdf)
    crash_point(f"after-pdf:{edition.lang}")
    html_path = None
    if keep_html:
        html_path = write_html_bundle(briefing, edition, labels, out_dir=out_dir, root=root)
    entry = {"file": path.name, "sha256": sha256_bytes(edition.pdf), "bytes": len(edition.pdf),
             "pages": edition.pages, "fingerprint": fingerprint,
             "reference_date": briefing.document.reference_date.iso(),
             "generator": GENERATOR, "built_at": built_at.isoformat(timespec="seconds")}
    entry.update(_figure_record(briefing, manifest["editions"].get(edition.lang)))
    archive_edition(manifest, out_dir, name=briefing.document.output_name, lang=edition.lang,
                    pdf=edition.pdf, entry=entry)
    record_edition(manifest, edition.lang, entry)
    return BuiltEdition(edition.lang, path, entry["sha256"], entry["bytes"], edition.pages,
                        edition.warnings, html_path, "built", fingerprint, entry["changes"])


def _figure_record(briefing, previous: dict | None) -> dict:
    """The edition's figure values and what changed since `previous` (the manifest entry)."""
    from ..document.figures import figure_values

    values = figure_values(briefing.figures)
    limits = {fid: fig.max_change for fid, fig in briefing.figures.items()}
    return {"figures": values, "changes": change_record(previous, values, limits)}


def write_html_bundle(briefing, edition, labels, *, out_dir: Path, root: Path) -> Path:
    """OUT/<name>-<lang>.html plus a <name>-<lang>_files/ folder: viewable in a browser."""
    from ..render.html import CHART_DIR, make_environment, render_html

    html_path = output_path(briefing, out_dir, edition.lang, ".html")
    files = f"{html_path.stem}_files/"
    bundle = out_dir / files
    env = make_environment(root / "templates")
    html = render_html(briefing, edition.lang, labels, edition.chart_files, env=env, files=files,
                       created=edition.created)
    for name, svg in edition.charts.items():
        atomic_write(bundle / CHART_DIR / name, svg)
    used = [briefing.brand.logo, *briefing.brand.fonts.values()]
    for rel in used:
        atomic_write(bundle / "assets" / rel, (root / "assets" / rel).read_bytes())
    style = root / "templates" / "style.css"
    atomic_write(bundle / "templates" / "style.css", style.read_bytes())
    atomic_write(html_path, html)
    return html_path
