"""Load data.yaml into a validated `model.Briefing`, or raise one DataError listing every problem.

Stages: strict YAML (yamlfile) -> document, brand, sources (this module) -> sections
(sections/, one module per type) -> cross-checks by type (checks.py: source ids, ids, parts
within wholes). Assets must stay inside assets/.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .. import PROJECT_ROOT
from ..errors import DataError
from . import fields as f
from .checks import check_briefing
from .figures import check_sources, read_figures
from .images import IMAGE_SUFFIXES, asset
from .model import (
    DEFAULT_OUTPUT_NAME,
    LAYOUTS,
    Brand,
    Briefing,
    Check,
    Closing,
    Document,
    Email,
    FrozenMap,
    Output,
    Source,
)
from .sections import SECTION_TYPES, Registry, section_reader
from .yamlfile import read_yaml

LANGS_SUPPORTED = ("en", "az")
FONT_FACES = {  # face -> what it prints (the brand's five font files)
    "regular": "body text",
    "bold": "headings and bold text",
    "italic": "captions and italic text",
    "bold_italic": "bold italic text",
    "black": "the large numbers of figure cards",
}
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
COLOR_ROLES = {  # role -> where the colour is used
    "primary": "headings, the cover, the largest bar and the funded share in charts",
    "secondary": "links and the other bars of charts",
    "accent": "rules under chapter headings and on cards, the funding gap",
    "text": "body text",
    "muted": "sources, captions, running headers and chart axes",
    "tint": "the background of figure cards and chart grid lines",
}
TOP_KEYS = ("document", "brand", "sources", "tables", "figures", "max_change", "sections",
            "email", "checks")


def load_briefing(path, *, root: Path = PROJECT_ROOT, name: str | None = None,
                  section_types: Registry = SECTION_TYPES) -> Briefing:
    """Read and validate the briefing file at `path`; assets resolve inside `root/assets`.

    `section_types` are the types its sections may have (a test adds a throw-away one).
    """
    path = Path(path)
    doc = read_yaml(path, name=name or _display_name(path))
    ctx = f.Context(doc)
    langs = _edition_langs(ctx, doc.value)
    ctx.langs = langs or ("en",)
    parts = file_reader(root=root, section_types=section_types, base=path.parent)(
        ctx, doc.value, ())
    checks = parts.pop("checks") or ()
    required = ("document", "brand", "sources", "sections")
    if not ctx.problems and all(parts[key] is not None for key in required):
        briefing = Briefing(**parts, path=str(path), figures=FrozenMap(ctx.figures))
        check_sources(ctx, ctx.figures, {s.id for s in briefing.sources})
        check_briefing(ctx, briefing, checks)
        if not ctx.problems:
            return briefing
    raise DataError(ctx.problems or [f"{doc.name}:1: the file is incomplete"])


def file_reader(*, root: Path = PROJECT_ROOT, section_types: Registry = SECTION_TYPES,
                base: Path | None = None):
    """Return the converter of a whole data file into its parts, by top-level key.

    `base` is the data file's folder, where its tables are; the figures (`tables:`,
    `figures:`, `max_change:`) are read into `ctx.figures` before the sections that use them.
    """
    def read_file(ctx, raw, path):
        ctx.root = root  # where sections' assets are (an image section's file)
        top = f.Reader(ctx, raw, path)
        parts = {
            "document": top.get("document", _document),
            "brand": top.get("brand", _brand_reader(root)),
            "sources": top.get("sources", f.list_of(_source)),
        }
        ctx.figures = read_figures(ctx, top.value, base=base or Path("."))
        parts |= {
            "sections": top.get("sections", section_reader(section_types)),
            "email": top.get("email", _email, default=None),
            "checks": top.get("checks", f.list_of(_check, min_items=0), default=()),
        }
        top.done(TOP_KEYS)
        return parts
    return read_file


def _display_name(path: Path) -> str:
    """Return the file's name as messages write it: relative to the current folder if inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _edition_langs(ctx, top):
    """Return document.editions, read first: every text is checked against them."""
    document = top.get("document") if isinstance(top, dict) else None
    editions = document.get("editions") if isinstance(document, dict) else None
    if not isinstance(editions, list) or not editions:
        return None
    langs = []
    for i, lang in enumerate(editions):
        if lang not in LANGS_SUPPORTED:
            ctx.problem(("document", "editions", i),
                        f"unsupported language {f.describe(lang)}; supported: "
                        f"{', '.join(LANGS_SUPPORTED)}")
        elif lang in langs:
            ctx.problem(("document", "editions", i), f"'{lang}' is listed twice")
        else:
            langs.append(lang)
    return tuple(langs)


def _document(ctx, raw, path):
    r = f.Reader(ctx, raw, path)
    editions = r.get("editions", f.list_of(f.plain_str))
    result = Document(
        title=r.get("title", f.text),
        subtitle=r.get("subtitle", f.text),
        short_title=r.get("short_title", f.text),
        author=r.get("author", f.text),
        subject=r.get("subject", f.text),
        keywords=r.get("keywords", f.text),
        reference_date=r.get("reference_date", f.partial_date),
        editions=tuple(ctx.langs),
        output_name=r.get("output_name", f.ident, default=None),
        outputs=r.get("outputs", f.list_of(_output), default=None),
    )
    r.done()
    result = _with_outputs(ctx, result, path)
    return result if editions and result and None not in vars(result).values() else None


def _output(ctx, raw, path):
    """Read one output, `{name: handout, layout: handout}`: a PDF per edition, in that layout."""
    r = f.Reader(ctx, raw, path)
    name = r.get("name", f.ident)
    layout = r.get("layout", f.choice(*LAYOUTS), default=LAYOUTS[0])
    r.done()
    return Output(name, layout) if name and layout else None


