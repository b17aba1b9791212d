"""briefing.schema.json is generated from the same readers, is up to date, accepts every
shipped data file, and rejects an unknown key and a missing required one."""

import json
import textwrap

import jsonschema
import pytest
import yaml
from conftest import DATA, ROOT, SECOND, run_cli

from report.document.examples import EXAMPLE_FILE, EXAMPLES
from report.document.schema import make_schema, render_schema

SCHEMA_PATH = ROOT / "briefing.schema.json"
EXAMPLE_FILES = sorted((ROOT / "examples").glob("*.yaml"))
SHIPPED = [DATA, SECOND, *EXAMPLE_FILES]


class _Loader(yaml.SafeLoader):
    """YAML as editors read it (YAML 1.2): 2025-09-01 stays a string, not a date."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _validator():
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _errors(text):
    return [error.message for error in _validator().iter_errors(yaml.load(text, Loader=_Loader))]


def test_the_committed_schema_is_up_to_date_and_valid():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "briefing.schema.json is out of date: run `python generate.py schema`")
    jsonschema.Draft202012Validator.check_schema(make_schema())


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_data_file_validates(path):
    assert _errors(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", [DATA, *EXAMPLE_FILES], ids=lambda p: p.name)
def test_data_files_name_the_schema_for_editors(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    assert (path.parent / first[len(prefix):]).resolve() == SCHEMA_PATH


def test_every_reference_example_and_a_new_briefing_validate(tmp_path):
    for name, example in EXAMPLES.items():
        assert _errors(EXAMPLE_FILE + textwrap.indent(example, "  ")) == [], name
    path = tmp_path / "new.yaml"
    assert run_cli("new", path, "--lang", "en,az").returncode == 0
    assert _errors(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    caption: \"Population", "    captoin: \"Population",
     "Additional properties are not allowed ('captoin' was unexpected)"),
    ('  title: "UNHCR in Azerbaijan: 2024 at a glance"\n', "",
     "'title' is a required property"),
    ("    requirement: requirement\n", "", "'requirement' is a required property"),
    ("type: funding", "type: fundng", "'fundng' is not one of ['chapter', 'contents'"),
    ("gap_percent: gap-share", "gap_percent: 44", "44 is not of type 'string'"),
    ("printed: 44, source", "printed: 44, sourse", "Additional properties are not allowed "
     "('sourse' was unexpected)"),
    ("  population: second-population.csv", "  population: {file: x.csv, sheat: A}",
     "Additional properties are not allowed ('sheat' was unexpected)"),
    ("primary: \"#0b2545\"", "primary: navy", "'navy' does not match"),
    ("reference_date: \"2024-09\"", "reference_date: \"Sept 2024\"",
     "'Sept 2024' is not valid under any of the given schemas"),
])
def test_the_schema_rejects_mistakes(old, new, expected):
    text = SECOND.read_text(encoding="utf-8")
    assert old in text
    errors = _errors(text.replace(old, new, 1))
    assert any(error.startswith(expected) for error in errors), errors
