"""Hostile and odd data (issue 9, items 11-14 and 19): refused at load with file:line, or laid
out inside the page; one rule for braces; the chart cache keyed by what the chart shows."""

import re

import pypdf
import pypdfium2
import pytest
from conftest import ROOT, SECOND, copy_tables, run_cli

from report.document import i18n
from report.document.load import load_briefing
from report.document.model import Para, Value
from report.errors import DataError
from report.render.charts import ChartCache, chart_key, render_charts


def _variant(tmp_path, *replacements, base=SECOND, name="variant.yaml", table=()):
    """A copy of `base` with `replacements` made, beside its tables; `table` replacements
    are made in the copied second-population.csv."""
    text = base.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"fixture text not found: {old!r}"
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    copy_tables(tmp_path)  # the tables the data file reads its figures from
    csv = tmp_path / "second-population.csv"
    for old, new in table:
        rows = csv.read_text(encoding="utf-8")
        assert old in rows, f"table text not found: {old!r}"
        csv.write_text(rows.replace(old, new, 1), encoding="utf-8")
    return path


def _line(path, needle):
    """The line (from 1) of `path` where `needle` begins."""
    text = path.read_text(encoding="utf-8")
    assert needle in text, f"not in {path.name}: {needle[:60]!r}"
    return text[:text.index(needle)].count("\n") + 1


def _problems(tmp_path, *replacements, table=()):
    path = _variant(tmp_path, *replacements, table=table)
    with pytest.raises(DataError) as info:
        load_briefing(path, root=ROOT, name="variant.yaml")
    return info.value.problems


def _plain_paths(problems):
    """Problems with the section's name taken out: `section 'x' (sections[1])` -> `sections[1]`."""
    return [re.sub(r"section '[^']*' \((sections\[\d+\])\)", r"\1", p) for p in problems]


def _assert_problem(problems, expected):
    assert any(p.startswith(expected) for p in _plain_paths(problems)), "\n".join(problems)


# --- 11. non-finite and absurd numbers ------------------------------------------------------
# Numbers live under `figures:` (typed, read from a table or computed): each is refused at
# the line of its figure, whichever way it gets its value.

NUMBERS = [
    # (what, replace this, with this, the problem after "variant.yaml:<line of the new text>: ")
    ("huge float", "value: 155,", "value: 1.0e+308,",
     "figures.mine-signs.value: expected a number below 10^15, got 1e+308"),
    ("nan", "value: 155,", "value: .nan,",
     "figures.mine-signs.value: expected a finite number, got nan"),
    ("inf", "value: 155,", "value: .inf,",
     "figures.mine-signs.value: expected a finite number, got inf"),
    ("minus inf", "value: 155,", "value: -.inf,",
     "figures.mine-signs.value: expected a finite number, got -inf"),
    ("huge whole number", "value: 155,", f"value: {10**20},",
     "figures.mine-signs.value: expected a number below 10^15, got 100000000000000000000"),
    ("overflowing requirement", "value: 8.0,", "value: 1.0e+400,",
     "figures.requirement.value: expected a finite number, got inf"),
    ("nan amount", "value: 4.5,", "value: .nan,",
     "figures.funded.value: expected a finite number, got nan"),
    ("huge key figure", "value: 2084,", "value: 1.0e+300,",
     "figures.idps-legal-aid.value: expected a number below 10^15"),
    ("absurd decimals", "value: 155,", "value: 155, decimals: 1000000000,",
     "figures.mine-signs.decimals: expected at most 6 decimal places, got 1000000000"),
    ("absurd funding decimals", "value: 8.0, decimals: 1", "value: 8.0, decimals: 99",
     "figures.requirement.decimals: expected at most 6 decimal places, got 99"),
    ("printed nan", "printed: 3.5", "printed: .nan",
     "figures.gap.printed: expected a finite number, got nan"),
    ("huge sum", "  dafi: {value: 40,",
     "  total: {sum: [dafi, dafi-b], source: unhcr-factsheet-2024}\n"
     "  dafi-b: {value: 900000000000000, source: unhcr-factsheet-2024}\n"
     "  dafi: {value: 900000000000000,",
     "figures.total.sum: expected a number below 10^15, got 1800000000000000"),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in NUMBERS],
                         ids=[c[0] for c in NUMBERS])
def test_non_finite_and_absurd_numbers_are_refused(tmp_path, old, new, expected):
    problems = _problems(tmp_path, (old, new))
    line = _line(tmp_path / "variant.yaml", new.strip())
    _assert_problem(problems, f"variant.yaml:{line}: {expected}")


@pytest.mark.parametrize(("cell", "expected"), [
    ("100000000000000000000", "expected a number below 10^15, got 100000000000000000000"),
    ("inf", "expected a whole number, got 'inf'"),
    ("NaN", "expected a whole number, got 'NaN'"),
])
def test_an_absurd_number_in_a_table_names_the_figure_and_the_cell(tmp_path, cell, expected):
    problems = _problems(tmp_path, table=[("Refugees,8087", f"Refugees,{cell}")])
    line = _line(tmp_path / "variant.yaml", "  refugees: {table: population")
    _assert_problem(problems, f"variant.yaml:{line}: figures.refugees.")
    assert any(p.endswith(f"second-population.csv:3: column 'persons': {expected}")
               for p in problems), "\n".join(problems)