def _with_outputs(ctx, document, path):
    """Return the document with its outputs: those `outputs` lists, else one briefing named
    `output_name` (default: DEFAULT_OUTPUT_NAME); names must differ."""
    if document.outputs is None:
        name = document.output_name or DEFAULT_OUTPUT_NAME
        return replace(document, output_name=name, outputs=(Output(name),))
    if document.output_name is not None:
        ctx.problem(path + ("output_name",), "give either 'output_name' or 'outputs', not "
                                             "both (the first output is the one emailed)")
        return None
    names = [o.name for o in document.outputs]
    for i, name in enumerate(names):
        if name in names[:i]:
            ctx.problem(path + ("outputs", i, "name"), f"output name '{name}' is used twice")
            return None
    return replace(document, output_name=names[0], outputs=tuple(document.outputs))


def _brand_reader(root: Path):
    """Return the converter of `brand:`: a mapping, or the name of a brand file in assets/."""
    def read_brand(ctx, raw, path):
        if isinstance(raw, str):
            return _brand_file(ctx, raw, path, root)
        return _brand_mapping(root, base=root)(ctx, raw, path)
    return read_brand


def _brand_mapping(root: Path, *, base: Path):
    """Return a converter of the brand mapping; its asset paths are relative to `base`."""
    def read_brand(ctx, raw, path):
        r = f.Reader(ctx, raw, path)
        name = r.get("name", f.text)
        logo = r.get("logo", _asset(root, base=base, suffixes=IMAGE_SUFFIXES))
        logo_alt = r.get("logo_alt", f.text)
        colors = r.get("colors", _fixed_mapping(COLOR_ROLES, f.color))
        fonts = r.get("fonts", _fonts(root, base))
        r.done()
        if None in (name, logo, logo_alt, colors, fonts):
            return None
        family, faces = fonts
        return Brand(name, logo, logo_alt, colors, family, faces)
    return read_brand


def _brand_file(ctx, rel: str, path, root: Path):
    """Read `brand: assets/brand.yaml`: a brand shared by several briefings.

    Its problems name the brand file; its texts may hold more languages than the editions.
    """
    assets = (root / "assets").resolve()
    full = (root / rel).resolve()
    if not full.is_relative_to(assets) or full.suffix.lower() not in (".yaml", ".yml"):
        ctx.problem(path, f"'{rel}' is not a brand file in assets/; name a .yaml file "
                          "there (assets/brand.yaml) or write the brand here")
        return None
    try:
        doc = read_yaml(full, name=_display_name(full))
    except DataError as exc:
        ctx.problems.extend(exc.problems)
        return None
    sub = f.Context(doc, ctx.langs, other_langs_ok=True)
    brand = _brand_mapping(root, base=full.parent)(sub, doc.value, ())
    ctx.problems.extend(sub.problems)
    return brand


def _fonts(root, base):
    def read_fonts(ctx, raw, path):
        r = f.Reader(ctx, raw, path)
        family = r.get("family", f.plain_str)
        faces = {face: r.get(face, _asset(root, base=base, suffixes=FONT_SUFFIXES))
                 for face in FONT_FACES}
        r.done()
        if family is None or None in faces.values():
            return None
        return family, FrozenMap(faces)
    return read_fonts


def _fixed_mapping(keys, convert):
    def read(ctx, raw, path):
        r = f.Reader(ctx, raw, path)
        result = {key: r.get(key, convert) for key in keys}
        r.done()
        return FrozenMap(result) if None not in result.values() else None
    return read


def _asset(root: Path, *, base: Path, suffixes=None):
    """Return a converter of an asset path below `root/assets/` (images.asset)."""
    return asset(root, base=base, suffixes=suffixes)


def _source(ctx, raw, path):
    r = f.Reader(ctx, raw, path)
    result = Source(
        id=r.get("id", f.ident),
        title=r.get("title", f.text),
        publisher=r.get("publisher", f.text),
        published=r.get("published", f.partial_date),
        kind=r.get("kind", f.text),
        file=r.get("file", f.plain_str, default=None),
        language=r.get("language", f.text, default=None),
        short=r.get("short", f.text, default=None),
    )
    r.done()
    required = (result.id, result.title, result.publisher, result.published, result.kind)
    return result if None not in required else None


def _email(ctx, raw, path):
    r = f.Reader(ctx, raw, path)
    result = Email(
        subject=r.get("subject", f.single_line_text),  # a mail header
        body=r.get("body", f.list_of(f.para)),
        headline=r.get("headline", f.list_of(_headline, min_items=0), default=()),
        closing=r.get("closing", _closing, default=None),
    )
    r.done()
    return result if result.subject and result.body is not None else None


def _closing(ctx, raw, path):
    """Read the sign-off block: `sign_off` and `name` required, `role` and `contact` not."""
    r = f.Reader(ctx, raw, path)
    result = Closing(sign_off=r.get("sign_off", f.text), name=r.get("name", f.text),
                     role=r.get("role", f.text, default=None),
                     contact=r.get("contact", f.text, default=None))
    r.done()
    return result if result.sign_off and result.name else None


def _headline(ctx, raw, path):
    """The id of a declared figure that the email quotes."""
    fig = f.figure_id()(ctx, raw, path)
    return None if fig is None else fig.id


def _check(ctx, raw, path):
    """Read a Check, `{part: id, whole: id}`: the figure `part` never exceeds `whole`."""
    r = f.Reader(ctx, raw, path)
    part, whole = r.get("part", f.ident), r.get("whole", f.ident)
    r.done()
    return Check(part, whole, tuple(path)) if part and whole else None
