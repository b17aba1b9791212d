"""The figures block: kinds, values from tables, derived figures and their checks."""

from __future__ import annotations

import textwrap

import pytest

from report.document import fields as f
from report.document.figures import check_parts, figure_ref, read_figures, value_ref
from report.document.yamlfile import parse_yaml

POPULATION = ("group,year,persons\n#population+type,#date+year,#population+num\n"
              "idps,2024,657749\nrefugees,2024,8087\n")


def load(tmp_path, text, tables=None):
    for name, content in (tables or {}).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    doc = parse_yaml(textwrap.dedent(text), name="data.yaml")
    ctx = f.Context(doc, ("en", "az"))
    figures = read_figures(ctx, doc.value, base=tmp_path)
    ctx.figures = figures
    return figures, ctx


FUNDING = """
figures:
  requirement: {kind: amount, value: 8.0, decimals: 1, currency: USD, source: s,
                unit: {en: "million US dollars", az: "milyon ABŞ dolları"}}
  funded: {kind: amount, value: 4.5, decimals: 1, currency: USD, source: s, unit: {all: "m"}}
  gap: {kind: amount, difference: [requirement, funded], printed: 3.5, decimals: 1,
        currency: USD, unit: {all: "m"}, source: s}
  funded-share: {kind: percent, share: {part: funded, whole: requirement}, printed: 56,
                 source: s}
  gap-share: {kind: percent, share: {part: gap, whole: requirement}, printed: 44, source: s}
  total: {sum: [a, b], source: s}
  a: {value: 2, source: s}
  b: {value: 3, source: s}
"""


def test_derived_figures_are_computed_and_rounded(tmp_path):
    figures, ctx = load(tmp_path, FUNDING)
    assert ctx.problems == []
    assert figures["gap"].value == 3.5
    assert figures["funded-share"].value == 56  # 56.25, printed 56
    assert figures["gap-share"].value == 44  # 43.75
    assert figures["total"].value == 5


@pytest.mark.parametrize(("change", "message"), [
    ("printed: 56", "data.yaml:8: figures.funded-share.printed: the source prints 57, but "
                    "the figures give 56.25"),
    ("value: 4.5, decimals: 1, currency: USD, source: s, unit: {all: \"m\"}}",
     "data.yaml:3: figures.requirement.value"),
])
def test_a_printed_value_that_the_figures_do_not_give_is_refused(tmp_path, change, message):
    text = FUNDING.replace("printed: 56", "printed: 57") if change == "printed: 56" else \
        FUNDING.replace("value: 8.0", "value: 3.0")
    figures, ctx = load(tmp_path, text)
    if change == "printed: 56":
        assert ctx.problems == [message + "; check the figures it is computed from"]
    else:  # the funded part now exceeds the requirement
        assert any("'funded' (4.5) exceeds 'requirement' (3.0)" in p for p in ctx.problems)
        assert any("share: 'funded' (4.5) must be a part of 'requirement'" in p
                   for p in ctx.problems)


@pytest.mark.parametrize(("figure", "message"), [
    ("refugees: {value: 8087.5, source: s}",
     "data.yaml:3: figures.refugees.value: expected a whole number (a count), got 8087.5"),
    ("refugees: {value: -1, source: s}",
     "data.yaml:3: figures.refugees.value: expected a number that is not negative, got -1"),
    ("p: {kind: percent, value: 101, source: s}",
     "data.yaml:3: figures.p.value: expected a percentage from 0 to 100, got 101"),
    ("m: {kind: amount, value: -2.0, currency: USD, unit: m, source: s}",
     "data.yaml:3: figures.m.value: expected a number that is not negative, got -2.0"),
    ("m: {kind: amount, value: 2.0, source: s}",
     "data.yaml:3: figures.m: an amount needs 'currency:'"),
    ("x: {source: s}", "data.yaml:3: figures.x: has no value"),
    ("x: {value: 1, sum: [a, b], source: s}", "data.yaml:3: figures.x: has 'value' and 'sum'"),
    ("x: {value: 1}", "data.yaml:3: figures.x.source: is required but missing"),
    ("x: {sum: [x, y], source: s}\n  y: {sum: [x, x], source: s}",
     "data.yaml:3: figures.x: figures refer to each other in a circle: x -> y -> x"),
    ("x: {difference: [nope, other], source: s}",
     "data.yaml:3: figures.x.difference: no figure has the id 'nope'"),
    ("x: {value: 1, max_change: lots, source: s}",
     "data.yaml:3: figures.x.max_change: expected a limit like '25%', got 'lots'"),
])
def test_figure_kinds_are_checked_with_file_and_line(tmp_path, figure, message):
    _, ctx = load(tmp_path, f"\nfigures:\n  {figure}\n")
    assert any(p.startswith(message) for p in ctx.problems), ctx.problems


