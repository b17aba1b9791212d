"""Section types: one parser per type of section, and the checks across the whole briefing.

Adding a section type means: a dataclass in model.py, a parser here registered in
SECTION_PARSERS, and a partial `templates/sections/<type>.html`.
"""

from __future__ import annotations

from . import fields as f
from .model import (
    ChapterSection,
    ContentsSection,
    CoverSection,
    DonorsSection,
    FaqSection,
    Figure,
    FundingSection,
    HandoverRow,
    HandoverSection,
    ItemsSection,
    KeyFiguresSection,
    ListSection,
    PopulationSection,
    PresenceSection,
    PriorityItem,
    Question,
    SourcesSection,
    TextSection,
    TimelineEvent,
    TimelineSection,
    Value,
    figures_of,
)

COMMON = ("type", "id", "title", "source", "as_of", "intro")


def parse_sections(ctx, raw, path):
    items = f.list_of(_section)(ctx, raw, path)
    if items is None:
        return None
    seen = {}
    for i, section in enumerate(items):
        if section.id in seen:
            ctx.problem(path + (i, "id"), f"duplicate section id '{section.id}' "
                                          f"(also sections[{seen[section.id]}])")
        seen.setdefault(section.id, i)
    return items


def _section(ctx, raw, path):
    r = f.Reader(ctx, raw, path)
    kind = r.get("type", f.choice(*SECTION_PARSERS))
    if kind is None:
        return None
    parse, cls, title_required = SECTION_PARSERS[kind]
    common = dict(
        type=kind,
        id=r.get("id", f.ident, default=f"section-{path[-1] + 1}"),
        title=r.get("title", f.text) if title_required else r.get("title", f.text, default=None),
        source=r.get("source", f.ident, default=None),
        as_of=r.get("as_of", f.text, default=None),
        intro=r.get("intro", f.list_of(f.para), default=()),
        line=ctx.doc.line(path),
    )
    specific = parse(r, common["source"])
    r.done()
    if specific is None or (title_required and common["title"] is None) or None in (
            common["id"], common["intro"]):
        return None
    return cls(**common, **specific)


def _all_set(result: dict):
    return result if None not in result.values() else None


def _figure_reader(default_source):
    def read_figure(ctx, raw, path):
        r = f.Reader(ctx, raw, path)
        result = dict(
            value=r.get("value", f.amount),
            label=r.get("label", f.text),
            source=r.get("source", f.ident, default=default_source),
            id=r.get("id", f.ident, default=None),
            as_of=r.get("as_of", f.text, default=None),
            unit=r.get("unit", f.text, default=None),
            style=r.get("style", f.choice("number", "percent"), default="number"),
            decimals=r.get("decimals", f.decimals, default=0),
        )
        r.done()
        if result["source"] is None and r.ok:
            ctx.problem(path, "names no source: add 'source:' here or on its section")
        if None in (result["value"], result["label"], result["source"], result["decimals"]):
            return None
        return Figure(**result)
    return read_figure


def _figures(r, key, default_source, **kw):
    return r.get(key, f.list_of(_figure_reader(default_source)), **kw)


def _cover(r, source):
    figures = _figures(r, "figures", source)
    note = r.get("note", f.text, default=None)
    return None if figures is None else {"figures": figures, "note": note}


def _contents(r, source):
    return {}


def _chapter(r, source):
    return {"summary": r.get("summary", f.text, default=None)}


def _text(r, source):
    return _all_set({"paragraphs": r.get("paragraphs", f.list_of(f.para))})


def _list(r, source):
    return _all_set({"items": r.get("items", f.list_of(f.para))})


def _key_figures(r, source):
    return _all_set({"items": _figures(r, "items", source)})


def _event(ctx, raw, path):
    r = f.Reader(ctx, raw, path)
    result = _all_set({"date": r.get("date", f.partial_date), "text": r.get("text", f.para)})
    r.done()
    return TimelineEvent(**result) if result else None


