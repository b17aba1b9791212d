"""Hostile and odd data (issue 9, items 11-14 and 19): refused at load with file:line, or laid
out inside the page; one rule for braces; the chart cache keyed by what the chart shows."""

import re

import pypdf
import pypdfium2
import pytest
from conftest import ROOT, SECOND, run_cli

from report.document import i18n
from report.document.load import load_briefing
from report.document.model import Para, Value
from report.errors import DataError
from report.render.charts import ChartCache, chart_key, render_charts


def _variant(tmp_path, *replacements, base=SECOND, name="variant.yaml"):
    text = base.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"fixture text not found: {old!r}"
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path, *replacements):
    with pytest.raises(DataError) as info:
        load_briefing(_variant(tmp_path, *replacements), root=ROOT, name="variant.yaml")
    return info.value.problems


def _plain_paths(problems):
    """Problems with the section's name taken out: `section 'x' (sections[1])` -> `sections[1]`."""
    return [re.sub(r"section '[^']*' \((sections\[\d+\])\)", r"\1", p) for p in problems]


def _assert_problem(problems, expected):
    assert any(p.startswith(expected) for p in _plain_paths(problems)), "\n".join(problems)


# --- 11. non-finite and absurd numbers ------------------------------------------------------

NUMBERS = [
    ("huge float", "value: 155,", "value: 1.0e+308,",
     "variant.yaml:49: sections[1].items[1].value: expected a number below 10^15, got 1e+308"),
    ("nan", "value: 155,", "value: .nan,",
     "variant.yaml:49: sections[1].items[1].value: expected a finite number, got nan"),
    ("inf", "value: 155,", "value: .inf,",
     "variant.yaml:49: sections[1].items[1].value: expected a finite number, got inf"),
    ("minus inf", "value: 155,", "value: -.inf,",
     "variant.yaml:49: sections[1].items[1].value: expected a finite number, got -inf"),
    ("huge whole number", "value: 155,", f"value: {10**20},",
     "variant.yaml:49: sections[1].items[1].value: expected a number below 10^15, got "
     "100000000000000000000"),
    ("overflowing requirement", "requirement: 8.0", "requirement: 1.0e+400",
     "variant.yaml:71: sections[3].requirement: expected a finite number, got inf"),
    ("huge key figure", "value: 2084, id: idps-legal-aid",
     "value: 1.0e+300, id: idps-legal-aid",
     "variant.yaml:48: sections[1].items[0].value: expected a number below 10^15"),
    ("absurd decimals", "value: 155,", "value: 155, decimals: 1000000000,",
     "variant.yaml:49: sections[1].items[1].decimals: expected at most 6 decimal places, "
     "got 1000000000"),
    ("absurd funding decimals", "requirement: 8.0", "requirement: 8.0\n    decimals: 99",
     "variant.yaml:72: sections[3].decimals: expected at most 6 decimal places, got 99"),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in NUMBERS],
                         ids=[c[0] for c in NUMBERS])
def test_non_finite_and_absurd_numbers_are_refused(tmp_path, old, new, expected):
    _assert_problem(_problems(tmp_path, (old, new)), expected)


def test_check_refuses_a_huge_figure_with_exit_2(tmp_path):
    path = _variant(tmp_path, ("value: 155,", "value: 1.0e+308,"))
    result = run_cli("check", "--data", path)
    assert result.returncode == 2, result.stderr
    assert ":49: sections[1].items[1].value: expected a number below 10^15" in "\n".join(
        _plain_paths(result.stderr.splitlines()))
    assert "Traceback" not in result.stderr


# --- 12. a word longer than a line ------------------------------------------------------------

def test_a_200000_character_word_is_refused(tmp_path):
    word = "x" * 200_000
    problems = _problems(tmp_path, ("Population statistics: UNHCR", f"{word} UNHCR"),
                         ('title: "Funding"', f'title: "{word}"'))
    _assert_problem(problems, "variant.yaml:66: sections[3].title: the 'en' text has a word of "
                              "200,000 characters (the limit is 200); break it with spaces")
    _assert_problem(problems, "variant.yaml:82: sections[4].notes[0]: the 'en' text has a word "
                              "of 200,000 characters")


