"""Render an edition: model + charts -> HTML (Jinja2) -> PDF (WeasyPrint).

The Jinja2 environment autoescapes every template and uses StrictUndefined; its filters are
registered in one place (`make_environment`). WeasyPrint reads files only through
`fetch.ConfinedFetcher`, which serves the project's assets, its stylesheet and the charts
held in memory, and refuses everything else.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..document import i18n
from ..errors import RenderError
from . import charts as charts_mod
from .layouts import TEMPLATES, chart_widths, layout_sections

CHART_DIR = "charts"


@dataclass
class Edition:
    """One rendered language edition, in memory."""

    lang: str
    html: str
    pdf: bytes
    pages: int
    charts: dict  # file name -> svg text
    chart_files: dict  # section id -> (relative URL, alt text)
    warnings: list
    created: str | None = None
    layout: str = "briefing"


def make_environment(templates: Path, *, layout: str = "briefing") -> jinja2.Environment:
    """Return the Jinja2 environment of `layout`: templates/<layout>/ overrides any template
    of the same path in templates/ (the handout's own partials, e.g. sections/_source.html)."""
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
        capfirst=_capfirst)
    return env


@jinja2.pass_context
def _t(ctx, text):
    return text[ctx["lang"]]


@jinja2.pass_context
def _para(ctx, item):
    return i18n.para(item, ctx["lang"])


@jinja2.pass_context
def _num(ctx, value, decimals=0):
    return i18n.number(value, ctx["lang"], decimals)


@jinja2.pass_context
def _figure(ctx, fig):
    return i18n.figure(fig, ctx["lang"])


@jinja2.pass_context
def _date(ctx, value):
    return i18n.date(value, ctx["lang"])


def _capfirst(value: str) -> str:
    """Upper-case the first letter only ('sentyabr 2025' -> 'Sentyabr 2025')."""
    return value[:1].upper() + value[1:]


def css_string(value: str) -> Markup:
    """A CSS string literal that cannot break out of its quotes or of a <style> element."""
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


def render_html(briefing, lang: str, labels, chart_files: dict, *, env, files: str = "",
                created: str | None = None, layout: str = "briefing") -> str:
    """The edition's HTML; asset and chart URLs start with `files` (relative to the HTML)."""
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
        charts=chart_files,
        files=files,
        created=created or briefing.document.reference_date.iso(),
    )


def prepare_edition(briefing, lang: str, labels, *, root: Path, created: str | None = None,
                    chart_cache=None, layout: str = "briefing") -> Edition:
    """Draw (or reuse) the charts and fill the templates: an Edition without its PDF yet."""
    font_paths = [root / "assets" / p for p in briefing.brand.fonts.values()]
    charts = charts_mod.render_charts(briefing, lang, labels, font_paths=font_paths,
                                      cache=chart_cache, widths=chart_widths(briefing, layout))
    chart_files = {sid: (f"{CHART_DIR}/{c.file}", c.alt) for sid, c in charts.items()}
    env = make_environment(root / "templates", layout=layout)
    html = render_html(briefing, lang, labels, chart_files, env=env, created=created,
                       layout=layout)
    svgs = {c.file: c.svg for c in charts.values()}
    return Edition(lang, html, b"", 0, svgs, chart_files, [], created, layout)


def lay_out(edition: Edition, root: Path, font_config=None) -> Edition:
    """The PDF of a prepared edition (WeasyPrint); runs in a worker process when parallel."""
    pdf, pages, warnings = html_to_pdf(edition.html, root=root, charts=edition.charts,
                                       font_config=font_config)
    return dataclasses.replace(edition, pdf=pdf, pages=pages, warnings=warnings)


def render_edition(briefing, lang: str, labels, *, root: Path, font_config=None,
                   created: str | None = None, chart_cache=None,
                   layout: str = "briefing") -> Edition:
    """Draw the charts, fill the templates and lay out the PDF for one language."""
    edition = prepare_edition(briefing, lang, labels, root=root, created=created,
                              chart_cache=chart_cache, layout=layout)
    return lay_out(edition, root, font_config)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def html_to_pdf(html: str, *, root: Path, charts: dict, font_config=None):
    """Lay out `html` (base URL: the project root) into a tagged PDF/UA-1 document.

    Returns (pdf bytes, page count, WeasyPrint warnings).
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from .fetch import ConfinedFetcher

    fetcher = ConfinedFetcher(root, {f"{CHART_DIR}/{k}": v.encode() for k, v in charts.items()})
    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        document = weasyprint.HTML(
            string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher
        ).render(font_config=font_config or FontConfiguration(), pdf_variant="pdf/ua-1")
        pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    except Exception as exc:  # WeasyPrint raises many kinds; report them as one
        raise RenderError(f"rendering failed: {type(exc).__name__}: {exc}") from exc
    finally:
        logger.removeHandler(collect)
    return pdf, len(document.pages), collect.messages
