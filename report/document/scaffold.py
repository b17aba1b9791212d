"""Write a new, small, valid briefing to start from (`generate.py new PATH`).

The file has a cover, a text section, key figures, a chart and the sources, in every edition
asked for. Every figure and sentence in it is a placeholder, marked PLACEHOLDER, to replace
with facts from a published source; it validates and builds as written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path

from .. import PROJECT_ROOT
from ..errors import DataError, UsageError

SCHEMA_NAME = "briefing.schema.json"
DEFAULT_TITLE = "PLACEHOLDER: the title of the briefing"


def write_scaffold(path, *, langs=("en",), title: str | None = None,
                   root: Path = PROJECT_ROOT, today: dt.date | None = None) -> Path:
    """Write a new briefing at `path` (never over an existing file); validate it; return it."""
    from .project import load_project

    path = Path(path)
    if path.exists():
        raise UsageError(f"{path} already exists; choose another name (nothing was written)")
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent} is not a folder; create it first")
    text = scaffold_text(langs=langs, title=title or DEFAULT_TITLE, today=today or dt.date.today(),
                         output_name=_output_name(path.stem),
                         schema=_schema_url(root, path.parent))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        load_project(tmp, root=root)  # the scaffold must validate as written
        os.link(tmp, path)  # fails if the file appeared meanwhile: never overwrites
    except FileExistsError:
        raise UsageError(f"{path} already exists; choose another name") from None
    except DataError as exc:  # e.g. a --title the brand font cannot print
        raise DataError([problem.replace(tmp, str(path)) for problem in exc.problems]) from None
    finally:
        os.unlink(tmp)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _output_name(stem: str) -> str:
    name = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_")
    return name or "briefing"


def _schema_url(root: Path, folder: Path) -> str:
    return Path(os.path.relpath(root / SCHEMA_NAME, folder.resolve())).as_posix()


def _texts(langs):
    """Return a function writing one placeholder as a YAML Text for `langs`."""
    def write(english: str) -> str:
        if len(langs) == 1 and langs[0] == "en":
            return json.dumps(english, ensure_ascii=False)
        parts = [f"{lang}: " + json.dumps(_translation(english, lang), ensure_ascii=False)
                 for lang in langs]
        return "{" + ", ".join(parts) + "}"
    return write


def _translation(english: str, lang: str) -> str:
    """Return the placeholder for the `lang` edition: the English, marked to translate."""
    if lang == "en":
        return english
    return f"PLACEHOLDER ({lang}): {english.removeprefix('PLACEHOLDER: ')}"


def scaffold_text(*, langs, title: str, today: dt.date, output_name: str, schema: str) -> str:
    """Return the YAML text of a new briefing in `langs`."""
    t = _texts(tuple(langs))
    return SCAFFOLD.format(
        schema=schema, editions=", ".join(langs), output_name=output_name,
        month=f"{today.year:04d}-{today.month:02d}", year=today.year,
        title=t(title),
        **{key: t(english) for key, english in PLACEHOLDERS.items()})


PLACEHOLDERS = {
    "subtitle": "PLACEHOLDER: one sentence on what this briefing covers",
    "short_title": "PLACEHOLDER: short title",
    "author": "PLACEHOLDER: who compiled it",
    "subject": "PLACEHOLDER: the subject, for the PDF's properties",
    "keywords": "PLACEHOLDER: keywords, for the PDF's properties",
    "source_title": "PLACEHOLDER: the title of the published document",
    "publisher": "PLACEHOLDER: who published it",
    "kind": "PLACEHOLDER: fact sheet, report, ...",
    "as_of": "PLACEHOLDER: as of when",
    "figure_a": "PLACEHOLDER: what the first number counts",
    "figure_b": "PLACEHOLDER: what the second number counts",
    "summary_title": "Summary",
    "paragraph": ("PLACEHOLDER: a paragraph of prose. Text may be **bold**, *italic* or a "
                  "[link](https://example.org/replace-me)."),
    "figures_title": "Key figures",
    "chart_title": "PLACEHOLDER: what the chart shows",
    "caption": "PLACEHOLDER: the chart's caption",
    "group_a": "PLACEHOLDER: group A",
    "group_b": "PLACEHOLDER: group B",
    "group_c": "PLACEHOLDER: group C",
    "sources_title": "Sources",
    "note": "PLACEHOLDER: how the figures were compiled, and what the sources do not say.",
    "email_subject": "PLACEHOLDER: the subject of the email that carries an edition",
    "email_body": "PLACEHOLDER: the first paragraph of that email.",
}

SCAFFOLD = """\
# yaml-language-server: $schema={schema}
# A new briefing, written by `generate.py new`. Every PLACEHOLDER is an example to replace:
# each figure must come from a published document listed under `sources:`.
# Every section type and field is described in docs/reference.md.

document:
  editions: [{editions}]
  title: {title}
  subtitle: {subtitle}
  short_title: {short_title}
  author: {author}
  subject: {subject}
  keywords: {keywords}
  reference_date: "{month}"
  output_name: {output_name}

brand: assets/brand.yaml   # the shared brand (or write a brand: mapping here)

sources:
  - id: placeholder-source
    title: {source_title}
    publisher: {publisher}
    published: {year}
    kind: {kind}

# Every number the briefing prints, declared once, with its source; sections refer to these
# ids (no section may type a number). A figure may also be read from a table (`tables:`) or
# computed (share, difference, sum); see docs/reference.md.
figures:
  figure-a: {{value: 1000, label: {figure_a}, as_of: {as_of}, source: placeholder-source}}
  figure-b: {{value: 250, label: {figure_b}, as_of: {as_of}, source: placeholder-source}}
  group-a: {{value: 600, label: {group_a}, source: placeholder-source}}
  group-b: {{value: 300, label: {group_b}, source: placeholder-source}}
  group-c: {{value: 100, label: {group_c}, source: placeholder-source}}

sections:
  - type: cover
    source: placeholder-source
    figures: [figure-a, figure-b]

  - type: text
    id: summary
    title: {summary_title}
    source: placeholder-source
    paragraphs:
      - {paragraph}

  - type: key_figures
    id: key-figures
    title: {figures_title}
    source: placeholder-source
    items: [figure-a, figure-b]

  - type: population
    id: chart
    title: {chart_title}
    source: placeholder-source
    as_of: {as_of}
    caption: {caption}
    groups: [group-a, group-b, group-c]

  - type: sources
    id: sources
    title: {sources_title}
    notes:
      - {note}

email:
  subject: {email_subject}
  body:
    - {email_body}
  headline: [figure-a, figure-b]
"""
