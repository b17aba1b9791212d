"""Templates: autoescaping, strict undefined, CSS strings, heading levels, chart alt text."""

import dataclasses

import jinja2
import pytest
from conftest import ROOT, SECOND

from report.document.project import load_project
from report.render import charts
from report.render.html import css_string, heading_levels, make_environment, render_html


@pytest.fixture(scope="module")
def project():
    return load_project(SECOND)


def test_autoescape_is_on_for_html_templates():
    env = make_environment(ROOT / "templates")
    template = env.get_template("sections/_heading.html")
    assert template.environment.autoescape is True
    html = env.from_string("{{ x }}").render(x="<script>alert(1)</script>")
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_html_in_a_data_string_comes_out_as_text(project):
    briefing, labels = project
    hostile = "<b>bold</b> & <script>alert('x')</script>"
    sections = list(briefing.sections)
    sections[1] = dataclasses.replace(sections[1], title={"en": hostile})
    doc = dataclasses.replace(briefing.document, title={"en": "A </title><script>x</script>"})
    briefing = dataclasses.replace(briefing, sections=tuple(sections), document=doc)
    env = make_environment(ROOT / "templates")
    html = render_html(briefing, "en", labels["en"], {"population": ("c.svg", "alt <x>"),
                                                      "funding": ("f.svg", "alt")}, env=env)
    assert "<script>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in html
    assert "A &lt;/title&gt;&lt;script&gt;x&lt;/script&gt;" in html
    assert 'alt="alt &lt;x&gt;"' in html


def test_undefined_names_fail_loudly():
    env = make_environment(ROOT / "templates")
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


@pytest.mark.parametrize(("value", "expected"), [
    ("Field Briefings", '"Field Briefings"'),
    ('a"b', '"a\\22 b"'),
    ("</style><script>", '"\\3c /style\\3e \\3c script\\3e "'),
    ("back\\slash", '"back\\5c slash"'),
    ("line\nbreak", '"line\\a break"'),
])
def test_css_string_cannot_break_out(value, expected):
    assert str(css_string(value)) == expected


def test_heading_levels(project):
    briefing, _labels = project
    levels = heading_levels(briefing.sections)
    assert set(levels.values()) == {1}  # no chapters in the second file
    main, _ = load_project(ROOT / "data.yaml")
    levels = heading_levels(main.sections)
    assert levels["icrc"] == 1
    assert levels["handover"] == 2
    assert levels["sources"] == 1


def test_alt_text_is_generated_from_the_data(project):
    briefing, labels = project
    funding = next(s for s in briefing.sections if s.type == "funding")
    assert charts.funding_alt(funding, "en", labels["en"]) == (
        "56% funded: 4.5 of 8.0 million US dollars; gap 3.5 (44%), as of September 2024.")
    population = next(s for s in briefing.sections if s.type == "population")
    alt = charts.population_alt(population, "en", labels["en"])
    assert alt.startswith("Bar chart, mid-2024: IDPs 657,749; Refugees 8,087; "
                          "Stateless people 513; Asylum-seekers 224.")


def test_alt_text_in_azerbaijani():
    briefing, labels = load_project(ROOT / "data.yaml")
    funding = next(s for s in briefing.sections if s.type == "funding")
    alt = charts.funding_alt(funding, "az", labels["az"])
    assert alt.startswith("56% təmin olunub: 8,0 milyon ABŞ dolları ehtiyacdan 4,5;")


def test_charts_are_deterministic_svg(project):
    briefing, labels = project
    charts.register_fonts([ROOT / "assets" / p for p in briefing.brand.fonts.values()], "Lato")
    first = charts.render_charts(briefing, "en", labels["en"])
    second = charts.render_charts(briefing, "en", labels["en"])
    assert first == second
    chart = first["funding"]
    assert chart.file == "funding-en.svg"
    assert chart.alt == charts.funding_alt(briefing.sections[3], "en", labels["en"])
    svg = chart.svg
    assert svg.lstrip().startswith("<?xml")
    assert "<dc:date>" not in svg
    assert "DejaVu" not in svg
    assert "Lato" in svg
