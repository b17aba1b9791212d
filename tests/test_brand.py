"""A shared brand: `brand: assets/brand.yaml` names a brand file; its paths are relative to
it and stay inside assets/; its problems name the brand file and line."""

import re
import shutil

import pytest
from conftest import DATA, ROOT, SECOND, copy_tables

from report.document.load import load_briefing
from report.errors import DataError


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(ROOT / "assets", root / "assets")
    return root


def _with_brand(root, base, brand_line, name="variant.yaml"):
    text = re.sub(r"\nbrand:(?: .*)?\n(?:  .*\n)*", f"\n{brand_line}\n",
                  base.read_text(encoding="utf-8"), count=1)  # a block, or a brand file
    assert brand_line in text
    data = root / name
    data.write_text(text, encoding="utf-8")
    copy_tables(root)
    return load_briefing(data, root=root, name=name)


def _problems(root, brand_text, base=SECOND):
    (root / "assets" / "shared.yaml").write_text(brand_text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        _with_brand(root, base, "brand: assets/shared.yaml")
    return [p.replace(str(root) + "/", "") for p in info.value.problems]


def test_the_shipped_brand_file_serves_one_and_two_edition_briefings(project):
    one = _with_brand(project, SECOND, "brand: assets/brand.yaml")
    two = _with_brand(project, DATA, "brand: assets/brand.yaml", name="two.yaml")
    assert one.brand.logo == two.brand.logo == "brand/logo.svg"
    assert one.brand.fonts["bold"] == "fonts/Lato-Bold.ttf"
    assert dict(one.brand.logo_alt) == {"en": two.brand.logo_alt["en"]}
    assert two.brand.logo_alt["az"].startswith("Field Briefings loqosu")
    assert dict(two.brand.name) == {"en": "Field Briefings", "az": "Field Briefings"}


def test_paths_in_a_brand_file_in_a_subfolder_are_relative_to_it(project):
    text = (ROOT / "assets" / "brand.yaml").read_text(encoding="utf-8")
    text = text.replace("logo: brand/logo.svg", "logo: logo.svg").replace("fonts/", "../fonts/")
    (project / "assets" / "brand" / "brand.yaml").write_text(text, encoding="utf-8")
    briefing = _with_brand(project, SECOND, "brand: assets/brand/brand.yaml")
    assert briefing.brand.logo == "brand/logo.svg"
    assert briefing.brand.fonts["regular"] == "fonts/Lato-Regular.ttf"


BRAND = (ROOT / "assets" / "brand.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("brand_text", "base", "expected"), [
    (BRAND.replace("logo: brand/logo.svg", "logo: ../../generate.py"), SECOND,
     "assets/shared.yaml:5: logo: '../../generate.py' is outside assets/; put the file in "
     "assets/ and name it relative to this brand file"),
    (BRAND.replace("logo: brand/logo.svg", "logo: brand/nope.svg"), SECOND,
     "assets/shared.yaml:5: logo: 'brand/nope.svg' does not exist"),
    (BRAND.replace("  az: \"Field Briefings loqosu", "  fr: \"Field Briefings loqosu"), DATA,
     "assets/shared.yaml:7: logo_alt: missing the 'az' translation"),
    (BRAND.replace('name: {all: "Field Briefings"}', 'name: "Field Briefings"'), DATA,
     "assets/shared.yaml:4: name: one string for the editions en, az: the 'az' translation "
     "is missing"),
    (BRAND.replace('name: {all: "Field Briefings"}', "name: Field Briefings: shared"), SECOND,
     "assets/shared.yaml:4: not valid YAML: mapping values are not allowed in this context; "
     '": " inside text'),
    (BRAND.replace("colors:", "colours:"), SECOND,
     "assets/shared.yaml:9: colours: unknown key 'colours'; did you mean 'colors'?"),
])
def test_problems_in_a_brand_file_name_it(project, brand_text, base, expected):
    problems = _problems(project, brand_text, base)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(("line", "expected"), [
    ("brand: data.yaml", "variant.yaml:15: brand: 'data.yaml' is not a brand file in assets/"),
    ("brand: assets/../../brand.yaml",
     "variant.yaml:15: brand: 'assets/../../brand.yaml' is not a brand file in assets/"),
    ("brand: assets/brand/logo.svg",
     "variant.yaml:15: brand: 'assets/brand/logo.svg' is not a brand file in assets/"),
    ("brand: assets/nope.yaml", "assets/nope.yaml:1: cannot read the file"),
])
def test_the_brand_file_must_be_a_yaml_file_in_assets(project, line, expected):
    with pytest.raises(DataError) as info:
        _with_brand(project, SECOND, line)
    problems = [p.replace(str(project) + "/", "") for p in info.value.problems]
    assert len(problems) == 1
    assert problems[0].startswith(expected), problems
