"""Charts: model sections -> SVG text (matplotlib, brand colours and font), and their alt text.

Pure functions apart from `register_fonts`, which tells matplotlib about the brand's font
files. Output is deterministic: a fixed `svg.hashsalt` and no date in the metadata.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..document import i18n

HASH_SALT = "briefing-charts"
WIDTH_IN = 6.7  # the text width of an A4 page with our margins
COLUMN_IN = 3.55  # a column of the two-column handout
LABEL_WIDTH = 40  # characters per line of a bar label (the longest in data.yaml: 34)


def register_fonts(font_paths, family: str) -> None:
    """Make the brand font files known to matplotlib (once per process per file)."""
    from matplotlib import font_manager

    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in font_paths:
        if str(path) not in known:
            font_manager.fontManager.addfont(str(path))


def _font_name(brand) -> str:
    """The family name matplotlib knows the brand's regular file by (its internal name).

    A brand may call its family anything ("Harbour Sans" for Lato files): the charts are
    measured with the file itself, and the SVG names the document's @font-face family.
    """
    from matplotlib import font_manager

    suffix = "/" + brand.fonts["regular"]
    for entry in font_manager.fontManager.ttflist:
        if entry.fname.replace("\\", "/").endswith(suffix):
            return entry.name
    return brand.font_family


def _style(brand):
    return {
        "svg.hashsalt": HASH_SALT,
        "svg.fonttype": "none",  # real text, set in the brand font by WeasyPrint
        "font.family": _font_name(brand),
        "font.size": 8.5,
        "text.color": brand.colors["text"],
        "axes.edgecolor": brand.colors["muted"],
        "axes.labelcolor": brand.colors["text"],
        "xtick.color": brand.colors["muted"],
        "ytick.color": brand.colors["text"],
    }


def _to_svg(fig, brand) -> str:
    """Return the figure as SVG text whose labels name the document's @font-face family
    (`<family> Brand`)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, transparent=True)
    return buf.getvalue().replace(f"font-family: '{_font_name(brand)}'",
                                  f"font-family: '{brand.font_family} Brand'")


def _height(section, inches: float) -> float:
    """Return the chart's height in inches: the section's `height` (mm) if it sets one."""
    height = getattr(section, "height", None)
    return height / 25.4 if height else inches


def population_svg(section, lang: str, labels, brand, *, width: float = WIDTH_IN) -> str:
    """Draw horizontal bars on a linear scale, small groups repeated in a zoomed panel."""
    import matplotlib
    from matplotlib.figure import Figure

    groups = sorted(section.groups, key=lambda g: g.value, reverse=True)
    small = [g for g in groups if 0 < g.value < groups[0].value / 10]  # zero: nothing to zoom
    narrow = width < WIDTH_IN  # a column: tighter rows, fewer ticks, titles wrapped
    with matplotlib.rc_context(_style(brand)):
        rows = [len(groups)] + ([len(small)] if small else [])
        row, head = (0.22, 0.68) if narrow else (0.34, 0.75)
        fig = Figure(figsize=(width, _height(section, row * sum(rows) + head * len(rows))))
        axes = fig.subplots(len(rows), 1, gridspec_kw={"height_ratios": rows}, squeeze=False)
        _bars(axes[0][0], groups, lang, brand, labels.chart_all_groups, groups[0].value,
              narrow=narrow)
        if small:
            factor = round(groups[0].value / max(g.value for g in small))
            title = labels.fill("chart_small_groups", factor=i18n.number(factor, lang))
            _bars(axes[1][0], small, lang, brand, title, groups[0].value, narrow=narrow)
        fig.tight_layout(h_pad=2.4 if narrow else 1.2)
        return _to_svg(fig, brand)


