"""The README's code-layout table matches the tree: every module is in it, every path exists."""

import re

from conftest import ROOT


def _layout_table() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Code layout", 1)[1].split("\n## ", 1)[0]


def test_every_path_in_the_table_exists():
    paths = re.findall(r"`((?:report|templates)/[\w/.]*)`", _layout_table())
    assert len(paths) > 20
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == []


def test_every_module_is_in_the_table():
    table = _layout_table()
    listed = set(re.findall(r"`(report/[\w/.]*)`", table))
    sections = ROOT / "report" / "document" / "sections"
    modules = [p for p in (ROOT / "report").rglob("*.py")
               if p.name != "__init__.py" and p.parent != sections]
    absent = [str(p.relative_to(ROOT)) for p in modules
              if str(p.relative_to(ROOT)) not in listed]
    assert absent == []
    packages = {str(p.parent.relative_to(ROOT)) + "/" for p in (ROOT / "report").rglob(
        "__init__.py") if p.parent != ROOT / "report"}
    assert packages <= listed
