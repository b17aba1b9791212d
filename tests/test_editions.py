"""Strict editions: in a file with several editions every human-readable string gives each
edition, or says it is the same in all ({all: "COP29"}); problems name sections by id/title."""

import pytest
import yaml
from conftest import DATA, ROOT, SECOND, copy_tables

from report.document.load import load_briefing
from report.errors import DataError

DONORS = 'title: {en: "Donors", az: "Donorlar"}'


def _line(needle, base=DATA):
    """Return the line of `needle` in `base` (data.yaml changes: no fixed numbers)."""
    text = base.read_text(encoding="utf-8")
    return text[:text.index(needle)].count("\n") + 1


def _index(section_id, base=DATA):
    """Return the index of the section `section_id` in `base` (sections come and go)."""
    sections = yaml.safe_load(base.read_text(encoding="utf-8"))["sections"]
    return next(i for i, section in enumerate(sections) if section.get("id") == section_id)


AT = f"variant.yaml:{_line(DONORS)}: section 'donors' (sections[{_index('donors')}]).title"


def _load(tmp_path, old, new, base=DATA):
    text = base.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    copy_tables(tmp_path)
    return load_briefing(path, root=ROOT, name="variant.yaml")


def _problems(tmp_path, old, new, base=DATA):
    with pytest.raises(DataError) as info:
        _load(tmp_path, old, new, base)
    return info.value.problems


@pytest.mark.parametrize(("new", "expected"), [
    ('title: "Donors"',
     f"{AT}: one string for the editions en, "
     "az: the 'az' translation is missing; write {en: \"Donors\", az: \"...\"}, or "
     "{all: \"Donors\"} if it is the same in every edition (a name)"),
    ('title: {all: "Donors", az: "Donorlar"}',
     f"{AT}: 'all' cannot be combined with "
     "languages (az); keep one or the other"),
    ("title: {all: 29}",
     f"{AT}.all: expected a string, got 29"),
    ('title: {all: " "}',
     f"{AT}: the 'en' text is empty"),
])
def test_strict_editions(tmp_path, new, expected):
    assert _problems(tmp_path, DONORS, new) == [expected]


def test_a_long_plain_string_is_shortened_in_the_message(tmp_path):
    old = 'short_title:\n    en: "Azerbaijan briefing"\n    az: "Azərbaycan üzrə brifinq"'
    problems = _problems(tmp_path, old, 'short_title: "Azerbaijan briefing: the closure of the '
                                        'ICRC Delegation and UNHCR"')
    shown = "Azerbaijan briefing: the closure of the…"
    assert problems == [
        f"variant.yaml:{_line(old)}: document.short_title: one string for the editions en, "
        f"az: the 'az' translation is missing; write {{en: \"{shown}\", az: \"...\"}}, or "
        f"{{all: \"{shown}\"}} if it is the same in every edition (a name)"]


def test_same_in_all_prints_the_same_in_every_edition(tmp_path):
    briefing = _load(tmp_path, DONORS, 'title: {all: "COP29"}')
    donors = next(s for s in briefing.sections if s.id == "donors")
    assert dict(donors.title) == {"en": "COP29", "az": "COP29"}


def test_a_one_edition_file_takes_plain_strings_and_same_in_all(tmp_path):
    briefing = _load(tmp_path, 'title: "Funding"', 'title: {all: "Funding"}', base=SECOND)
    assert dict(briefing.sections[3].title) == {"en": "Funding"}
    assert dict(briefing.sections[1].title) == {"en": "Key results of 2024"}


@pytest.mark.parametrize(("edits", "expected"), [
    ([("      - mine-signs\n", "      - mine-sings\n")],
     "variant.yaml:67: section 'results' (sections[1]).items[1]: no figure has the id "
     "'mine-sings'; did you mean 'mine-signs'?"),
    ([("      - mine-signs\n", "      - mine-sings\n"), ("    id: results\n", "")],
     # no id: by its title
     "variant.yaml:66: section 'Key results of 2024' (sections[1]).items[1]: no figure has "
     "the id 'mine-sings'; did you mean 'mine-signs'?"),
    ([('label: "refugees", as_of', "label: 5, as_of")],  # the cover has neither: by its index
     "variant.yaml:58: sections[0].figures[1].label: expected a string or a mapping of "
     "language to string, got 5"),
    ([('    caption: "Population statistics', '    caption: 5  # "Population statistics')],
     "variant.yaml:75: section 'population' (sections[2]).caption: expected a string or a "
     "mapping of language to string, got 5"),
])
def test_problems_name_the_section(tmp_path, edits, expected):
    text = SECOND.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "variant.yaml"
    path.write_text(text, encoding="utf-8")
    copy_tables(tmp_path)
    with pytest.raises(DataError) as info:
        load_briefing(path, root=ROOT, name="variant.yaml")
    assert info.value.problems == [expected]