def _bars(ax, groups, lang, brand, title, largest, *, narrow=False):
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    # long labels wrap (and long words break) rather than run off the figure and the page
    names = [textwrap.fill(g.label[lang], LABEL_WIDTH) for g in groups][::-1]
    values = [g.value for g in groups][::-1]
    top = max(values)
    colors = [brand.colors["primary"] if v == largest else brand.colors["secondary"]
              for v in values]
    ax.barh(names, values, color=colors, height=0.62)
    for y, value in enumerate(values):
        ax.text(value + top * 0.01, y, i18n.number(value, lang), va="center", ha="left",
                fontweight="bold", color=brand.colors["text"])
    # all zero: an empty axis, not a singular one
    ax.set_xlim(0, (top or 1) * (1.3 if narrow else 1.18))
    ax.set_title(title, loc="left", fontsize=8.5, color=brand.colors["muted"], pad=4,
                 wrap=narrow)
    if narrow:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: i18n.number(x, lang)))
    ax.grid(axis="x", color=brand.colors["tint"], linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)


def population_alt(section, lang: str, labels) -> str:
    """Return the population chart's alt text: every group and its number."""
    items = "; ".join(labels.fill("alt_item", label=g.label[lang], value=i18n.number(g.value, lang))
                      for g in sorted(section.groups, key=lambda g: g.value, reverse=True))
    as_of = section.as_of[lang] if section.as_of else ""
    return labels.fill("alt_population", items=items, as_of=as_of).replace(" , ", " ")


def funding_svg(section, lang: str, labels, brand, *, width: float = WIDTH_IN) -> str:
    """Draw one stacked bar: funded and gap, as parts of the requirement."""
    import matplotlib
    from matplotlib.figure import Figure

    amounts = _funding_words(section, lang)
    with matplotlib.rc_context(_style(brand)):
        fig = Figure(figsize=(width, _height(section, 1.45)))
        ax = fig.add_axes((0.01, 0.08, 0.98, 0.5))
        ax.barh([0], [section.funded], color=brand.colors["primary"], height=0.9)
        ax.barh([0], [section.gap], left=[section.funded], color=brand.colors["accent"],
                height=0.9)
        ax.text(section.funded / 2, 0, f"{labels.funded} {amounts['funded_percent']} · "
                f"{amounts['funded']}", ha="center", va="center", color="white",
                fontweight="bold", fontsize=9.5)
        ax.text(section.funded + section.gap / 2, 0, f"{labels.gap} {amounts['gap_percent']} · "
                f"{amounts['gap']}", ha="center", va="center", color=brand.colors["text"],
                fontweight="bold", fontsize=9.5)
        ax.set_xlim(0, section.requirement or 1)
        ax.set_axis_off()
        requirement = f"{labels.requirement}: {amounts['requirement']} {section.unit[lang]}"
        fig.text(0.01, 0.78, textwrap.fill(requirement, 3 * LABEL_WIDTH), fontsize=9.5,
                 fontweight="bold", color=brand.colors["text"])
        return _to_svg(fig, brand)


def funding_alt(section, lang: str, labels) -> str:
    """Return the funding chart's alt text: funded and gap, amounts and shares."""
    amounts = _funding_words(section, lang)
    as_of = section.as_of[lang] if section.as_of else ""
    return labels.fill("alt_funding", unit=section.unit[lang], as_of=as_of, **amounts)


def _funding_words(section, lang):
    decimals = section.decimals
    return {
        "funded": i18n.number(section.funded, lang, decimals),
        "gap": i18n.number(section.gap, lang, decimals),
        "requirement": i18n.number(section.requirement, lang, decimals),
        "funded_percent": i18n.percent(section.funded_percent, lang),
        "gap_percent": i18n.percent(section.gap_percent, lang),
    }


@dataclass(frozen=True)
class ChartKind:
    """How one kind of chart is drawn and described; a section type names it (`chart=`)."""

    name: str
    draw: Callable  # (section, lang, labels, brand, *, width=inches) -> SVG text
    describe: Callable  # (section, lang, labels) -> alt text


@dataclass(frozen=True)
class Chart:
    """One drawn chart of an edition."""

    file: str  # e.g. "funding-en.svg"
    svg: str
    alt: str


CHARTS = {kind.name: kind for kind in (
    ChartKind("population", population_svg, population_alt),
    ChartKind("funding", funding_svg, funding_alt),
)}


def chart_of(section) -> ChartKind | None:
    """Return the chart kind a section's type declares, or None."""
    return CHARTS[section.declaration.chart] if section.declaration.chart else None