def test_a_huge_number_in_a_spreadsheet_is_refused(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["group", "persons"])
    book.active.append(["IDPs", 1.0e+300])
    book.save(tmp_path / "population.xlsx")
    problems = _problems(tmp_path, ("population: second-population.csv",
                                    "population: population.xlsx"))
    line = _line(tmp_path / "variant.yaml", "  idps: {table: population")
    _assert_problem(problems, f"variant.yaml:{line}: figures.idps.column: population.xlsx")
    assert any(p.endswith("column 'persons': expected a number below 10^15, got 1e+300")
               for p in problems), "\n".join(problems)


def test_check_refuses_a_huge_figure_with_exit_2(tmp_path):
    path = _variant(tmp_path, ("value: 155,", "value: 1.0e+308,"))
    result = run_cli("check", "--data", path)
    assert result.returncode == 2, result.stderr
    line = _line(path, "value: 1.0e+308,")
    assert f"variant.yaml:{line}: figures.mine-signs.value: expected a number below 10^15" \
        in result.stderr
    assert "Traceback" not in result.stderr


# --- 12. a word longer than a line ------------------------------------------------------------

def test_a_200000_character_word_is_refused(tmp_path):
    word = "x" * 200_000
    title, note, label = f'title: "{word}"', f"{word} UNHCR", f'label: "{word}"'
    problems = _problems(tmp_path, ("Population statistics: UNHCR", note),
                         ('title: "Funding"', title), ('label: "Stateless people"', label))
    path = tmp_path / "variant.yaml"
    _assert_problem(problems, f"variant.yaml:{_line(path, title)}: sections[3].title: the 'en' "
                              "text has a word of 200,000 characters (the limit is 200); break "
                              "it with spaces")
    _assert_problem(problems, f"variant.yaml:{_line(path, note)}: sections[4].notes[0]: the "
                              "'en' text has a word of 200,000 characters")
    _assert_problem(problems, f"variant.yaml:{_line(path, label)}: figures.stateless.label: the "
                              "'en' text has a word of 200,000 characters")


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
                  r"as_of|unit|caption|kind|language|publisher|short|note|summary|sign_off|"
                  r"role|contact): )" + quoted,
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
    line = _line(tmp_path / "variant.yaml", f"{text} UNHCR")
    _assert_problem(problems, f"variant.yaml:{line}: sections[4].notes[0]: {expected}")


# --- 14. control characters in every text field --------------------------------------------

TEXT_FIELDS = [
    # (what, replace this, with a {C} where the control character goes, path)
    ("document title", 'title: "UNHCR in Azerbaijan', 'title: "UNHCR{C} in Azerbaijan',
     "document.title"),
    ("declared figure label", 'label: "Refugees"', 'label: "Refu{C}gees"',
     "figures.refugees.label"),
    ("declared figure as_of", 'as_of: "September 2024"', 'as_of: "Sept{C}ember 2024"',
     "figures.funded-share.as_of"),
    ("declared figure unit", 'unit: "million US dollars"', 'unit: "million{C} US dollars"',
     "figures.requirement.unit"),
    ("a section's figure label", 'label: "refugees"', 'label: "refu{C}gees"',
     "sections[0].figures[1].label"),
    ("a section's figure as_of", 'as_of: "mid-2024"}', 'as_of: "mid{C}-2024"}',
     "sections[0].figures[0].as_of"),
    ("paragraph", "\"Population statistics: UNHCR", "\"Population{C} statistics: UNHCR",
     "sections[4].notes[0]"),
    ("paragraph with values", "\"Population statistics: UNHCR",
     "{text: \"{n} Population{C} statistics\", values: {n: refugees}}\n      - \"UNHCR",
     "sections[4].notes[0].text"),
    ("table column (a plain string)", "column: persons", 'column: "per{C}sons"',
     "figures.idps.column"),
    ("font family (a plain string)", "family: Lato", 'family: "La{C}to"',
     "brand.fonts.family"),
    ("source title", 'title: "Azerbaijan fact sheet"', 'title: "Azerbaijan{C} fact sheet"',
     "sources[0].title"),
    # a currency is a three-letter code: a control character cannot hide in it
    ("currency", "currency: USD", 'currency: "US{C}D"', "figures.requirement.currency"),
]
CONTROLS = ["\\a", "\\x1c", "\\x85", "\\x7f", "\\r", "\\0"]


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize(("old", "new", "path"), [c[1:] for c in TEXT_FIELDS],
                         ids=[c[0] for c in TEXT_FIELDS])
def test_control_characters_are_refused_in_every_text_field(tmp_path, old, new, path, control):
    new = new.replace("{C}", control)
    problems = _problems(tmp_path, (old, new))
    line = _line(tmp_path / "variant.yaml", new)
    _assert_problem(problems, f"variant.yaml:{line}: {path}: ")
    said = "expected a three-letter currency code" if path.endswith("currency") else \
        "control character U+"
    assert any(said in p for p in problems), "\n".join(problems)