@pytest.mark.parametrize(("figure", "message"), [
    ('m: {kind: amount, value: 2.0, currency: usd, unit: {all: "m"}, source: s}',
     "data.yaml:3: figures.m.currency: expected a three-letter currency code like USD"),
    ('m: {kind: amount, value: 2.0, currency: USD, unit: "m", source: s}',
     "data.yaml:3: figures.m.unit: one string for the editions en, az"),
])
def test_an_amount_with_a_bad_currency_or_unit_is_reported_once(tmp_path, figure, message):
    _, ctx = load(tmp_path, f"\nfigures:\n  {figure}\n")
    assert len(ctx.problems) == 1, ctx.problems
    assert ctx.problems[0].startswith(message), ctx.problems


def test_values_from_an_hxl_table(tmp_path):
    figures, ctx = load(tmp_path, """
        tables:
          population: {file: data/population.csv}
        max_change: 25%
        figures:
          idps:
            table: population
            row: {"#population+type": idps, "#date+year": 2024}
            column: "#population+num"
            source: s
            max_change: 5%
          refugees: {table: population, row: {group: refugees}, column: persons, source: s}
        """, {"data/population.csv": POPULATION})
    assert ctx.problems == []
    assert figures["idps"].value == 657749
    assert figures["idps"].origin == "data/population.csv:3"
    assert figures["idps"].max_change == 5.0
    assert figures["refugees"].max_change == 25.0


@pytest.mark.parametrize(("row", "table_text", "message"), [
    ("{group: IDPs}", POPULATION,
     "data.yaml:5: figures.idps.row: data/population.csv: no row where group = 'IDPs'; "
     "did you mean 'idps'?"),
    ("{group: idps}", POPULATION.replace("657749", '"657 749"'),
     "data.yaml:5: figures.idps.row: data/population.csv:3: column 'persons': expected a "
     "whole number, got '657 749'"),
    ("{group: idps}", POPULATION.replace("657749", "8087.5"),
     "data.yaml:5: figures.idps.row: data/population.csv:3: column 'persons': expected a "
     "whole number, got '8087.5'"),
    ("{year: 2024}", POPULATION,
     "data.yaml:5: figures.idps.row: data/population.csv: 2 rows match year = 2024 "
     "(rows 3 and 4)"),
])
def test_table_errors_name_the_data_line_and_the_table_cell(tmp_path, row, table_text,
                                                            message):
    _, ctx = load(tmp_path, f"""
        tables:
          population: data/population.csv
        figures:
          idps: {{table: population, row: {row}, column: persons, source: s}}
        """, {"data/population.csv": table_text})
    assert any(p.startswith(message) for p in ctx.problems), ctx.problems


def test_a_missing_table_file_is_reported_at_its_declaration(tmp_path):
    _, ctx = load(tmp_path, """
        tables:
          population: {file: data/none.csv}
        figures:
          idps: {table: population, row: {group: idps}, column: persons, source: s}
        """)
    assert any(p.startswith("data.yaml:3: tables.population.file: 'data/none.csv' does not "
                            "exist") for p in ctx.problems), ctx.problems


def test_parts_never_exceed_wholes(tmp_path):
    figures, ctx = load(tmp_path, "\nfigures:\n  a: {value: 9, source: s}\n"
                                  "  b: {value: 5, source: s}\n")
    check_parts(ctx, figures, [("a", "b", ("checks", 0))])
    assert ctx.problems == ["data.yaml:2: checks[0]: 'a' (9) exceeds its whole 'b' (5)"]