def render_charts(briefing, lang: str, labels, *, font_paths=(), cache=None,
                  widths=None) -> dict:
    """Return {section id: Chart} for every section whose type has a chart.

    `widths` ({section id: inches}) sizes charts other than the page-wide default.
    Charts found in `cache` are not drawn again; matplotlib is imported only if one must be.
    """
    charts, fonts_ready = {}, False
    for section in briefing.sections:
        kind = chart_of(section)
        if kind is None:
            continue
        width = (widths or {}).get(section.id, WIDTH_IN)
        key = chart_key(section, lang, labels, briefing.brand, width=width,
                        font_paths=font_paths)
        svg = cache.get(key) if cache else None
        if svg is None:
            if not fonts_ready:
                register_fonts(font_paths, briefing.brand.font_family)
                fonts_ready = True
            svg = kind.draw(section, lang, labels, briefing.brand, width=width)
            if cache:
                cache.put(key, svg)
        charts[section.id] = Chart(f"{section.id}-{lang}.svg", svg,
                                   kind.describe(section, lang, labels))
    return charts


def chart_key(section, lang: str, labels, brand, *, width: float = WIDTH_IN,
              font_paths=()) -> str:
    """Return the cache key of a chart: its data, the words and brand around it, its width,
    the brand's font files (matplotlib measures text with them), and the code that draws it."""
    data = dataclasses.replace(section, line=0) if hasattr(section, "line") else section
    material = repr((data, lang, sorted(labels.words.items()), brand, width,
                     [_file_digest(Path(p)) for p in font_paths], _code_version()))
    return hashlib.sha256(material.encode()).hexdigest()


def _code_version() -> str:
    """Return the version of this module, of the locale formatting it uses, and of
    matplotlib and Babel."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        from importlib import metadata

        sources = [Path(__file__).read_bytes(), Path(i18n.__file__).read_bytes()]
        versions = [metadata.version(name).encode() for name in ("matplotlib", "babel")]
        _CODE_VERSION = hashlib.sha256(b"\0".join(sources + versions)).hexdigest()
    return _CODE_VERSION


def _file_digest(path: Path) -> str:
    """Return the sha256 of a file, remembered per (path, size, mtime) for the process."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _FILE_DIGESTS:
        _FILE_DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _FILE_DIGESTS[key]


_CODE_VERSION = None
_FILE_DIGESTS: dict = {}


class ChartCache:
    """Chart SVGs already drawn, one file per key, in a folder (e.g. OUT/.cache/charts).

    Bounded: `prune` keeps the `max_files` most recently used (a hit refreshes a file's
    modification time), so the folder cannot grow with every edit.
    """

    MAX_FILES = 200
    KEY_RE = re.compile(r"[0-9a-f]{64}\.svg")

    def __init__(self, folder: Path, *, max_files: int = MAX_FILES):
        self.folder = Path(folder)
        self.max_files = max_files

    def get(self, key: str) -> str | None:
        """Return the SVG drawn for `key`, or None."""
        path = self.folder / f"{key}.svg"
        try:
            svg = path.read_text(encoding="utf-8")
            os.utime(path)  # recently used: kept by prune
        except OSError:
            return None
        return svg

    def put(self, key: str, svg: str) -> None:
        """Keep `svg` under `key`."""
        from ..store import atomic_write

        atomic_write(self.folder / f"{key}.svg", svg)

    def prune(self) -> list:
        """Delete all but the `max_files` most recently used charts, and stale temp files."""
        from ..store import remove_stale_temp

        if not self.folder.is_dir():
            return []
        removed = remove_stale_temp(self.folder, ("*.svg",))
        charts = []
        for path in self.folder.iterdir():
            if self.KEY_RE.fullmatch(path.name):
                with contextlib.suppress(OSError):
                    charts.append((path.stat().st_mtime_ns, path.name, path))
        charts.sort(reverse=True)
        for _mtime, _name, path in charts[self.max_files:]:
            path.unlink(missing_ok=True)
            removed.append(path)
        return removed