def test_line_breaks_and_tabs_in_a_paragraph_stay_allowed(tmp_path):
    path = _variant(tmp_path, ("\"Population statistics: UNHCR", "\"Population\\tstatistics:\\n"
                                                                  " UNHCR"))
    assert load_briefing(path, root=ROOT).sections[4].notes[0].text["en"].startswith(
        "Population\tstatistics:\n")


# --- 19. paragraph cross-checks and the chart cache key ---------------------------------------

PARA = '{{text: "{{n}} people", values: {{n: {value}}}, source: {source}}}'
PARA_N = "  para-n: {value: 999999, source: unhcr-factsheet-2024}\n"
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


def _with_section(tmp_path, place, *, source, value="para-n"):
    """The second briefing with a section of `place` whose paragraph names `source` and
    shows `value` (a figure id, or a number typed where an id belongs)."""
    section = PLACES[place].format(para=PARA.format(source=source, value=value))
    return _variant(tmp_path, ("\nchecks:\n", f"\n{section}\n\nchecks:\n"),
                    ("figures:\n", "figures:\n" + PARA_N),
                    ("{part: idps-legal-aid, whole: idps}", "{part: para-n, whole: idps}"))


def _load_problems(path):
    with pytest.raises(DataError) as info:
        load_briefing(path, root=ROOT, name="variant.yaml")
    return info.value.problems


@pytest.mark.parametrize("place", PLACES)
def test_paragraph_sources_and_value_ids_are_cross_checked(tmp_path, place):
    problems = _load_problems(_with_section(tmp_path, place, source="nope"))
    assert any("unknown source 'nope'" in p for p in problems), problems
    assert any("'para-n' (999999) exceeds its whole 'idps' (657749)" in p for p in problems), \
        problems
    typed = _with_section(tmp_path, place, source="unhcr-factsheet-2024", value="999999")
    line = _line(typed, '"{n} people", values: {n: 999999}')
    assert any(p.startswith(f"variant.yaml:{line}: ") and
               "values.n: 999999 is a number typed here" in p
               for p in _load_problems(typed)), _load_problems(typed)


def test_the_email_body_is_cross_checked_too(tmp_path):
    def body(value):
        para = PARA.format(source="nope", value=value)
        return ("  body:\n    - \"Attached is", f"  body:\n    - {para}\n    - \"Attached is")

    path = _variant(tmp_path, body("para-n"), ("figures:\n", "figures:\n" + PARA_N),
                    ("{part: idps-legal-aid, whole: idps}", "{part: para-n, whole: idps}"))
    problems = _load_problems(path)
    assert any("email.body[0].source: unknown source 'nope'" in p for p in problems), problems
    assert any("'para-n' (999999) exceeds" in p for p in problems), problems
    typed = _variant(tmp_path, body("999999"))
    assert any("email.body[0].values.n: 999999 is a number typed here" in p
               for p in _load_problems(typed)), _load_problems(typed)


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
    """The figure is edited in its table: the chart cache must see the table, not the text of
    the data file (which does not change)."""
    out = tmp_path / "out"
    assert run_cli("build", "--data", SECOND, "--out", out).returncode == 0
    data = _variant(tmp_path, table=[("Stateless people,513", "Stateless people,4321")])
    assert data.read_text(encoding="utf-8") == SECOND.read_text(encoding="utf-8")
    result = run_cli("build", "--data", data, "--out", out)
    assert result.returncode == 0, result.stderr
    text = "".join(page.extract_text() for page in pypdf.PdfReader(out / "unhcr-2024-en.pdf")
                   .pages)
    assert "4,321" in text
    assert "513" not in text.replace("6,513", "")


SMALL_GROUPS_ZERO = [("Refugees,8087", "Refugees,0"),
                     ("Stateless people,513", "Stateless people,0"),
                     ("Asylum-seekers,224", "Asylum-seekers,0")]
ZEROS = [
    ("small groups all zero", (), SMALL_GROUPS_ZERO),
    ("every group zero", [("value: 2084,", "value: 0,")],
     [('IDPs,"657,749"', "IDPs,0"), *SMALL_GROUPS_ZERO]),
    ("nothing required", [("value: 8.0,", "value: 0.0,"), ("value: 4.5,", "value: 0.0,"),
                          ("printed: 3.5", "printed: 0"),
                          ("share: {part: funded, whole: requirement}, printed: 56", "value: 0"),
                          ("share: {part: gap, whole: requirement}, printed: 44", "value: 100")],
     ()),
]


@pytest.mark.parametrize(("replacements", "table"), [c[1:] for c in ZEROS],
                         ids=[c[0] for c in ZEROS])
def test_zero_figures_that_pass_check_also_build(tmp_path, replacements, table):
    """A sibling of item 11: valid data that the charts could not draw (division by zero)."""
    data = _variant(tmp_path, *replacements, table=table)
    checked = run_cli("check", "--data", data)
    assert checked.returncode == 0, checked.stderr
    result = run_cli("build", "--data", data, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
