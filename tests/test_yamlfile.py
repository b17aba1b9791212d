"""The strict YAML reader refuses what safe_load lets through, with file and line."""

import pytest

from report.document.yamlfile import format_path, parse_yaml, read_yaml
from report.errors import DataError


@pytest.mark.parametrize(("text", "expected"), [
    ("a: 1\na: 2\n", "data.yaml:2: a: duplicate key (first at line 1)"),
    ("a: &x [1, 2]\nb: *x\n", "data.yaml:1: anchors (&x) are not allowed"),
    ("a: &x [1, 2]\nb: *x\n", "data.yaml:2: aliases (*x) are not allowed; write the value out"),
    ("a: !!python/object:os.system {}\n",
     "data.yaml:1: a: tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"),
    ("- 1\n- 2\n", "data.yaml:1: the top level must be a mapping of keys to values"),
    ("", "data.yaml:1: the top level must be a mapping of keys to values"),
    ("a: [1, 2\n", "data.yaml:2: not valid YAML"),
    ("a:\n  b: 1\n  b: 2\n  c: {d: 1, d: 2}\n",
     "data.yaml:3: a.b: duplicate key (first at line 2)"),
])
def test_refused(text, expected):
    with pytest.raises(DataError) as info:
        parse_yaml(text)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_every_duplicate_is_reported_at_once():
    with pytest.raises(DataError) as info:
        parse_yaml("a:\n  b: 1\n  b: 2\n  c: {d: 1, d: 2}\n")
    assert len(info.value.problems) == 2
    assert info.value.problems[1].startswith("data.yaml:4: a.c.d: duplicate key")


def test_billion_laughs_is_refused_before_expansion():
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]" for i in range(1, 9)]
    with pytest.raises(DataError) as info:
        parse_yaml("\n".join(lines))
    assert "anchors (&a0) are not allowed" in info.value.problems[0]


def test_not_utf8(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_bytes("a: 1\nb: 'Bak\u0131'\n".encode("utf-8") + b"c: '\xe7'\n")
    with pytest.raises(DataError) as info:
        read_yaml(path, name="d.yaml")
    assert info.value.problems == ["d.yaml:3: not UTF-8 (byte 0xe7); save the file as UTF-8"]


def test_size_cap(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 100 + "\n")
    with pytest.raises(DataError, match="the limit is 50"):
        read_yaml(path, name="big.yaml", max_bytes=50)


def test_lines_are_recorded():
    doc = parse_yaml("a:\n  - x: 1\n  - x: 2\n    y: 3\n")
    assert doc.value == {"a": [{"x": 1}, {"x": 2, "y": 3}]}
    assert doc.line(("a", 1, "y")) == 4
    assert doc.problem(("a", 1, "y"), "bad") == "data.yaml:4: a[1].y: bad"
    assert format_path(("sections", 3, "value")) == "sections[3].value"


def test_parsing_keeps_no_node_for_the_life_of_the_process():
    """watch and schedule parse the data file at every build: nothing may pile up."""
    from report.document import yamlfile

    for _ in range(3):
        parse_yaml("a: 1\nb: [2, 3.5, true, 2024-06-01]\nc: {d: text}\n", name="t.yaml")
    assert yamlfile._CONSTRUCTOR.constructed_objects == {}


@pytest.mark.parametrize(("text", "expected"), [
    ("title: Georgia: operational update\n",
     'data.yaml:1: not valid YAML: mapping values are not allowed in this context; ": " inside '
     'text that is not in quotes starts a new key: put the text in quotes, e.g. '
     'title: "Georgia: operational update"'),
    ('sections:\n  - type: text\n    title: Notes: the "new" office\n',
     'data.yaml:3: not valid YAML: mapping values are not allowed in this context; ": " inside '
     'text that is not in quotes starts a new key: put the text in quotes, e.g. '
     'title: "Notes: the \\"new\\" office"'),
    ("document:\n\ttitle: x\n",
     "data.yaml:2: not valid YAML: found character that cannot start any token; this line is "
     "indented with a tab: YAML indents with spaces only; replace the tab with spaces"),
    ("a: 1\n\tb: 2\n",
     "data.yaml:2: not valid YAML: found a tab character that violates indentation; this line "
     "is indented with a tab: YAML indents with spaces only; replace the tab with spaces"),
    ('x: 1\ntitle: "Georgia\nsubtitle: x\n',
     'data.yaml:2: not valid YAML: found unexpected end of stream; the " opened here is never '
     'closed: end the text with " (write \\" for a " inside "...")'),
    ("x: 1\ntitle: 'Georgia\nsubtitle: x\n",
     "data.yaml:2: not valid YAML: found unexpected end of stream; the ' opened here is never "
     "closed: end the text with ' (write '' for a ' inside '...')"),
    ("title: 'UNHCR's office'\n",
     "data.yaml:1: not valid YAML: did not find expected key; the text goes on after its "
     "closing quote: put the whole text in one pair of quotes (write '' for a ' inside '...')"),
    ('title: "Baku" office\n',
     'data.yaml:1: not valid YAML: did not find expected key; the text goes on after its '
     'closing quote: put the whole text in one pair of quotes (write \\" for a " inside "...")'),
    ("a: [1, 2\n", "data.yaml:2: not valid YAML: did not find expected ',' or ']'"),
])
def test_syntax_errors_carry_a_hint(text, expected):
    with pytest.raises(DataError) as info:
        parse_yaml(text)
    assert info.value.problems == [expected]
