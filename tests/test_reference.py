"""docs/reference.md is generated from the readers and models, is up to date, and every
example in it validates."""

import textwrap
from dataclasses import dataclass

import pytest
from conftest import ROOT

from report.document import fields as f
from report.document.describe import describe_file, describe_sections
from report.document.examples import EXAMPLE_FILE, EXAMPLES
from report.document.model import Figure, Section, Text
from report.document.project import load_project
from report.document.reference import render_reference
from report.document.sections import SECTION_TYPES, SectionType

REFERENCE = ROOT / "docs" / "reference.md"


def test_the_committed_reference_is_up_to_date():
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), (
        "docs/reference.md is out of date: run `python generate.py reference`")


def test_every_section_type_has_an_example():
    assert sorted(EXAMPLES) == sorted(SECTION_TYPES.names())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_validates(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(EXAMPLE_FILE + textwrap.indent(EXAMPLES[name], "  "), encoding="utf-8")
    briefing, _labels = load_project(path, root=ROOT)
    assert [section.type for section in briefing.sections] == [name]
    assert f"```yaml\n{EXAMPLES[name].rstrip()}\n```" in REFERENCE.read_text(encoding="utf-8")


def _all_fields(shape, seen=None):
    seen = seen if seen is not None else set()
    for field in shape.fields:
        yield field
        inner = field.shape.item if field.shape.kind in ("list", "mapping") else field.shape
        if inner is not None and inner.fields and id(inner) not in seen:
            seen.add(id(inner))
            yield from _all_fields(inner, seen)


def test_every_key_has_a_meaning():
    fields = list(_all_fields(describe_file()))
    for info in describe_sections():
        fields += [fl for fl in info.fields]
    missing = sorted({fl.key for fl in fields if not fl.meaning})
    assert missing == []
    assert len(fields) > 100


@dataclass(frozen=True)
class TallySection(Section):
    """A throw-away type: counted things."""

    counts: tuple[Figure, ...] = ()
    """The counts, one card each."""
    remark: Text | None = None
    """A remark under the cards."""


def _parse_tally(r, source):
    counts = r.get("counts", f.list_of(f.figure(source)))
    remark = r.get("remark", f.text, default=None)
    return None if counts is None else {"counts": counts, "remark": remark}


def test_a_new_type_appears_with_its_keys_without_writing_docs():
    tally = SectionType(model=TallySection, parse=_parse_tally, name="tally",
                        title_required=False)
    text = render_reference(describe_file(types=SECTION_TYPES.plus(tally)))
    assert '### <a id="type-tally"></a>`tally`' in text
    assert "A throw-away type: counted things." in text
    assert "| `counts` | list of [figure](#figure) | yes | The counts, one card each. |" in text
    assert "| `remark` | [text](#text) | no | A remark under the cards. |" in text
    assert "yes, except in `cover`, `image`, `tally`" in text
    assert "# (no example yet)" in text
