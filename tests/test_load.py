"""Validation of the data model: each bad input gives its one-line message, all at once."""

import shutil

import pytest
from conftest import DATA, ROOT, SECOND

from report.document.load import load_briefing
from report.document.sections import SECTION_TYPES
from report.errors import DataError


def _load_variant(tmp_path, old, new, base=SECOND):
    text = base.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_briefing(path, root=ROOT, name="variant.yaml")


def _problems(tmp_path, old, new, base=SECOND):
    with pytest.raises(DataError) as info:
        _load_variant(tmp_path, old, new, base)
    return info.value.problems


BAD_INPUTS = [
    # (what, replace this, with this, expected message)
    ("count is text", "value: 155,", "value: 'n/a',",
     "variant.yaml:49: sections[1].items[1].value: expected a number, got 'n/a'"),
    ("negative count", "value: 513,", "value: -513,",
     "variant.yaml:61: sections[2].groups[2].value: expected a number that is not negative, "
     "got -513"),
    ("typo in a key", "    caption: \"Population", "    captoin: \"Population",
     "variant.yaml:57: sections[2].captoin: unknown key 'captoin'; did you mean 'caption'?"),
    ("typo in section type", "type: funding", "type: fundng",
     f"variant.yaml:64: sections[3].type: expected one of {', '.join(SECTION_TYPES.names())}, "
     "got 'fundng'; did you mean 'funding'?"),
    ("gap does not add up", "gap: 3.5", "gap: 2.5",
     "variant.yaml:73: sections[3].gap: funded (4.5) + gap (2.5) should equal requirement (8.0)"),
    ("percentages do not add up", "gap_percent: 44", "gap_percent: 45",
     "variant.yaml:75: sections[3].gap_percent: funded_percent (56) + gap_percent (45) "
     "should be 100"),
    ("percent does not match amounts", "funded_percent: 56\n    gap_percent: 44",
     "funded_percent: 66\n    gap_percent: 34",
     "variant.yaml:74: sections[3].funded_percent: 66% does not match funded/requirement "
     "(56.2%)"),
    ("percent over 100", "funded_percent: 56", "funded_percent: 156",
     "variant.yaml:74: sections[3].funded_percent: expected a percentage from 0 to 100, got 156"),
    ("unknown source", "    source: unhcr-factsheet-2024\n    as_of: \"as of",
     "    source: unhcr-2023\n    as_of: \"as of",
     "variant.yaml:67: sections[3].source: unknown source 'unhcr-2023'; the sources are: "
     "unhcr-factsheet-2024"),
    ("part exceeds whole", "{value: 2084, id: idps-legal-aid",
     "{value: 700000, id: idps-legal-aid",
     "variant.yaml:85: checks[0]: 'idps-legal-aid' (700000) exceeds its whole 'idps' (657749)"),
    ("check names an unknown id", "{part: idps-legal-aid, whole: idps}",
     "{part: idps-legal-aid, whole: idp}",
     "variant.yaml:85: checks[0].whole: no figure or value has the id 'idp'"),
    ("asset outside assets/", "logo: assets/brand/logo.svg", "logo: ../../etc/passwd",
     "variant.yaml:16: brand.logo: '../../etc/passwd' is outside assets/; put the file in "
     "assets/ and name it as assets/..."),
    ("asset escaping with ..", "logo: assets/brand/logo.svg", "logo: assets/../generate.py",
     "variant.yaml:16: brand.logo: 'assets/../generate.py' is outside assets/"),
    ("missing asset", "logo: assets/brand/logo.svg", "logo: assets/brand/nope.svg",
     "variant.yaml:16: brand.logo: 'assets/brand/nope.svg' does not exist"),
    ("font that is not a font", "bold: assets/fonts/Lato-Bold.ttf",
     "bold: assets/brand/logo.svg",
     "variant.yaml:22: brand.fonts.bold: 'assets/brand/logo.svg' should be one of .ttf, .otf"),
    ("bad colour", "primary: \"#0b2545\"", "primary: navy",
     "variant.yaml:18: brand.colors.primary: expected a colour like '#1f5fa8', got 'navy'"),
    ("bad date", "reference_date: \"2024-09\"", "reference_date: \"Sept 2024\"",
     "variant.yaml:10: document.reference_date: expected a date as YYYY, YYYY-MM or YYYY-MM-DD, "
     "got 'Sept 2024'"),
    ("unsupported language", "editions: [en]", "editions: [en, fr]",
     "variant.yaml:11: document.editions[1]: unsupported language 'fr'; supported: en, az"),
    ("missing required key", "    requirement: 8.0\n", "",
     "variant.yaml:64: sections[3].requirement: is required but missing"),
    ("figure without a source", "  - type: population\n    id: population\n    title: \"People "
     "UNHCR works for\"\n    source: unhcr-factsheet-2024\n",
     "  - type: population\n    id: population\n    title: \"People UNHCR works for\"\n",
     "variant.yaml:58: sections[2].groups[0]: names no source: add 'source:' here or on its "
     "section"),
    ("placeholder without a value", "\"Population statistics: UNHCR",
     "\"{n} Population statistics: UNHCR",
     "variant.yaml:82: sections[4].notes[0]: the 'en' text uses {n} but values does not "
     "define it"),
    ("duplicate section id", "id: funding", "id: population",
     "variant.yaml:65: sections[3].id: duplicate section id 'population' (also sections[2])"),
    ("empty title", "title: \"Funding\"", "title: \"  \"",
     "variant.yaml:66: sections[3].title: the 'en' text is empty"),
    ("unknown layout", "output_name: unhcr-2024", "outputs: [{name: sheet, layout: flyer}]",
     "variant.yaml:12: document.outputs[0].layout: expected one of briefing, handout, got "
     "'flyer'"),
    ("output name twice", "output_name: unhcr-2024",
     "outputs: [{name: a, layout: briefing}, {name: a, layout: handout}]",
     "variant.yaml:12: document.outputs[1].name: output name 'a' is used twice"),
    ("output_name and outputs", "output_name: unhcr-2024",
     "output_name: unhcr-2024\n  outputs: [{name: sheet, layout: handout}]",
     "variant.yaml:12: document.output_name: give either 'output_name' or 'outputs', not both"),
    ("briefing_only is not a flag", "    id: funding\n", "    id: funding\n    briefing_only: 1\n",
     "variant.yaml:66: sections[3].briefing_only: expected true or false, got 1"),
    ("chart size unknown", "    id: funding\n", "    id: funding\n    size: wide\n",
     "variant.yaml:66: sections[3].size: expected one of auto, column, full, got 'wide'"),
]