LONG = ("Ultra" + "çğışöüəİ" * 3 + "long") * 5  # 175 characters, no space: allowed, and wrapped
WORDY = [
    ('title: "UNHCR in Azerbaijan: 2024 at a glance"', f'title: "UNHCR {LONG}"'),
    ('short_title: "UNHCR Azerbaijan 2024"', f'short_title: "{LONG}"'),
    ('label: "refugees"', f'label: "{LONG}"'),
    ("label: \"mine-safety information boards", f"label: \"{LONG} boards"),
    ('label: "Asylum-seekers"', f'label: "{LONG}"'),
    ('title: "Funding"', f'title: "{LONG}"'),
    ('unit: "million US dollars"', f'unit: "million {LONG}"'),
    ("Population statistics: UNHCR", f"{LONG}: UNHCR"),
    ('publisher: "UNHCR, the UN Refugee Agency"', f'publisher: "UNHCR {LONG}"'),
    ("editions: [en]", "editions: [en, az]"),
]


def _same_in_all_editions(path):
    """Mark every quoted text `{all: ...}` (strict editions), so one text serves both."""
    text = path.read_text(encoding="utf-8")
    quoted = r'("(?:[^"\\]|\\.)*")'
    text = re.sub(r"(\b(?:title|subtitle|short_title|author|subject|keywords|name|logo_alt|label|"
                  r"as_of|unit|caption|kind|language|publisher|short|note|summary): )" + quoted,
                  r"\1{all: \2}", text)
    text = re.sub(r"^(\s*- )" + quoted + r"\s*$", r"\1{all: \2}", text, flags=re.M)
    path.write_text(text, encoding="utf-8")
    return path


