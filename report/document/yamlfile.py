"""Read a YAML file safely into plain Python values plus a map of paths to line numbers.

Refuses what PyYAML's safe_load lets through: aliases and anchors (billion laughs),
duplicate keys, explicit non-standard tags, files over a size cap, bytes that are not UTF-8,
and a top level that is not a mapping. Collects every problem, then raises one DataError.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import DataError

MAX_BYTES = 2 * 1024 * 1024
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it
_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}


def format_path(path) -> str:
    """Return a path as messages write it: ('sections', 3, 'value') -> 'sections[3].value'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class YamlDoc:
    """Plain values of a YAML file, with the line of every key and item."""

    def __init__(self, name: str, value, lines: dict):
        self.name = name
        self.value = value
        self.lines = lines

    def line(self, path) -> int:
        """Return the line of `path`, or of the nearest thing around it that has one."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path, message: str) -> str:
        """Return a one-line problem: 'file:line: path: message'."""
        return f"{self.name}:{self.line(path)}: {format_path(path)}: {message}"


def read_yaml(path: Path, *, name: str | None = None, max_bytes: int = MAX_BYTES) -> YamlDoc:
    """Read `path` as strict YAML; raise DataError listing every problem."""
    name = name or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DataError([f"{name}:1: cannot read the file: {exc.strerror}"]) from None
    if len(raw) > max_bytes:
        raise DataError([f"{name}:1: file is {len(raw):,} bytes; the limit is {max_bytes:,}"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            [f"{name}:{line}: not UTF-8 (byte {raw[exc.start]:#04x}); save the file as UTF-8"]
        ) from None
    return parse_yaml(text, name=name)


def parse_yaml(text: str, *, name: str = "data.yaml") -> YamlDoc:
    """Parse `text` as strict YAML; raise DataError listing every problem."""
    problems: list[str] = []
    try:
        _refuse_aliases(text, name, problems)
        if problems:
            raise DataError(problems)
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise DataError([describe_yaml_error(exc, text, name)]) from None
    if node is None or not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node is not None else 1
        raise DataError([f"{name}:{line}: the top level must be a mapping of keys to values"])
    lines: dict = {}
    value = _to_python(node, (), lines, problems, name)
    if problems:
        raise DataError(problems)
    return YamlDoc(name, value, lines)


def describe_yaml_error(exc: yaml.YAMLError, text: str, name: str) -> str:
    """One line for a syntax error, with a hint for the usual mistakes (see `_hint`)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else 1
    detail = getattr(exc, "problem", None) or str(exc)
    hint = _hint(exc, text.splitlines())
    if hint:
        line, advice = hint
        detail = f"{detail}; {advice}"
    return f"{name}:{line}: not valid YAML: {detail}"


_KEY_VALUE = re.compile(r"^(\s*(?:- )?)([^\s:#'\"][^:#]*?):[ ]+(.*?)\s*$")
_QUOTED_THEN_MORE = re.compile(r"""^\s*(?:- )?[^:#]+:\s*(["']).*?\1\s*[^\s#]""")


def _hint(exc, lines) -> tuple[int, str] | None:
    """(line, advice) for ': ' in unquoted text, a tab indent or an unclosed quote."""
    problem, mark = getattr(exc, "problem", None), getattr(exc, "problem_mark", None)
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if mark is None:
        return None
    here = lines[mark.line] if mark.line < len(lines) else ""
    if context == "while scanning a quoted scalar" and start is not None:
        quote = lines[start.line][start.column]
        return start.line + 1, (f"the {quote} opened here is never closed: end the text "
                                f"with {quote} ({_inner_quote(quote)})")
    if "\t" in here[: len(here) - len(here.lstrip())]:
        return mark.line + 1, ("this line is indented with a tab: YAML indents with spaces "
                               "only; replace the tab with spaces")
    if problem == "mapping values are not allowed in this context":
        return mark.line + 1, _colon_advice(here)
    quoted = _QUOTED_THEN_MORE.match(here)
    if problem == "did not find expected key" and quoted:
        return mark.line + 1, ("the text goes on after its closing quote: put the whole text "
                               f"in one pair of quotes ({_inner_quote(quoted[1])})")
    return None


def _inner_quote(quote: str) -> str:
    inner = '\\"' if quote == '"' else "''"
    return f"write {inner} for a {quote} inside {quote}...{quote}"


def _colon_advice(line: str) -> str:
    advice = '": " inside text that is not in quotes starts a new key: put the text in quotes'
    match = _KEY_VALUE.match(line)
    if match and ": " in match[3]:
        quoted = match[3].replace("\\", "\\\\").replace('"', '\\"')
        advice += f', e.g. {match[2]}: "{quoted}"'
    return advice


def _refuse_aliases(text, name, problems):
    for event in yaml.parse(text, Loader=_LOADER):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            problems.append(f"{name}:{line}: aliases (*{event.anchor}) are not allowed; "
                            "write the value out")
        elif getattr(event, "anchor", None):
            problems.append(f"{name}:{line}: anchors (&{event.anchor}) are not allowed")


_CONSTRUCTOR = yaml.SafeLoader("")
# One constructor per process turns scalar nodes into values. It remembers every node it
# constructed (`constructed_objects`), so it is emptied after each scalar: otherwise every
# parse kept its nodes for the life of a watch or schedule process.


def _to_python(node, path, lines, problems, name):
    lines[path] = node.start_mark.line + 1
    if node.tag not in _STANDARD_TAGS:
        problems.append(f"{name}:{lines[path]}: {format_path(path)}: tag {node.tag!r} "
                        "is not allowed")
        return None
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            key = _to_python(key_node, path + ("<key>",), {}, problems, name)
            if not isinstance(key, str | int):
                problems.append(f"{name}:{key_node.start_mark.line + 1}: {format_path(path)}: "
                                "keys must be plain words")
                continue
            if key in result:
                problems.append(f"{name}:{key_node.start_mark.line + 1}: "
                                f"{format_path(path + (key,))}: duplicate key (first at line "
                                f"{lines[path + (key,)]})")
                continue
            result[key] = _to_python(value_node, path + (key,), lines, problems, name)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, path + (i,), lines, problems, name)
                for i, item in enumerate(node.value)]
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as exc:
        problems.append(f"{name}:{lines[path]}: {format_path(path)}: {exc}")
        return None
    finally:
        _CONSTRUCTOR.constructed_objects.clear()
