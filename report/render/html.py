"""Render an edition: model + charts -> HTML (Jinja2) -> PDF (WeasyPrint).

The Jinja2 environment autoescapes every template and uses StrictUndefined; its filters are
registered in one place (`make_environment`). WeasyPrint reads files only through
`fetch.ConfinedFetcher`, which serves the project's assets, its stylesheet and the charts
held in memory, and refuses everything else.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..document import i18n
from ..document.inline import format_inline
from ..document.model import Figure, find
from ..errors import RenderError
from . import charts as charts_mod
from .layouts import STYLESHEETS, TEMPLATES, chart_widths, layout_sections

CHART_DIR = "charts"
# Above this many pages, the laid-out document is collected before tagging (for 465 pages
# the peak then stays at the writing's, 510 MiB, instead of 544 MiB while tagging); below,
# the memory saved is small and a full collection costs time (0.07 s for 12 pages).
RELEASE_PAGES = 50


@dataclass
class Edition:
    """One language edition: its HTML, the files it links to, then its PDF once laid out.

    The HTML is rendered once, with URLs relative to itself (`<folder>/assets/...`,
    `<folder>/charts/...`): WeasyPrint reads them below the project root, and the same HTML
    opens in a browser when kept beside the PDF with its folder (`output.build`).
    """

    lang: str
    html: str
    folder: str  # "<output name>-<lang>_files": where the HTML's URLs point
    generated: dict  # path below the folder -> text, held in memory (the charts)
    linked: tuple  # paths below the project root the HTML links to (stylesheet, logo, fonts)
    pdf: bytes = b""
    pages: int = 0
    warnings: list = field(default_factory=list)
    layout: str = "briefing"  # layouts.TEMPLATES: briefing or handout


def edition_folder(briefing, lang: str, *, name: str | None = None) -> str:
    """Return the folder an edition's HTML links into: '<output name>-<lang>_files'
    (`name` defaults to the first output's)."""
    return f"{name or briefing.document.output_name}-{lang}_files"


def linked_files(briefing, *, layout: str = "briefing") -> tuple:
    """Return the project files the templates link to: the stylesheets, the logo, the fonts,
    the images of `image` sections."""
    images = [s.file for s in layout_sections(briefing, layout) if s.type == "image"]
    assets = [briefing.brand.logo, *briefing.brand.fonts.values(), *dict.fromkeys(images)]
    return (*STYLESHEETS[layout], *(f"assets/{rel}" for rel in assets))


def make_environment(templates: Path, *, layout: str = "briefing") -> jinja2.Environment:
    """Return the Jinja2 environment of `layout`: autoescaped, strict, with our filters;
    templates/<layout>/ overrides any template of the same path in templates/ (the
    handout's own partials, e.g. sections/_source.html)."""
    paths = [templates / layout, templates] if layout != "briefing" else [templates]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in paths]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        t=_t, para=_para, num=_num, figure=_figure, date=_date, css_string=css_string,
        capfirst=_capfirst, source_of=source_of, inline=format_inline)
    return env


@jinja2.pass_context
def _t(ctx, text):
    """Return a Text in the edition's language."""
    return text[ctx["lang"]]


@jinja2.pass_context
def _para(ctx, item):
    return format_inline(i18n.para(item, ctx["lang"]))


@jinja2.pass_context
def _num(ctx, value, decimals=0):
    return i18n.number(value, ctx["lang"], decimals)


@jinja2.pass_context
def _figure(ctx, fig):
    return i18n.figure(fig, ctx["lang"])


@jinja2.pass_context
def _date(ctx, value):
    return i18n.date(value, ctx["lang"])


def source_of(section) -> str | None:
    """Return the source a section's source line names: its own, else its first figure's."""
    if section.source:
        return section.source
    return next((fig.source for _path, fig in find(section, Figure)), None)


def _capfirst(value: str) -> str:
    """Upper-case the first letter only ('sentyabr 2025' -> 'Sentyabr 2025')."""
    return value[:1].upper() + value[1:]


def css_string(value: str) -> Markup:
    """Return a CSS string literal that cannot break out of its quotes or of <style>."""
    out = []
    for ch in str(value):
        if ch in '"\\<>&' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')