def _timeline(r, source):
    events = r.get("events", f.list_of(_event))
    if events:
        dates = [(e.date.year, e.date.month or 0, e.date.day or 0) for e in events]
        if dates != sorted(dates):
            r.ctx.problem(r.sub("events"), "events must be in date order")
    return _all_set({"events": events})


def _row(ctx, raw, path):
    r = f.Reader(ctx, raw, path)
    result = {"activity": r.get("activity", f.text), "carried_by": r.get("carried_by", f.text),
              "what_to_do": r.get("what_to_do", f.text, default=None)}
    r.done()
    return HandoverRow(**result) if result["activity"] and result["carried_by"] else None


def _handover(r, source):
    return _all_set({"rows": r.get("rows", f.list_of(_row))})


def _question(ctx, raw, path):
    r = f.Reader(ctx, raw, path)
    result = _all_set({"question": r.get("question", f.text),
                       "answer": r.get("answer", f.list_of(f.para))})
    r.done()
    return Question(**result) if result else None


def _faq(r, source):
    return _all_set({"items": r.get("items", f.list_of(_question))})


def _item(ctx, raw, path):
    r = f.Reader(ctx, raw, path)
    result = _all_set({"heading": r.get("heading", f.text),
                       "text": r.get("text", f.list_of(f.para))})
    r.done()
    return PriorityItem(**result) if result else None


def _items(r, source):
    return _all_set({"items": r.get("items", f.list_of(_item))})


def _population(r, source):
    return _all_set({"groups": _figures(r, "groups", source),
                     "caption": r.get("caption", f.text)})


def _funding(r, source):
    result = _all_set({
        "currency": r.get("currency", f.plain_str),
        "unit": r.get("unit", f.text),
        "requirement": r.get("requirement", f.amount),
        "funded": r.get("funded", f.amount),
        "gap": r.get("gap", f.amount),
        "funded_percent": r.get("funded_percent", f.percent),
        "gap_percent": r.get("gap_percent", f.percent),
        "decimals": r.get("decimals", f.decimals, default=1),
        "caption": r.get("caption", f.text),
    })
    if result:
        _check_funding(r, result)
    return result


def _check_funding(r, d):
    """funded + gap = requirement, and the percentages match the amounts (source rounding)."""
    tolerance = 10 ** -d["decimals"] / 2 * 3
    if abs(d["funded"] + d["gap"] - d["requirement"]) > tolerance:
        r.ctx.problem(r.sub("gap"), f"funded ({d['funded']}) + gap ({d['gap']}) should equal "
                                    f"requirement ({d['requirement']})")
    if d["funded_percent"] + d["gap_percent"] != 100:
        r.ctx.problem(r.sub("gap_percent"), f"funded_percent ({d['funded_percent']}) + "
                                            f"gap_percent ({d['gap_percent']}) should be 100")
    if d["requirement"] and abs(d["funded"] / d["requirement"] * 100 - d["funded_percent"]) > 2:
        share = d["funded"] / d["requirement"] * 100
        r.ctx.problem(r.sub("funded_percent"), f"{d['funded_percent']}% does not match "
                                               f"funded/requirement ({share:.1f}%)")


def _presence(r, source):
    return _all_set({"staff": _figures(r, "staff", source),
                     "offices": _figures(r, "offices", source)})


def _donors(r, source):
    return _all_set({"donors": r.get("donors", f.list_of(f.text)),
                     "closing": r.get("closing", f.list_of(f.para), default=())})


def _sources(r, source):
    return _all_set({"notes": r.get("notes", f.list_of(f.para), default=()),
                     "unavailable": r.get("unavailable", f.list_of(f.para), default=())})


