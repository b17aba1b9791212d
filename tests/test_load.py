"""Validation of the data model: each bad input gives its one-line message, all at once."""

import shutil

import pytest
import yaml
from conftest import DATA, ROOT, SECOND, copy_tables

from report.document.load import load_briefing
from report.document.sections import SECTION_TYPES
from report.errors import DataError


def _load_variant(tmp_path, old, new, base=SECOND):
    text = base.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    shutil.copy(SECOND.parent / "second-population.csv", tmp_path)  # its table
    return load_briefing(path, root=ROOT, name="variant.yaml")


def _problems(tmp_path, old, new, base=SECOND):
    with pytest.raises(DataError) as info:
        _load_variant(tmp_path, old, new, base)
    return info.value.problems


BAD_INPUTS = [
    # (what, replace this, with this, expected message)
    ("count is text", "value: 155,", "value: 'n/a',",
     "variant.yaml:45: figures.mine-signs.value: expected a number, got 'n/a'"),
    ("count not whole", "value: 155,", "value: 155.5,",
     "variant.yaml:45: figures.mine-signs.value: expected a whole number (a count), got 155.5"),
    ("negative count", "value: 2084,", "value: -2084,",
     "variant.yaml:44: figures.idps-legal-aid.value: expected a number that is not negative, "
     "got -2084"),
    ("literal number instead of a figure", "      - mine-signs\n",
     "      - {value: 155, label: \"signs\"}\n",
     "variant.yaml:67: section 'results' (sections[1])"
     ".items[1]: a number is typed here; declare it once under "
     "'figures:'"),
    ("literal number in a sentence", "- \"Population statistics: UNHCR",
     "- {text: \"{n} people.\", values: {n: 513}}\n      - \"Population statistics: UNHCR",
     "variant.yaml:98: section 'sources' (sections[4])"
     ".notes[0].values.n: 513 is a number typed here; declare "
     "it once under 'figures:' (with its kind, label and source) and refer to it by id, e.g. "
     "`n: <figure id>`"),
    ("typo in a key", "    caption: \"Population", "    captoin: \"Population",
     "variant.yaml:75: section 'population' (sections[2])"
     ".captoin: unknown key 'captoin'; did you mean 'caption'?"),
    ("typo in section type", "type: funding", "type: fundng",
     f"variant.yaml:82: section 'funding' (sections[3])"
     f".type: expected one of {', '.join(SECTION_TYPES.names())}, "
     "got 'fundng'; did you mean 'funding'?"),
    ("unknown figure", "    gap: gap\n", "    gap: gpa\n",
     "variant.yaml:89: section 'funding' (sections[3])"
     ".gap: no figure has the id 'gpa'; did you mean 'gap'?"),
    ("figure of the wrong kind", "    gap: gap\n", "    gap: gap-share\n",
     "variant.yaml:89: section 'funding' (sections[3])"
     ".gap: figure 'gap-share' is a percent; expected a amount"),
    ("printed value the figures do not give", "printed: 3.5", "printed: 2.5",
     "variant.yaml:49: figures.gap.printed: the source prints 2.5, but the figures give 3.5"),
    ("printed percent the figures do not give", "printed: 56", "printed: 66",
     "variant.yaml:50: figures.funded-share.printed: the source prints 66, but the figures "
     "give 56.25"),
    ("part of a share exceeds the whole", "value: 4.5,", "value: 9.5,",
     "variant.yaml:49: figures.gap: 'funded' (9.5) exceeds 'requirement' (8.0)"),
    ("unknown source", "    source: unhcr-factsheet-2024\n    as_of: \"as of",
     "    source: unhcr-2023\n    as_of: \"as of",
     "variant.yaml:85: section 'funding' (sections[3])"
     ".source: unknown source 'unhcr-2023'; the sources are: "
     "unhcr-factsheet-2024"),
    ("figure with an unknown source", "printed: 44, source: unhcr-factsheet-2024",
     "printed: 44, source: unhcr-2023",
     "variant.yaml:51: figures.gap-share.source: unknown source 'unhcr-2023'"),
    ("part exceeds whole", "{value: 2084,", "{value: 700000,",
     "variant.yaml:101: checks[0]: 'idps-legal-aid' (700000) exceeds its whole 'idps' "
     "(657749)"),
    ("check names an unknown id", "{part: idps-legal-aid, whole: idps}",
     "{part: idps-legal-aid, whole: idp}",
     "variant.yaml:101: checks[0].whole: no figure or value has the id 'idp'"),
    ("table row that is not there", "row: {group: Refugees}", "row: {group: refugees}",
     "variant.yaml:41: figures.refugees.row: second-population.csv: no row where group = "
     "'refugees'; did you mean 'Refugees'?"),
    ("table outside the data folder", "population: second-population.csv",
     "population: ../second-population.csv",
     "variant.yaml:37: tables.population.file: '../second-population.csv' is outside the data "
     "file's folder"),
    ("asset outside assets/", "logo: assets/brand/logo.svg", "logo: ../../etc/passwd",
     "variant.yaml:17: brand.logo: '../../etc/passwd' is outside assets/; put the file in "
     "assets/ and name it as assets/..."),
    ("asset escaping with ..", "logo: assets/brand/logo.svg", "logo: assets/../generate.py",
     "variant.yaml:17: brand.logo: 'assets/../generate.py' is outside assets/"),
    ("missing asset", "logo: assets/brand/logo.svg", "logo: assets/brand/nope.svg",
     "variant.yaml:17: brand.logo: 'assets/brand/nope.svg' does not exist"),
    ("font that is not a font", "bold: assets/fonts/Lato-Bold.ttf",
     "bold: assets/brand/logo.svg",
     "variant.yaml:23: brand.fonts.bold: 'assets/brand/logo.svg' should be one of .ttf, .otf"),
    ("bad colour", "primary: \"#0b2545\"", "primary: navy",
     "variant.yaml:19: brand.colors.primary: expected a colour like '#1f5fa8', got 'navy'"),
    ("bad date", "reference_date: \"2024-09\"", "reference_date: \"Sept 2024\"",
     "variant.yaml:11: document.reference_date: expected a date as YYYY, YYYY-MM or YYYY-MM-DD, "
     "got 'Sept 2024'"),
    ("unsupported language", "editions: [en]", "editions: [en, fr]",
     "variant.yaml:12: document.editions[1]: unsupported language 'fr'; supported: en, az"),
    ("missing required key", "    requirement: requirement\n", "",
     "variant.yaml:82: section 'funding' (sections[3]).requirement: is required but missing"),
    ("figure without a source", ", printed: 44, source: unhcr-factsheet-2024}", ", printed: 44}",
     "variant.yaml:51: figures.gap-share.source: is required but missing"),
    ("placeholder without a value", "\"Population statistics: UNHCR",
     "\"{n} Population statistics: UNHCR",
     "variant.yaml:98: section 'sources' (sections[4])"
     ".notes[0]: the 'en' text uses {n} but values does not "
     "define it"),
    ("duplicate section id", "id: funding", "id: population",
     "variant.yaml:83: section 'population' (sections[3])"
     ".id: duplicate section id 'population' (also sections[2])"),
    ("empty title", "title: \"Funding\"", "title: \"  \"",
          "variant.yaml:84: section 'funding' (sections[3]).title: the 'en' text is empty"),
    ("unknown layout", "output_name: unhcr-2024", "outputs: [{name: sheet, layout: flyer}]",
     "variant.yaml:13: document.outputs[0].layout: expected one of briefing, handout, got "
     "'flyer'"),
    ("output name twice", "output_name: unhcr-2024",
     "outputs: [{name: a, layout: briefing}, {name: a, layout: handout}]",
     "variant.yaml:13: document.outputs[1].name: output name 'a' is used twice"),
    ("output_name and outputs", "output_name: unhcr-2024",
     "output_name: unhcr-2024\n  outputs: [{name: sheet, layout: handout}]",
     "variant.yaml:13: document.output_name: give either 'output_name' or 'outputs', not both"),
    ("briefing_only is not a flag", "    id: funding\n", "    id: funding\n    briefing_only: 1\n",
     "variant.yaml:84: section 'funding' (sections[3]).briefing_only: expected true or "
     "false, got 1"),
    ("chart size unknown", "    id: funding\n", "    id: funding\n    size: wide\n",
     "variant.yaml:84: section 'funding' (sections[3]).size: expected one of auto, column, "
     "full, got 'wide'"),
]