@pytest.mark.parametrize(("old", "new", "expected"), [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_message(tmp_path, old, new, expected):
    problems = _problems(tmp_path, old, new)
    assert any(p.startswith(expected) for p in problems), "\n".join(problems)


def test_missing_translation_names_its_path(tmp_path):
    text = SECOND.read_text(encoding="utf-8").replace("editions: [en]", "editions: [en, az]")
    base = tmp_path / "two.yaml"
    base.write_text(text.replace('title: "Funding"', 'title: {en: "Funding"}'), encoding="utf-8")
    problems = _problems(tmp_path, 'title: "Sources"', 'title: {en: "Sources", fr: "Sources"}',
                         base=base)
    assert problems == [
        "variant.yaml:66: sections[3].title: missing the 'az' translation",
        "variant.yaml:80: sections[4].title: missing the 'az' translation",
        "variant.yaml:80: sections[4].title.fr: 'fr' is not an edition language (en, az)",
    ]


def test_missing_translation_in_main_data(tmp_path):
    text = DATA.read_text(encoding="utf-8")
    marker = "\n    az: "
    assert marker in text or "az: " in text
    # Remove the first Azerbaijani translation that stands on its own line.
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.lstrip().startswith("az: "))
    del lines[index]
    path = tmp_path / "data.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_briefing(path, root=ROOT, name="data.yaml")
    assert any("missing the 'az' translation" in p for p in info.value.problems)


def test_every_problem_at_once(tmp_path):
    text = SECOND.read_text(encoding="utf-8")
    for old, new in [("value: 155,", "value: 'n/a',"), ("gap: 3.5", "gap: 2.5"),
                     ("    caption: \"Population", "    captoin: \"Population"),
                     ("primary: \"#0b2545\"", "primary: navy")]:
        text = text.replace(old, new, 1)
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_briefing(path, root=ROOT, name="many.yaml")
    lines = [p.split(":")[1] for p in info.value.problems]
    # the typo also leaves 'caption' missing: both are said
    assert lines == ["18", "49", "52", "57", "73"], info.value.problems
    assert all(p.startswith("many.yaml:") for p in info.value.problems)


def test_both_data_files_are_valid():
    main = load_briefing(DATA, root=ROOT)
    second = load_briefing(SECOND, root=ROOT)
    assert main.document.editions == ("en", "az")
    assert second.document.editions == ("en",)
    assert {s.type for s in second.sections} < {s.type for s in main.sections}


def test_assets_resolve_below_the_root_given(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(ROOT / "assets", root / "assets")
    briefing = load_briefing(SECOND, root=root)
    assert briefing.brand.logo == "brand/logo.svg"
