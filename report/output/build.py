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
from ..document.model import DEFAULT_OUTPUT_NAME
from ..document.tables import table_files
from ..document.yamlfile import read_yaml
from ..errors import DataError, UsageError
from ..store import atomic_write, crash_point, output_lock, remove_stale_temp, sha256_bytes
from .changes import change_record
from .manifest import (
    ARCHIVE,
    GENERATOR,
    MANIFEST,
    archive_edition,
    archive_to_prune,
    edition_fingerprint,
    edition_key,
    input_digest,
    peek_manifest,
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
    output: str = "briefing"  # the output's name (document.outputs): briefing, handout, ...


def select_langs(briefing, langs) -> tuple:
    """Return the editions asked for (default: all); UsageError for one the file lacks."""
    editions = briefing.document.editions
    if not langs:
        return editions
    unknown = [lang for lang in langs if lang not in editions]
    if unknown:
        raise UsageError(f"--lang {unknown[0]}: not an edition of {briefing.path} "
                         f"(editions: {', '.join(editions)})")
    return tuple(dict.fromkeys(langs))


def output_path(briefing, out_dir: Path, lang: str, suffix: str = ".pdf", *,
                name: str | None = None) -> Path:
    """Return OUT/<name>-<lang><suffix>; `name` defaults to the first output's (the
    emailed one)."""
    return Path(out_dir) / f"{name or briefing.document.output_name}-{lang}{suffix}"


def build_editions(data_path, *, out_dir, langs=None, keep_html=False, force=False,
                   keep=None, root: Path = PROJECT_ROOT, clock=None,
                   source_date_epoch: str | None = None, jobs: int | None = None,
                   pool=None, warn=None, project=None) -> list[BuiltEdition]:
    """Bring the requested editions (default: all) in `out_dir` up to date.

    An edition whose fingerprint matches the manifest, and whose file still has the recorded
    sha256, is left alone (status "unchanged") without importing WeasyPrint or matplotlib;
    `force` rebuilds it anyway. Invalid data raises DataError before anything is written.
    Editions are laid out in up to `jobs` processes (default: one per core), or in a
    caller's `pool` (the benchmark's batch). `warn(text)` hears about a manifest that was
    set aside or entries of it that were ignored (default: standard error). `project`, the
    (briefing, labels) a caller has already validated (send), is used instead of loading
    the data file again.
    """
    out_dir = Path(out_dir)
    clock = clock or (lambda: dt.datetime.now(dt.UTC))
    warn = warn or _warn_stderr
    options = {"source_date_epoch": source_date_epoch}  # what changes the PDF's bytes
    plan = _quick_plan(data_path, root, langs, options)
    if plan and not force:
        unchanged = _unchanged(plan, out_dir, keep_html)
        if len(unchanged) == len(plan["keys"]):
            if keep is not None:
                for name in plan["names"]:
                    _prune_unchanged(out_dir, name, keep, warn=warn, clock=clock)
            return unchanged
    from ..document.project import load_project  # validation: not on the skip path

    briefing, labels = project or load_project(data_path, root=root)
    langs = select_langs(briefing, langs)
    # the digest taken before the data was read: if the files change meanwhile, the next
    # build sees a mismatch and rebuilds, never the reverse
    inputs = plan["inputs"] if plan else _input_digest(data_path, root, read_yaml(
        Path(data_path)).value)
    outputs = [(o.name, o.layout) for o in briefing.document.outputs]
    results = []
    with output_lock(out_dir):
        _remove_own_temp(briefing, out_dir)
        manifest = read_manifest(out_dir, warn=warn, stamp=_stamp(clock))
        for name, layout in outputs:  # every output of the same data: briefing, handout
            fingerprints = {lang: edition_fingerprint(inputs, lang, _options(options, name,
                                                                             layout))
                            for lang in langs}
            todo = [lang for lang in langs if force or not unchanged_entry(
                manifest, out_dir, name, lang, fingerprints[lang],
                html_name=_html_name(name, lang, keep_html))]
            rendered = _render(briefing, labels, todo, root,
                               _created(briefing, source_date_epoch), out_dir=out_dir,
                               jobs=jobs, pool=pool, layout=layout, name=name)
            for lang in langs:
                if lang not in rendered:
                    entry = manifest["editions"][edition_key(name, lang)]
                    results.append(_from_entry(out_dir, lang, entry, keep_html, "unchanged",
                                               name))
                    continue
                results.append(_write_edition(
                    briefing, rendered[lang], manifest, out_dir=out_dir, root=root,
                    keep_html=keep_html, fingerprint=fingerprints[lang], built_at=clock(),
                    name=name))
            prune_archive(manifest, out_dir, keep, name=name)
        write_manifest(out_dir, manifest)
    return results


def _options(options: dict, name: str, layout: str) -> dict:
    """Return what changes an output's bytes: the build options, its name and layout."""
    return {**options, "output": name, "layout": layout}


def _prune_unchanged(out_dir: Path, name: str, keep: int, *, warn, clock) -> None:
    """`--keep` when nothing was built: take the lock only if there is something to prune."""
    if not archive_to_prune(peek_manifest(out_dir), keep, name=name):
        return
    with output_lock(out_dir):
        manifest = read_manifest(out_dir, warn=warn, stamp=_stamp(clock))
        if prune_archive(manifest, out_dir, keep, name=name):
            write_manifest(out_dir, manifest)


def _stamp(clock) -> str:
    return f"{clock().astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


def _warn_stderr(text: str) -> None:
    import sys

    sys.stderr.write(f"warning: {text}\n")


def _remove_own_temp(briefing, out_dir: Path) -> None:
    """Remove the leftovers of a killed build of this briefing: the temporary names of its
    own outputs' files, nothing else."""
    langs = briefing.document.editions
    for name in (o.name for o in briefing.document.outputs):
        remove_stale_temp(out_dir, (MANIFEST, *(f"{name}-{lang}.{ext}" for lang in langs
                                                for ext in ("pdf", "html"))))
        remove_stale_temp(out_dir / ARCHIVE, tuple(f"{name}-{lang}-*.pdf" for lang in langs))
        for lang in langs:
            bundle = out_dir / f"{name}-{lang}_files"
            if bundle.is_dir() and not bundle.is_symlink():
                remove_stale_temp(bundle, recursive=True)


def _quick_plan(data_path, root, langs, options):
    """Return editions and fingerprints read from the raw files, without validating (the
    skip path), or None if the full load must say what is wrong."""
    try:
        raw = read_yaml(Path(data_path)).value
        document = raw["document"]
        editions = [str(lang) for lang in document["editions"]]
        outputs = [(str(o["name"]), str(o.get("layout", "briefing")))
                   for o in document.get("outputs") or
                   [{"name": document.get("output_name") or DEFAULT_OUTPUT_NAME}]]
        inputs = _input_digest(data_path, root, raw)
    except (DataError, KeyError, TypeError, AttributeError, OSError):
        return None  # the full load will say what is wrong
    wanted = list(dict.fromkeys(langs)) if langs else editions
    if any(lang not in editions for lang in wanted):
        return None
    keys = {(name, lang): edition_fingerprint(inputs, lang, _options(options, name, layout))
            for name, layout in outputs for lang in wanted}
    return {"keys": keys, "names": [name for name, _layout in outputs], "inputs": inputs}


def _input_digest(data_path, root, raw) -> str:
    """The inputs' digest, the data file's table files included (a changed table rebuilds)."""
    tables = table_files(raw, Path(data_path).parent)
    return input_digest(Path(data_path), root, tables=tables)


def _unchanged(plan, out_dir, keep_html):
    manifest = peek_manifest(out_dir)
    found = []
    for (name, lang), fingerprint in plan["keys"].items():
        entry = unchanged_entry(manifest, out_dir, name, lang, fingerprint,
                                html_name=_html_name(name, lang, keep_html))
        if entry is None:
            return []
        found.append(_from_entry(out_dir, lang, entry, keep_html, "unchanged", name))
    return found


def _from_entry(out_dir, lang, entry, keep_html, status, name):
    path = Path(out_dir) / entry["file"]
    html_path = path.with_suffix(".html") if keep_html else None
    return BuiltEdition(lang, path, entry["sha256"], entry["bytes"], entry["pages"], [],
                        html_path, status, entry["fingerprint"], entry.get("changes"), name)


def _html_name(name, lang, keep_html):
    return f"{name}-{lang}.html" if keep_html else None


def _created(briefing, source_date_epoch):
    """Return the document date: SOURCE_DATE_EPOCH if given, else the reference date."""
    if source_date_epoch:
        moment = dt.datetime.fromtimestamp(int(source_date_epoch), dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return briefing.document.reference_date.iso()


def _render(briefing, labels, langs, root, created, *, out_dir, jobs=None, pool=None,
            layout="briefing", name=None):
    if not langs:
        return {}
    from ..render.charts import ChartCache
    from ..render.workers import layout_jobs, layout_pool, render_all

    cache = ChartCache(Path(out_dir) / CACHE_DIR / "charts")
    own = layout_pool(layout_jobs(jobs, len(langs)) if pool is None else 1)
    with own as started:  # a new pool's workers start importing WeasyPrint now
        rendered = render_all(briefing, {lang: labels[lang] for lang in langs}, root=root,
                              created=created, chart_cache=cache, pool=pool or started,
                              layout=layout, name=name)
    cache.prune()
    return {edition.lang: edition for edition in rendered}


def _write_edition(briefing, edition, manifest, *, out_dir, root, keep_html,
                   fingerprint, built_at, name):
    path = output_path(briefing, out_dir, edition.lang, name=name)
    atomic_write(path, edition.pdf)
    crash_point(f"after-pdf:{edition.lang}")
    html_path = None
    if keep_html:
        html_path = write_html_bundle(briefing, edition, out_dir=out_dir, root=root, name=name)
    entry = {"name": name, "lang": edition.lang, "layout": edition.layout,
             "file": path.name, "sha256": sha256_bytes(edition.pdf), "bytes": len(edition.pdf),
             "pages": edition.pages, "fingerprint": fingerprint,
             "reference_date": briefing.document.reference_date.iso(),
             "generator": GENERATOR, "built_at": built_at.isoformat(timespec="seconds")}
    previous = manifest["editions"].get(edition_key(name, edition.lang))
    entry.update(_figure_record(briefing, previous))
    archive_edition(manifest, out_dir, name=name, lang=edition.lang, pdf=edition.pdf,
                    entry=entry)
    record_edition(manifest, entry)
    return BuiltEdition(edition.lang, path, entry["sha256"], entry["bytes"], edition.pages,
                        edition.warnings, html_path, "built", fingerprint, entry["changes"], name)


def _figure_record(briefing, previous: dict | None) -> dict:
    """Return the edition's figure values and what changed since `previous` (its entry)."""
    from ..document.figures import figure_values

    values = figure_values(briefing.figures)
    limits = {fid: fig.max_change for fid, fig in briefing.figures.items()}
    return {"figures": values, "changes": change_record(previous, values, limits)}


def write_html_bundle(briefing, edition, *, out_dir: Path, root: Path,
                      name: str | None = None) -> Path:
    """Write OUT/<name>-<lang>.html and the folder its URLs point into; return the HTML's path.

    The HTML is the one the PDF was laid out from: its URLs are relative to it
    (`<name>-<lang>_files/...`), so the folder holds copies of the files it links to.
    """
    html_path = output_path(briefing, out_dir, edition.lang, ".html", name=name)
    bundle = Path(out_dir) / edition.folder
    for rel, text in edition.generated.items():
        atomic_write(bundle / rel, text)
    for rel in edition.linked:
        atomic_write(bundle / rel, (root / rel).read_bytes())
    atomic_write(html_path, edition.html)
    return html_path
