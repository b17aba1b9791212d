"""Templates: autoescaping, strict undefined, CSS strings, heading levels, chart alt text."""

import dataclasses
import hashlib

import jinja2
import pytest
from conftest import ROOT, SECOND

from report.document.project import load_project
from report.render import charts
from report.render.charts import Chart
from report.render.html import (
    css_string,
    heading_levels,
    html_to_pdf,
    make_environment,
    render_html,
)


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
    html = render_html(briefing, "en", labels["en"], {"population": Chart("c.svg", "", "alt <x>"),
                                                      "funding": Chart("f.svg", "", "alt")},
                       env=env)
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


def test_kept_html_is_the_html_the_pdf_was_laid_out_from(tmp_path, monkeypatch):
    from report.output.build import build_editions
    from report.render import html as html_mod

    calls = []
    real = html_mod.render_html
    monkeypatch.setattr(html_mod, "render_html",
                        lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    [built] = build_editions(SECOND, out_dir=tmp_path, keep_html=True, force=True, jobs=1)
    assert calls == ["en"]  # rendered once, though kept as HTML too
    kept = built.html_path.read_text(encoding="utf-8")
    assert 'src="unhcr-2024-en_files/charts/funding-en.svg"' in kept
    pdf, _pages, warnings = html_to_pdf(kept, root=ROOT, folder="unhcr-2024-en_files", generated={
        f"charts/{p.name}": p.read_text(encoding="utf-8")
        for p in (tmp_path / "unhcr-2024-en_files" / "charts").iterdir()})
    assert warnings == []
    assert hashlib.sha256(pdf).hexdigest() == built.sha256


def test_each_section_prints_its_source_line_once():
    briefing, labels = load_project(ROOT / "data.yaml")
    env = make_environment(ROOT / "templates")
    found = {chart: Chart(f"{chart}.svg", "", "alt") for chart in ("population", "funding")}
    html = render_html(briefing, "en", labels["en"], found, env=env)
    parts = html.split("<section ")[1:]
    assert len(parts) == len(briefing.sections) - 1  # the contents is a <nav>
    counts = {}
    for part in parts:
        counts.setdefault(part.split('"')[1], set()).add(part.count('class="source-line"'))
    assert counts["funding"] == counts["population"] == counts["key-figures"] == {1}
    assert counts["chapter"] == counts["sources"] == {0}
    assert set().union(*counts.values()) == {0, 1}