@pytest.mark.parametrize(("old", "new", "expected"), [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_message(tmp_path, old, new, expected):
    problems = _problems(tmp_path, old, new)
    assert any(p.startswith(expected) for p in problems), "\n".join(problems)


def test_missing_translation_names_its_path(tmp_path):
    text = DATA.read_text(encoding="utf-8")
    base = tmp_path / "two.yaml"
    copy_tables(tmp_path)  # data.yaml's tables (data/*.csv) beside the variant
    base.write_text(text.replace('title: {en: "Contents", az: "Mündəricat"}',
                                 'title: {en: "Contents"}'), encoding="utf-8")
    problems = _problems(tmp_path, 'title: {en: "Donors", az: "Donorlar"}',
                         'title: {en: "Donors", az: "Donorlar", fr: "Donateurs"}', base=base)
    contents = text[:text.index('title: {en: "Contents"')].count("\n") + 1
    donors = text[:text.index('title: {en: "Donors"')].count("\n") + 1
    sections = yaml.safe_load(text)["sections"]
    index = next(i for i, section in enumerate(sections) if section.get("id") == "donors")
    assert problems == [
        f"variant.yaml:{contents}: section 'contents' (sections[1]).title: missing the 'az' "
        "translation",
        f"variant.yaml:{donors}: section 'donors' (sections[{index}]).title.fr: 'fr' is not an "
        "edition language (en, az)",
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
    for old, new in [("value: 155,", "value: 'n/a',"), ("printed: 3.5", "printed: 2.5"),
                     ("    caption: \"Population", "    captoin: \"Population"),
                     ("primary: \"#0b2545\"", "primary: navy")]:
        text = text.replace(old, new, 1)
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    shutil.copy(SECOND.parent / "second-population.csv", tmp_path)
    with pytest.raises(DataError) as info:
        load_briefing(path, root=ROOT, name="many.yaml")
    lines = [p.split(":")[1] for p in info.value.problems]
    # the typo also leaves 'caption' missing: both are said
    assert lines == ["19", "45", "49", "70", "75"], info.value.problems
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
