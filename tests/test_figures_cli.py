"""Figures end to end, in real subprocesses: a table edited -> a new edition, a "changed:"
line, the email paragraph (real SMTP server); a max_change broken -> nothing sent; an .xlsx
written here with openpyxl; data.yaml declares each seed figure once."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

import pytest
import yaml
from background import Background, copy_project
from conftest import DATA, ROOT, run_cli
from smtpserver import smtp_server

SEEDS = {"unhcr-factsheet-2024": "/work/shared/seeds/002_fae7b62b967c00e1.txt",
         "icrc-faq": "/work/shared/seeds/000_3085d1d938f57e6c.txt"}


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path)


def _edit_table(project, old, new):
    table = project / "second-population.csv"
    text = table.read_text(encoding="utf-8")
    assert old in text
    table.write_text(text.replace(old, new), encoding="utf-8")


def _recipients(project):
    path = project / "recipients.csv"
    path.write_text("email,name,lang\nann@example.org,Ann,en\n", encoding="utf-8")
    return path


def _manifest(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_an_edited_table_makes_a_new_edition_a_change_line_and_the_email_paragraph(project):
    first = run_cli("build", "--out", "out", cwd=project)
    assert first.returncode == 0, first.stderr
    assert "first edition: no earlier figures to compare with" in first.stdout
    again = run_cli("build", "--out", "out", cwd=project)
    assert again.stdout.startswith("unchanged:"), again.stdout  # an unchanged table: skipped

    _edit_table(project, "Refugees,8087", "Refugees,8210")
    second = run_cli("build", "--out", "out", cwd=project)
    assert second.returncode == 0, second.stderr
    assert "wrote " in second.stdout
    assert "changed: refugees 8,087 -> 8,210 (+1.5%)" in second.stdout
    entry = _manifest(project / "out")["editions"]["unhcr-2024-en"]
    assert entry["figures"]["refugees"] == 8210
    assert entry["changes"]["line"] == "changed: refugees 8,087 -> 8,210 (+1.5%)"

    with smtp_server() as server:
        sent = run_cli("send", "--recipients", _recipients(project), "--out", "out",
                       cwd=project, env=server.env())
        assert sent.returncode == 0, sent.stdout + sent.stderr
        (message,) = server.handler.received
    body = message.message.get_body(("plain",)).get_content()
    assert "Since the last edition: Refugees 8,087 → 8,210 (+1.5%)." in body
    html = message.message.get_body(("html",)).get_content()
    assert "Since the last edition: Refugees 8,087 → 8,210 (+1.5%)." in html


def test_a_first_edition_email_has_no_change_paragraph(project):
    with smtp_server() as server:
        sent = run_cli("send", "--recipients", _recipients(project), "--out", "out",
                       cwd=project, env=server.env())
        assert sent.returncode == 0, sent.stdout + sent.stderr
        (message,) = server.handler.received
    assert "Since the last edition" not in message.message.get_body(("plain",)).get_content()


def test_a_move_beyond_max_change_is_built_but_not_sent_until_accepted(project):
    data = project / "data.yaml"
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("\nfigures:\n", "\nmax_change: 25%\n\nfigures:\n", 1),
                    encoding="utf-8")
    assert run_cli("build", "--out", "out", cwd=project).returncode == 0
    _edit_table(project, "Refugees,8087", "Refugees,12000")
    recipients = _recipients(project)
    with smtp_server() as server:
        held = run_cli("send", "--recipients", recipients, "--out", "out", cwd=project,
                       env=server.env())
        assert held.returncode == 1, held.stdout + held.stderr
        assert server.handler.received == []
        assert server.handler.rcpts == []  # not even a connection's RCPT
        assert "refugees: 8,087 -> 12,000 (+48.4%), limit 25%" in held.stderr
        assert "nothing was sent" in held.stderr
        assert "--accept-changes" in held.stderr
        assert "idps" not in held.stderr  # unchanged figures are not named
        entry = _manifest(project / "out")["editions"]["unhcr-2024-en"]
        assert entry["figures"]["refugees"] == 12000

        released = run_cli("send", "--recipients", recipients, "--out", "out",
                           "--accept-changes", cwd=project, env=server.env())
        assert released.returncode == 0, released.stdout + released.stderr
        assert len(server.handler.received) == 1


def test_watch_rebuilds_when_a_table_changes(project):
    watch = Background(project, "watch", "--out", "out", "--interval", "0.2",
                       "--debounce", "0.2")
    try:
        seen = watch.wait_for("start: built out/unhcr-2024-en.pdf")
        seen = watch.wait_for("second-population.csv (Ctrl-C to stop)", after=seen)
        _edit_table(project, "Refugees,8087", "Refugees,8210")
        seen = watch.wait_for("second-population.csv changed: built out/unhcr-2024-en.pdf",
                              after=seen)
        watch.wait_for("changed: refugees 8,087 -> 8,210 (+1.5%)", after=seen)
        _edit_table(project, "Refugees,8210", "Refugees,8210.5")
        watch.wait_for("second-population.csv:3: column 'persons': expected a whole number, "
                       "got '8210.5'", after=seen)
        assert watch.stop(signal.SIGINT) == 0
    finally:
        watch.process.kill()


def test_a_spreadsheet_written_here_feeds_the_funding_figures(project):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Funding"
    for row in (["item", "million USD"], ["requirement", 8.0], ["funded", 4.5]):
        sheet.append(row)
    (project / "tables").mkdir()
    book.save(project / "tables" / "funding.xlsx")
    data = project / "data.yaml"
    text = data.read_text(encoding="utf-8")
    text = text.replace("  population: second-population.csv\n",
                        "  population: second-population.csv\n"
                        "  funding: {file: tables/funding.xlsx, sheet: Funding}\n")
    text = re.sub(r"value: 8\.0,", "table: funding, row: {item: requirement}, "
                                   "column: million USD,", text)
    text = re.sub(r"value: 4\.5,", "table: funding, row: {item: funded}, "
                                   "column: million USD,", text)
    data.write_text(text, encoding="utf-8")
    built = run_cli("build", "--out", "out", cwd=project)
    assert built.returncode == 0, built.stderr
    assert _manifest(project / "out")["editions"]["unhcr-2024-en"]["figures"]["gap"] == 3.5

    sheet["B3"] = 5.5  # funded moves: the gap and both shares follow
    book.save(project / "tables" / "funding.xlsx")
    stale = run_cli("build", "--out", "out", cwd=project)
    assert stale.returncode == 2  # the source's printed 56 % no longer holds: said, not hidden
    assert "figures.funded-share.printed: the source prints 56, but the figures give 68.75" \
        in stale.stderr
    data.write_text(re.sub(r" printed: [0-9.]+,", "", text), encoding="utf-8")
    rebuilt = run_cli("build", "--out", "out", cwd=project)
    assert "changed: funded 4.5 -> 5.5 (+22.2%); funded-share 56 -> 69 (+23.2%); gap 3.5 -> " \
           "2.5 (-28.6%); gap-share 44 -> 31 (-29.5%)" in rebuilt.stdout, rebuilt.stdout

    sheet["B3"] = "lots"
    book.save(project / "tables" / "funding.xlsx")
    bad = run_cli("check", cwd=project)
    assert bad.returncode == 2
    assert "tables/funding.xlsx[Funding]:B3: column 'million USD': expected a number, got " \
           "'lots'" in bad.stderr


def test_the_skip_path_imports_neither_openpyxl_nor_the_renderers(project, tmp_path):
    (project / "tables").mkdir()
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["item", "million USD"])
    book.active.append(["requirement", 8.0])
    book.save(project / "tables" / "funding.xlsx")
    data = project / "data.yaml"
    data.write_text(data.read_text(encoding="utf-8").replace(
        "  population: second-population.csv\n",
        "  population: second-population.csv\n  funding: tables/funding.xlsx\n").replace(
        "value: 8.0,", "table: funding, row: {item: requirement}, column: million USD,"),
        encoding="utf-8")
    assert run_cli("build", "--out", "out", cwd=project).returncode == 0
    code = ("import sys; from report.cli import main; code = main(['build', '--out', 'out']); "
            "print(code, sorted(m for m in ('weasyprint', 'matplotlib', 'fontTools', "
            "'openpyxl') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == "0 []", result.stdout + result.stderr


def _numbers_in_seed(source):
    text = open(SEEDS[source], encoding="utf-8").read()
    found = {float(n.replace(",", ".")) for n in re.findall(r"\d+(?:[.,]\d+)?", text)}
    words = {"bir": 1.0, "altı": 6.0, "yeddi": 7.0}  # numbers the sheet spells out
    return found | {number for word, number in words.items()
                    if re.search(rf"\b{word}\b", text, re.IGNORECASE)}


def test_data_yaml_declares_each_seed_figure_once_and_types_no_number_elsewhere():
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    typed = [(fid, fig["value"]) for fid, fig in raw["figures"].items() if "value" in fig]
    # the same value twice is the same seed figure, unless the seed prints it for two facts
    same_value_twice = {7: {"legal-aid-districts-2024", "taxi-permits-2024"},
                        1: {"statistics-officials-unece-2024", "office-baku"}}
    by_value: dict = {}
    for fid, value in typed:
        by_value.setdefault(value, set()).add(fid)
    for value, ids in by_value.items():
        assert len(ids) == 1 or ids == same_value_twice.get(value), (value, ids)
    for fid, fig in raw["figures"].items():  # no invented data: each typed value is printed
        if "value" in fig:
            assert float(fig["value"]) in _numbers_in_seed(fig["source"]), fid
    assert (len(typed), len(raw["figures"])) == (30, 39)  # + 6 from tables, 3 derived

    def literal_numbers(node, path):
        if isinstance(node, bool):
            return []
        if isinstance(node, int | float):
            return [path]
        if isinstance(node, dict):
            return [p for k, v in node.items() for p in literal_numbers(v, f"{path}.{k}")]
        if isinstance(node, list):
            return [p for i, v in enumerate(node) for p in literal_numbers(v, f"{path}[{i}]")]
        return []

    found = literal_numbers(raw["sections"], "sections") + literal_numbers(raw["email"], "email")
    # timeline dates are dates, not figures
    assert [p for p in found if not p.endswith(".date")] == []


def test_the_population_and_funding_figures_come_from_the_tables():
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    from_tables = {fid for fid, fig in raw["figures"].items() if "table" in fig}
    assert from_tables == {"idps", "refugees", "asylum-seekers", "stateless",
                           "funding-requirement", "funding-funded"}
    assert (ROOT / "data" / "population.csv").read_text().splitlines()[1].startswith("#")


def test_the_email_headline_names_declared_figures(tmp_path):
    import shutil

    from report.document.load import load_briefing
    from report.errors import DataError

    shutil.copytree(ROOT / "data", tmp_path / "data")
    path = tmp_path / "data.yaml"
    path.write_text(DATA.read_text(encoding="utf-8").replace(
        "headline: [idps, refugees]", "headline: [idps, refugee]"), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_briefing(path, root=ROOT, name="data.yaml")
    (problem,) = info.value.problems
    assert problem.endswith("email.headline[1]: no figure has the id 'refugee'; did you mean "
                            "'refugees'?")