# type -> (parser, model class, title required)
SECTION_PARSERS = {
    "cover": (_cover, CoverSection, False),
    "contents": (_contents, ContentsSection, True),
    "chapter": (_chapter, ChapterSection, True),
    "text": (_text, TextSection, True),
    "list": (_list, ListSection, True),
    "key_figures": (_key_figures, KeyFiguresSection, True),
    "timeline": (_timeline, TimelineSection, True),
    "handover": (_handover, HandoverSection, True),
    "faq": (_faq, FaqSection, True),
    "items": (_items, ItemsSection, True),
    "population": (_population, PopulationSection, True),
    "funding": (_funding, FundingSection, True),
    "presence": (_presence, PresenceSection, True),
    "donors": (_donors, DonorsSection, True),
    "sources": (_sources, SourcesSection, True),
}

NEEDS_SOURCE = ("key_figures", "population", "funding", "presence", "timeline", "handover",
                "faq", "items", "text", "list", "donors", "cover")


def check_consistency(ctx, briefing, checks):
    """Cross-checks: source ids exist, figure ids unique, parts within their wholes."""
    known = {s.id for s in briefing.sources}
    for i, section in enumerate(briefing.sections):
        path = ("sections", i)
        if section.source and section.source not in known:
            ctx.problem(path + ("source",), _unknown_source(section.source, known))
        elif section.type in NEEDS_SOURCE and not section.source and not _all_sourced(section):
            ctx.problem(path, f"section '{section.id}' names no source: add 'source:'")
        for para in _paras_of(section):
            if para.source and para.source not in known:
                ctx.problem(path, _unknown_source(para.source, known))
        for fig in figures_of(section):
            if fig.source not in known:
                ctx.problem(path, f"figure '{fig.id or fig.label}': "
                                  + _unknown_source(fig.source, known))
    for i, para in enumerate(briefing.email.body if briefing.email else ()):
        if para.source and para.source not in known:
            ctx.problem(("email", "body", i), _unknown_source(para.source, known))
    values = _ids(ctx, briefing)
    for part, whole, path in checks:
        for name, key in ((part, "part"), (whole, "whole")):
            if name not in values:
                ctx.problem(path + (key,), f"no figure or value has the id '{name}'")
        if part in values and whole in values and values[part] > values[whole]:
            ctx.problem(path, f"'{part}' ({values[part]}) exceeds its whole "
                              f"'{whole}' ({values[whole]})")


def _unknown_source(name, known):
    return f"unknown source '{name}'; the sources are: {', '.join(sorted(known))}"


def _all_sourced(section):
    """True when every figure, or every list item, names its own source."""
    figures = list(figures_of(section))
    if figures:
        return all(fig.source for fig in figures)
    items = [item for item in getattr(section, "items", ()) if hasattr(item, "source")]
    return bool(items) and all(item.source for item in items)


def _ids(ctx, briefing):
    values = {}
    for i, section in enumerate(briefing.sections):
        for owner in _value_holders(section):
            if owner.id in values:
                ctx.problem(("sections", i), f"the id '{owner.id}' is used twice")
            values[owner.id] = owner.value
    for i, para in enumerate(briefing.email.body if briefing.email else ()):
        for owner in (v for v in para.values.values() if isinstance(v, Value) and v.id):
            if owner.id in values:
                ctx.problem(("email", "body", i), f"the id '{owner.id}' is used twice")
            values[owner.id] = owner.value
    return values


def _value_holders(section):
    yield from (fig for fig in figures_of(section) if fig.id)
    for para in _paras_of(section):
        yield from (v for v in para.values.values() if isinstance(v, Value) and v.id)


def _paras_of(section):
    yield from section.intro
    for name in ("paragraphs", "closing", "notes", "unavailable"):
        yield from getattr(section, name, ())
    for item in getattr(section, "items", ()):
        if hasattr(item, "text") and isinstance(item.text, tuple):
            yield from item.text
        elif hasattr(item, "answer"):
            yield from item.answer
        elif hasattr(item, "values"):
            yield item
    for event in getattr(section, "events", ()):
        yield event.text
