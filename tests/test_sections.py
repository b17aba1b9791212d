"""Section types: each declared once; the cross-checks reach a new type with no extra code."""

import dataclasses
import pickle
import shutil
import typing
from dataclasses import dataclass

import pytest
from conftest import DATA, ROOT, SECOND

from report.document import fields as f
from report.document.load import load_briefing
from report.document.model import Briefing, Figure, Para, Section, Text
from report.document.project import check_glyphs, load_project
from report.document.sections import SECTION_TYPES, SectionType
from report.errors import DataError
from report.render.charts import CHARTS


@dataclass(frozen=True)
class NoticeSection(Section):
    """A throw-away type declared by this test: a notice with its own paragraphs and figures."""

    remarks: tuple[Para, ...] = ()
    tally: tuple[Figure, ...] = ()
    footnote: Text | None = None


def _parse_notice(r, source):
    required = f.all_set({"remarks": r.get("remarks", f.list_of(f.para)),
                          "tally": r.get("tally", f.list_of(f.figure(source)), default=())})
    footnote = r.get("footnote", f.text, default=None)
    return required and {**required, "footnote": footnote}


NOTICE = SectionType(model=NoticeSection, parse=_parse_notice, name="notice")
TYPES = SECTION_TYPES.plus(NOTICE)


def _with_notice(tmp_path, notice: str, checks: str = ""):
    """Return the second data file with a `notice` section (YAML lines) appended to sections."""
    text = SECOND.read_text(encoding="utf-8")
    head, tail = text.split("\nchecks:\n")
    path = tmp_path / "notice.yaml"
    path.write_text(f"{head}\n  - type: notice\n    id: notice\n    title: \"Notice\"\n"
                    f"{notice}\nchecks:\n{checks}{tail}", encoding="utf-8")
    shutil.copy(SECOND.parent / "second-population.csv", tmp_path)  # its table
    return path


def _problems(path):
    with pytest.raises(DataError) as info:
        load_briefing(path, root=ROOT, name="notice.yaml", section_types=TYPES)
    return info.value.problems


def test_a_paragraph_naming_an_unknown_source_in_a_new_field_is_an_error(tmp_path):
    path = _with_notice(tmp_path, "    source: unhcr-factsheet-2024\n    remarks:\n"
                                  "      - {text: \"A remark.\", source: no-such-source}\n")
    assert _problems(path) == [
        "notice.yaml:105: section 'notice' (sections[5])"
        ".remarks[0].source: unknown source 'no-such-source'; "
        "the sources are: unhcr-factsheet-2024"]


def test_the_same_file_without_the_bad_source_is_valid(tmp_path):
    path = _with_notice(tmp_path, "    source: unhcr-factsheet-2024\n    remarks:\n"
                                  "      - {text: \"A remark.\", source: unhcr-factsheet-2024}\n")
    briefing = load_briefing(path, root=ROOT, section_types=TYPES)
    notice = briefing.sections[-1]
    assert isinstance(notice, NoticeSection)
    assert notice.remarks[0].text == {"en": "A remark."}


def test_figures_in_a_new_field_are_references_to_declared_figures(tmp_path):
    path = _with_notice(tmp_path, "    remarks: [\"A remark.\"]\n    tally:\n"
                                  "      - things\n"
                                  "      - {value: 9, label: \"more\", id: idps}\n")
    problems = _problems(path)
    assert problems[0] == ("notice.yaml:105: section 'notice' (sections[5])"
                           ".tally[0]: no figure has the id "
                           "'things'; declare it under 'figures:'")
    assert problems[1].startswith("notice.yaml:106: section 'notice' (sections[5])"
                                  ".tally[1]: a number is typed "
                                  "here; declare it once under 'figures:'")


def test_a_check_finds_the_figures_of_a_new_type(tmp_path):
    path = _with_notice(tmp_path, "    source: unhcr-factsheet-2024\n    remarks: [\"A.\"]\n"
                                  "    tally: [idps]\n",
                        checks="  - {part: idps, whole: refugees}\n")
    problems = _problems(path)
    assert problems == ["notice.yaml:108: checks[0]: 'idps' (657749) exceeds its whole "
                        "'refugees' (8087)"]
    notice = _with_notice(tmp_path, "    source: unhcr-factsheet-2024\n    remarks: [\"A.\"]\n"
                                    "    tally: [idps]\n")
    tally = load_briefing(notice, root=ROOT, section_types=TYPES).sections[-1].tally
    assert [(fig.id, fig.value, fig.label["en"]) for fig in tally] == [("idps", 657749, "IDPs")]


def test_every_text_of_a_new_type_goes_through_the_glyph_check(tmp_path):
    path = _with_notice(tmp_path, "    source: unhcr-factsheet-2024\n    remarks: [\"A.\"]\n"
                                  "    footnote: \"A snowman \u2603\"\n")
    briefing = load_briefing(path, root=ROOT, section_types=TYPES)
    _, labels = load_project(SECOND)
    with pytest.raises(DataError) as info:
        check_glyphs(briefing, labels, root=ROOT)
    assert info.value.problems == [
        f"{path}: sections[5].footnote.en: '\u2603' (U+2603) not in the brand font Lato; use "
        "other characters or a font that has them"]


def test_a_declaration_derives_its_name_and_template():
    faq = SECTION_TYPES["faq"]
    assert faq.name == "faq"
    assert faq.template == "sections/faq.html"
    assert faq.model.declaration is faq
    assert NOTICE.template == "sections/notice.html"
    assert "notice" not in SECTION_TYPES  # the test's type stays in the test


@pytest.mark.parametrize("kind", list(SECTION_TYPES), ids=SECTION_TYPES.names())
def test_every_type_has_its_template_and_a_typed_model(kind):
    assert (ROOT / "templates" / kind.template).is_file()
    assert kind.chart is None or kind.chart in CHARTS
    assert kind.summary, "the model's docstring says what the type shows"
    hints = typing.get_type_hints(kind.model, localns={"SectionType": SectionType})
    for field in dataclasses.fields(kind.model):
        hint = hints[field.name]
        assert hint not in (object, tuple, dict, list), f"{field.name} is typed {hint}"


def test_every_chart_kind_is_used_by_a_type():
    assert {kind.chart for kind in SECTION_TYPES if kind.chart} == set(CHARTS)


def test_the_model_is_hashable_and_pickles():
    briefing = load_briefing(DATA, root=ROOT)
    assert isinstance(briefing, Briefing)
    assert hash(briefing) == hash(load_briefing(DATA, root=ROOT))
    assert pickle.loads(pickle.dumps(briefing)) == briefing
    text = briefing.document.title
    assert isinstance(text, Text)
    with pytest.raises(TypeError):
        text["en"] = "changed"
