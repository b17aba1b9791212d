"""The checks across a whole briefing, by the model's types (never by a section's fields).

Every `Para` and `Figure` anywhere (any section type, the email) must name a known source;
a section that needs a source has one, unless every Para and Figure in it names its own;
ids are unique; parts never exceed their wholes; every `Text` has every edition language.
A new section type gets all of this by using these types in its model.
"""

from __future__ import annotations

from .model import Figure, Para, Text, Value, find


def check_briefing(ctx, briefing, checks=()) -> None:
    """Record a problem in `ctx` for every inconsistency in `briefing`."""
    known = {s.id for s in briefing.sources}
    _check_section_sources(ctx, briefing, known)
    for path, para in find(briefing, Para):
        if para.source and para.source not in known:
            _problem(ctx, path + ("source",), _unknown_source(para.source, known))
    for path, fig in find(briefing, Figure):
        if fig.source not in known:
            name = fig.id or fig.label[ctx.langs[0]]
            _problem(ctx, path + ("source",), f"figure '{name}': "
                                             + _unknown_source(fig.source, known))
    for path, text in find(briefing, Text):
        for lang in ctx.langs:
            if lang not in text:
                _problem(ctx, path, f"missing the '{lang}' translation")
    _check_parts_within_wholes(ctx, _values_by_id(ctx, briefing), checks)


def _check_section_sources(ctx, briefing, known):
    """Check each section's own source, and that a type needing one has it."""
    for i, section in enumerate(briefing.sections):
        path = ("sections", i)
        if section.source and section.source not in known:
            _problem(ctx, path + ("source",), _unknown_source(section.source, known))
        elif (section.declaration.needs_source and not section.source
              and not _self_sourced(section)):
            _problem(ctx, path, "names no source: add 'source:'")


def _self_sourced(section) -> bool:
    """Return True when the section holds Paras or Figures and every one names its source."""
    cited = [node for path, node in find(section, Para | Figure) if path[:1] != ("intro",)]
    return bool(cited) and all(node.source for node in cited)


def _values_by_id(ctx, briefing) -> dict:
    """Return {id: number} of every Figure and Value with an id; an id used twice is a problem."""
    declared = {fid: fig.value for fid, fig in briefing.figures.items()}  # ids once by design
    values = {}
    for path, node in find(briefing, Figure | Value):
        if node.id is None or node.id in declared:  # a reference to a declared figure
            continue
        if node.id in values:
            _problem(ctx, path + ("id",), f"the id '{node.id}' is used twice")
        values[node.id] = node.value
    return {**values, **declared}


def _check_parts_within_wholes(ctx, values, checks):
    for check in checks:
        for name, key in ((check.part, "part"), (check.whole, "whole")):
            if name not in values:
                ctx.problem(check.path + (key,), f"no figure or value has the id '{name}'")
        part, whole = values.get(check.part), values.get(check.whole)
        if part is not None and whole is not None and part > whole:
            ctx.problem(check.path, f"'{check.part}' ({part}) exceeds its whole "
                                    f"'{check.whole}' ({whole})")


def _unknown_source(name, known):
    return f"unknown source '{name}'; the sources are: {', '.join(sorted(known))}"


def _problem(ctx, path, message):
    """Record a problem at the deepest part of `path` the data file has.

    Model paths are the file's keys, except where a shared record renames one (an Entry's
    `body` is a question's `answer`): the message then names the record that holds it.
    """
    while path and path not in ctx.doc.lines:
        path = path[:-1]
    ctx.problem(path, message)