def test_a_literal_number_where_a_reference_belongs_has_a_hint(tmp_path):
    figures, ctx = load(tmp_path, "\nfigures:\n  idps: {value: 5, source: s, label: {all: IDPs}}\n")
    assert figure_ref(ctx, {"value": 657749, "label": "IDPs"}, ("sections", 0, "figures", 0)) \
        is None
    assert value_ref(ctx, 657749, ("sections", 1, "values", "idps")) is None
    assert "declare it once under 'figures:'" in ctx.problems[0]
    assert ctx.problems[1].endswith("e.g. `idps: <figure id>`")
    assert figure_ref(ctx, "idps", ("x",)).value == 5
    assert figure_ref(ctx, {"figure": "idps", "label": {"en": "internally displaced",
                                                        "az": "məcburi köçkünlər"}}, ("x",)
                      ).label == {"en": "internally displaced", "az": "məcburi köçkünlər"}
    assert figure_ref(ctx, {"figure": "idps", "label": {"all": "IDP"}}, ("x",)
                      ).label == {"en": "IDP", "az": "IDP"}
    assert len(ctx.problems) == 2, ctx.problems
    assert value_ref(ctx, "idsp", ("y",)) is None
    assert ctx.problems[-1].endswith("no figure has the id 'idsp'; did you mean 'idps'?")


def test_a_figure_with_a_problem_is_reported_once_not_again_by_its_formulas(tmp_path):
    _, ctx = load(tmp_path, """
        tables:
          funding: data/none.csv
        figures:
          requirement: {kind: percent, table: funding, row: {item: r}, column: v, source: s}
          funded: {kind: percent, value: 150, source: s}
          share: {kind: percent, share: {part: funded, whole: requirement}, source: s}
          gap: {kind: percent, difference: [requirement, funded], source: s}
        """)
    assert len(ctx.problems) == 2, ctx.problems
    assert ctx.problems[0].startswith("data.yaml:3: tables.funding.file: 'data/none.csv' does "
                                      "not exist")
    assert ctx.problems[1].startswith("data.yaml:6: figures.funded.value: expected a "
                                      "percentage from 0 to 100")


WORDS = """
figures:
  officials: {value: 6, source: s}
  districts: {value: 7, source: s}
  idps: {value: 2084, source: s}
"""


def test_a_value_spelled_out_in_words_is_capitalised_only_where_it_opens_the_paragraph(
        tmp_path):
    from report.document import i18n
    from report.document.model import Para

    _figures, ctx = load(tmp_path, WORDS)
    officials = value_ref(ctx, {"figure": "officials", "words": True}, ("v",))
    districts = value_ref(ctx, {"figure": "districts", "words": True}, ("v",))
    digits = value_ref(ctx, {"figure": "districts", "words": False}, ("v",))
    assert ctx.problems == []
    item = Para({"en": "{o} officials in {d} districts ({n})",
                 "az": "{o} rəsmi, {d} rayon ({n})"}, {"o": officials, "d": districts, "n": digits})
    assert i18n.para(item, "en") == "Six officials in seven districts (7)"
    assert i18n.para(item, "az") == "Altı rəsmi, yeddi rayon (7)"
    # a language without number words prints digits rather than a wrong word
    assert i18n.para(Para({"fr": "{d} districts"}, {"d": districts}), "fr") == "7 districts"


@pytest.mark.parametrize(("raw", "message"), [
    ({"figure": "idps", "words": True},
     "figure 'idps' is 2084; only whole numbers from 0 to 10 are spelled out: remove "
     "'words: true'"),
    ({"figure": "officials", "words": "yes"}, "expected true or false, got 'yes'"),
    ({"figure": "officials", "word": True}, "unknown key 'word'"),
])
def test_a_bad_words_reference_says_what_to_do(tmp_path, raw, message):
    _figures, ctx = load(tmp_path, WORDS)
    assert value_ref(ctx, raw, ("v",)) is None
    assert any(message in p for p in ctx.problems), ctx.problems
