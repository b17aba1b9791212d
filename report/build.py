"""The build stage: data file -> validated model -> every edition rendered -> files in OUT.

Nothing is written unless the data is valid and every requested edition rendered; each file
is then written atomically (store.atomic_write).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import DataError, UsageError
from .i18n import load_labels
from .load import PROJECT_ROOT, load_briefing
from .store import atomic_write, sha256_bytes


@dataclass
class BuiltEdition:
    """An edition written to disk."""

    lang: str
    path: Path
    sha256: str
    bytes: int
    pages: int
    warnings: list
    html_path: Path | None = None


def load_project(data_path, *, root: Path = PROJECT_ROOT):
    """Validate the data file and the labels its editions need: (briefing, {lang: Labels})."""
    briefing = load_briefing(data_path, root=root)
    labels = load_labels(root / "templates" / "labels.yaml", briefing.document.editions)
    check_glyphs(briefing, labels, root=root)
    return briefing, labels


def check_glyphs(briefing, labels, *, root: Path) -> None:
    """Every character the editions print must exist in the brand font: no fallback fonts."""
    from fontTools.ttLib import TTFont

    font = TTFont(root / "assets" / briefing.brand.fonts["regular"], lazy=True)
    cmap = font.getBestCmap()
    problems = []
    for path, string in iter_strings(briefing, labels):
        missing = sorted({ch for ch in string if ord(ch) not in cmap and not ch.isspace()})
        if missing:
            names = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing)
            problems.append(f"{briefing.path}: {path}: {names} not in the brand font "
                            f"{briefing.brand.font_family}; use other characters or a font "
                            "that has them")
    if problems:
        raise DataError(problems)


def iter_strings(briefing, labels):
    """(where, string) for every human-readable string of every edition."""
    def walk(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                yield from walk(item, f"{path}[{i}]")
        elif isinstance(value, str):
            yield path, value
        elif hasattr(value, "__dataclass_fields__"):
            yield from walk(vars(value), path)

    yield from walk({"document": briefing.document, "brand": briefing.brand.name,
                     "sources": briefing.sources, "sections": briefing.sections}, "")
    for lang, words in labels.items():
        yield from walk(words.words, f"labels.{lang}")


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


def build_editions(data_path, *, out_dir, langs=None, keep_html=False,
                   root: Path = PROJECT_ROOT) -> list[BuiltEdition]:
    """Render the requested editions (default: all) and write them into `out_dir`."""
    from . import charts
    from .render import render_edition

    briefing, labels = load_project(data_path, root=root)
    langs = select_langs(briefing, langs)
    assets = root / "assets"
    charts.register_fonts([assets / p for p in briefing.brand.fonts.values()],
                          briefing.brand.font_family)
    rendered = [render_edition(briefing, lang, labels[lang], root=root) for lang in langs]
    built = []
    for edition in rendered:
        path = output_path(briefing, out_dir, edition.lang)
        atomic_write(path, edition.pdf)
        html_path = None
        if keep_html:
            html_path = write_html_bundle(briefing, edition, labels[edition.lang],
                                          out_dir=Path(out_dir), root=root)
        built.append(BuiltEdition(edition.lang, path, sha256_bytes(edition.pdf),
                                  len(edition.pdf), edition.pages, edition.warnings, html_path))
    return built


def write_html_bundle(briefing, edition, labels, *, out_dir: Path, root: Path) -> Path:
    """OUT/<name>-<lang>.html plus a <name>-<lang>_files/ folder: viewable in a browser."""
    from .render import CHART_DIR, make_environment, render_html

    html_path = output_path(briefing, out_dir, edition.lang, ".html")
    files = f"{html_path.stem}_files/"
    bundle = out_dir / files
    env = make_environment(root / "templates")
    html = render_html(briefing, edition.lang, labels, edition.chart_files, env=env, files=files)
    for name, svg in edition.charts.items():
        atomic_write(bundle / CHART_DIR / name, svg)
    used = [briefing.brand.logo, *briefing.brand.fonts.values()]
    for rel in used:
        atomic_write(bundle / "assets" / rel, (root / "assets" / rel).read_bytes())
    style = root / "templates" / "style.css"
    atomic_write(bundle / "templates" / "style.css", style.read_bytes())
    atomic_write(html_path, html)
    return html_path