def test_long_words_stay_on_the_page_in_both_editions(tmp_path):
    data = _same_in_all_editions(_variant(tmp_path, *WORDY))
    result = run_cli("build", "--data", data, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    for lang in ("en", "az"):
        pdf = pypdfium2.PdfDocument(tmp_path / "out" / f"unhcr-2024-{lang}.pdf")
        outside = []
        for number, page in enumerate(pdf, start=1):
            width, height = page.get_size()
            text = page.get_textpage()
            for i in range(text.count_chars()):
                left, bottom, right, top = text.get_charbox(i)
                if right - left <= 0:  # generated (spaces, line ends)
                    continue
                if left < -0.5 or bottom < -0.5 or right > width + 0.5 or top > height + 0.5:
                    outside.append((number, text.get_text_range(i, 1), round(left), round(right)))
        assert outside == [], f"{lang}: {len(outside)} characters off the page: {outside[:5]}"
        assert "Ultra" in "".join(page.get_textpage().get_text_range() for page in pdf)


# --- 13. one rule for braces ------------------------------------------------------------------

def test_braces_follow_one_rule_with_or_without_values():
    assert i18n.para(Para({"en": "a set {{x}}"}), "en") == "a set {x}"
    with_values = Para({"en": "a set {{x}} of {n}"}, {"n": Value(3)})
    assert i18n.para(with_values, "en") == "a set {x} of 3"


@pytest.mark.parametrize(("text", "expected"), [
    ("a {stray", "the 'en' text has a broken {placeholder}"),
    ("a stray} brace", "the 'en' text has a broken {placeholder}"),
    ("a {name} without values", "the 'en' text uses {name} but values does not define it"),
])
def test_braces_that_are_not_placeholders_are_refused(tmp_path, text, expected):
    problems = _problems(tmp_path, ("Population statistics: UNHCR", f"{text} UNHCR"))
    _assert_problem(problems, f"variant.yaml:82: sections[4].notes[0]: {expected}")


# --- 14. control characters in every text field --------------------------------------------

TEXT_FIELDS = [
    # (what, replace this, with a {C} where the control character goes, line, path)
    ("document title", 'title: "UNHCR in Azerbaijan', 'title: "UNHCR{C} in Azerbaijan', 4,
     "document.title"),
    ("figure label", 'label: "refugees"', 'label: "refu{C}gees"', 40,
     "sections[0].figures[1].label"),
    ("figure as_of", 'as_of: "September 2024"', 'as_of: "Sept{C}ember 2024"', 41,
     "sections[0].figures[2].as_of"),
    ("paragraph", "\"Population statistics: UNHCR", "\"Population{C} statistics: UNHCR", 82,
     "sections[4].notes[0]"),
    ("paragraph with values", "\"Population statistics: UNHCR",
     "{text: \"{n} Population{C} statistics\", values: {n: 3}}\n      - \"UNHCR", 82,
     "sections[4].notes[0].text"),
    ("currency (a plain string)", "currency: USD", 'currency: "US{C}D"', 69,
     "sections[3].currency"),
    ("font family (a plain string)", "family: Lato", 'family: "La{C}to"', 20,
     "brand.fonts.family"),
    ("source title", 'title: "Azerbaijan fact sheet"', 'title: "Azerbaijan{C} fact sheet"', 29,
     "sources[0].title"),
]
CONTROLS = ["\\a", "\\x1c", "\\x85", "\\x7f", "\\r", "\\0"]


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize(("old", "new", "line", "path"), [c[1:] for c in TEXT_FIELDS],
                         ids=[c[0] for c in TEXT_FIELDS])
def test_control_characters_are_refused_in_every_text_field(tmp_path, old, new, line, path,
                                                            control):
    problems = _problems(tmp_path, (old, new.replace("{C}", control)))
    _assert_problem(problems, f"variant.yaml:{line}: {path}: ")
    assert any("control character U+" in p for p in problems), "\n".join(problems)


def test_line_breaks_and_tabs_in_a_paragraph_stay_allowed(tmp_path):
    path = _variant(tmp_path, ("\"Population statistics: UNHCR", "\"Population\\tstatistics:\\n"
                                                                  " UNHCR"))
    assert load_briefing(path, root=ROOT).sections[4].notes[0].text["en"].startswith(
        "Population\tstatistics:\n")


# --- 19. paragraph cross-checks and the chart cache key ---------------------------------------

PARA = ('{{text: "{{n}} people", values: {{n: {{value: 999999, id: para-n}}}}, '
        'source: {source}}}')
PLACES = {
    "text paragraphs": "  - {{type: text, id: t, title: T, source: unhcr-factsheet-2024, "
                       "paragraphs: [{para}]}}",
    "section intro": "  - {{type: text, id: t, title: T, source: unhcr-factsheet-2024, "
                     "intro: [{para}], paragraphs: [plain]}}",
    "list items": "  - {{type: list, id: t, title: T, source: unhcr-factsheet-2024, "
                  "items: [{para}]}}",
    "faq answers": "  - {{type: faq, id: t, title: T, source: unhcr-factsheet-2024, "
                   "items: [{{question: Q, answer: [{para}]}}]}}",
    "headed items": "  - {{type: items, id: t, title: T, source: unhcr-factsheet-2024, "
                    "items: [{{heading: H, text: [{para}]}}]}}",
    "timeline events": "  - {{type: timeline, id: t, title: T, source: unhcr-factsheet-2024, "
                       "events: [{{date: 2024, text: {para}}}]}}",
    "donors closing": "  - {{type: donors, id: t, title: T, source: unhcr-factsheet-2024, "
                      "donors: [A], closing: [{para}]}}",
    "sources notes": "  - {{type: sources, id: t, title: T, notes: [{para}]}}",
    "sources unavailable": "  - {{type: sources, id: t, title: T, unavailable: [{para}]}}",
}


def _with_section(tmp_path, place, source):
    section = PLACES[place].format(para=PARA.format(source=source))
    return _variant(tmp_path, ("\nchecks:\n", f"\n{section}\n\nchecks:\n"),
                    ("{part: idps-legal-aid, whole: idps}", "{part: para-n, whole: idps}"))


@pytest.mark.parametrize("place", PLACES)
def test_paragraph_sources_and_value_ids_are_cross_checked(tmp_path, place):
    with pytest.raises(DataError) as info:
        load_briefing(_with_section(tmp_path, place, "nope"), root=ROOT, name="variant.yaml")
    problems = info.value.problems
    assert any("unknown source 'nope'" in p for p in problems), problems
    assert any("'para-n' (999999) exceeds its whole 'idps' (657749)" in p for p in problems), \
        problems


def test_the_email_body_is_cross_checked_too(tmp_path):
    body = "  body:\n    - " + PARA.format(source="nope") + "\n"
    path = _variant(tmp_path, ("  body:\n    - \"Attached is", body + "    - \"Attached is"),
                    ("{part: idps-legal-aid, whole: idps}", "{part: para-n, whole: idps}"))
    with pytest.raises(DataError) as info:
        load_briefing(path, root=ROOT, name="variant.yaml")
    assert any("email.body[0].source: unknown source 'nope'" in p for p in info.value.problems), \
        info.value.problems
    assert any("'para-n' (999999) exceeds" in p for p in info.value.problems)


@pytest.fixture(scope="module")
def charts_setup():
    from report.document.project import load_project

    briefing, labels = load_project(SECOND)
    fonts = [ROOT / "assets" / p for p in briefing.brand.fonts.values()]
    return briefing, labels["en"], fonts


def _population(briefing):
    return next(s for s in briefing.sections if s.type == "population")


def test_the_chart_key_follows_the_data_not_the_line(charts_setup, tmp_path):
    import dataclasses

    briefing, labels, fonts = charts_setup
    section = _population(briefing)
    key = chart_key(section, "en", labels, briefing.brand, font_paths=fonts)
    groups = (dataclasses.replace(section.groups[0], value=600000), *section.groups[1:])
    edited = dataclasses.replace(section, groups=groups)
    assert chart_key(edited, "en", labels, briefing.brand, font_paths=fonts) != key
    moved = dataclasses.replace(section, line=section.line + 10)
    assert chart_key(moved, "en", labels, briefing.brand, font_paths=fonts) == key
    other_font = tmp_path / "font.ttf"
    other_font.write_bytes(fonts[0].read_bytes()[:-1] + b"\0")
    assert chart_key(section, "en", labels, briefing.brand,
                     font_paths=[other_font, *fonts[1:]]) != key


def test_a_cached_chart_is_redrawn_when_its_data_changes(charts_setup, tmp_path):
    import dataclasses

    briefing, labels, fonts = charts_setup
    cache = ChartCache(tmp_path / "charts")
    first = render_charts(briefing, "en", labels, font_paths=fonts, cache=cache)
    section = _population(briefing)
    groups = (*section.groups[:2], dataclasses.replace(section.groups[2], value=4321),
              *section.groups[3:])
    sections = tuple(dataclasses.replace(s, groups=groups) if s is section else s
                     for s in briefing.sections)
    edited = dataclasses.replace(briefing, sections=sections)
    second = render_charts(edited, "en", labels, font_paths=fonts, cache=cache)
    assert "4,321" in second["population"].svg
    assert "4,321" not in first["population"].svg
    assert second["funding"].svg == first["funding"].svg


def test_an_edited_figure_reaches_the_chart_of_the_next_build(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--data", SECOND, "--out", out).returncode == 0
    data = _variant(tmp_path, ("{value: 513, label:", "{value: 4321, label:"))
    result = run_cli("build", "--data", data, "--out", out)
    assert result.returncode == 0, result.stderr
    text = "".join(page.extract_text() for page in pypdf.PdfReader(out / "unhcr-2024-en.pdf")
                   .pages)
    assert "4,321" in text
    assert "513" not in text.replace("6,513", "")


ZEROS = [
    ("small groups all zero", ('value: 8087, label: "Refugees"', 'value: 0, label: "Refugees"'),
     ('value: 513, label: "Stateless', 'value: 0, label: "Stateless'),
     ('value: 224, label: "Asylum', 'value: 0, label: "Asylum')),
    ("every group zero", ('value: 657749, label: "IDPs"', 'value: 0, label: "IDPs"'),
     ('value: 8087, label: "Refugees"', 'value: 0, label: "Refugees"'),
     ('value: 513, label: "Stateless', 'value: 0, label: "Stateless'),
     ('value: 224, label: "Asylum', 'value: 0, label: "Asylum'),
     ("value: 2084, id: idps-legal-aid", "value: 0, id: idps-legal-aid")),
    ("nothing required", ("requirement: 8.0", "requirement: 0"), ("funded: 4.5", "funded: 0"),
     ("gap: 3.5", "gap: 0"), ("funded_percent: 56", "funded_percent: 0"),
     ("gap_percent: 44", "gap_percent: 100")),
]


@pytest.mark.parametrize("replacements", [c[1:] for c in ZEROS], ids=[c[0] for c in ZEROS])
def test_zero_figures_that_pass_check_also_build(tmp_path, replacements):
    """A sibling of item 11: valid data that the charts could not draw (division by zero)."""
    data = _variant(tmp_path, *replacements)
    assert run_cli("check", "--data", data).returncode == 0
    result = run_cli("build", "--data", data, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