def heading_levels(sections) -> dict:
    """Return {section id: level}: chapters, "top" sections and the sections before the
    first chapter are level 1, the rest level 2 (the declaration's `level`)."""
    levels, in_chapter = {}, False
    for section in sections:
        if section.declaration.level in ("chapter", "top"):
            in_chapter = section.declaration.level == "chapter"
            levels[section.id] = 1
        else:
            levels[section.id] = 2 if in_chapter else 1
    return levels


def render_html(briefing, lang: str, labels, charts: dict, *, env, files: str = "",
                created: str | None = None, layout: str = "briefing") -> str:
    """Return the edition's HTML in `layout`; `charts` is {section id: Chart}, and asset and
    chart URLs start with `files` (relative to the HTML)."""
    template = env.get_template(TEMPLATES[layout])
    sections = layout_sections(briefing, layout)
    return template.render(
        lang=lang,
        briefing=briefing,
        doc=briefing.document,
        brand=briefing.brand,
        sources={s.id: s for s in briefing.sources},
        sections=sections,
        levels=heading_levels(sections),
        labels=labels,
        charts=charts,
        chart_dir=CHART_DIR,
        files=files,
        created=created or briefing.document.reference_date.iso(),
    )


def prepare_edition(briefing, lang: str, labels, *, root: Path, created: str | None = None,
                    chart_cache=None, layout: str = "briefing",
                    name: str | None = None) -> Edition:
    """Draw (or reuse) the charts and fill the templates of `layout` for output `name`
    (default: the first): return an Edition without its PDF."""
    font_paths = [root / "assets" / p for p in briefing.brand.fonts.values()]
    charts = charts_mod.render_charts(briefing, lang, labels, font_paths=font_paths,
                                      cache=chart_cache, widths=chart_widths(briefing, layout))
    folder = edition_folder(briefing, lang, name=name)
    env = make_environment(root / "templates", layout=layout)
    html = render_html(briefing, lang, labels, charts, env=env, files=f"{folder}/",
                       created=created, layout=layout)
    generated = {f"{CHART_DIR}/{chart.file}": chart.svg for chart in charts.values()}
    return Edition(lang, html, folder, generated, linked_files(briefing, layout=layout),
                   layout=layout)


def lay_out(edition: Edition, root: Path, font_config=None) -> Edition:
    """Return the edition with its PDF (WeasyPrint); runs in a worker process when parallel."""
    pdf, pages, warnings = html_to_pdf(edition.html, root=root, generated=edition.generated,
                                       folder=edition.folder, font_config=font_config)
    return dataclasses.replace(edition, pdf=pdf, pages=pages, warnings=warnings)


def render_edition(briefing, lang: str, labels, *, root: Path, font_config=None,
                   created: str | None = None, chart_cache=None, layout: str = "briefing",
                   name: str | None = None) -> Edition:
    """Draw the charts, fill the templates and lay out the PDF for one language, in
    `layout`, as output `name` (default: the first)."""
    edition = prepare_edition(briefing, lang, labels, root=root, created=created,
                              chart_cache=chart_cache, layout=layout, name=name)
    return lay_out(edition, root, font_config)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def html_to_pdf(html: str, *, root: Path, generated: dict | None = None, folder: str = "",
                font_config=None):
    """Lay out `html` (base URL: the project root) into a tagged PDF/UA-1 document.

    URLs below `folder` name the files below the root, or in `generated` ({path: text}).
    Return (pdf bytes, page count, WeasyPrint warnings).
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from .fetch import ConfinedFetcher
    from .tagging import tag_pdf

    memory = {path: text.encode() for path, text in (generated or {}).items()}
    fetcher = ConfinedFetcher(root, memory, folder=folder)
    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        document = weasyprint.HTML(
            string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher
        ).render(font_config=font_config or FontConfiguration(), pdf_variant="pdf/ua-1")
        pdf = document.write_pdf(pdf_variant="pdf/ua-1")
        pages = len(document.pages)
        del document  # the laid-out pages, most of the memory, go before tagging
        if pages > RELEASE_PAGES:
            gc.collect()  # they hold reference cycles: only a collection frees them
    except Exception as exc:  # WeasyPrint raises many kinds; report them as one
        raise RenderError(f"rendering failed: {type(exc).__name__}: {exc}") from exc
    finally:
        logger.removeHandler(collect)
    pdf, tag_warnings = tag_pdf(pdf, html)  # the structure WeasyPrint leaves out: tagging.py
    return pdf, pages, collect.messages + tag_warnings
