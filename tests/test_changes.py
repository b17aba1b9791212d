"""The change report between editions, the max_change guard and the email paragraph."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from mailhelpers import manifest_with_changes

from report.document.figures import FigureDef
from report.document.i18n import load_labels
from report.mail.message import since_last_edition
from report.output.changes import NO_CHANGE, change_line, change_record, compare_figures
from report.output.guard import HeldError, hold_if_breached


def test_the_change_line_lists_each_figure_with_its_move():
    changes = compare_figures({"idps": 657749, "refugees": 8087, "same": 1},
                              {"idps": 660102, "refugees": 8210, "same": 1})
    assert change_line(changes, first=False) == (
        "changed: idps 657,749 -> 660,102 (+0.4%); refugees 8,087 -> 8,210 (+1.5%)")


def test_text_only_first_edition_new_and_removed_figures():
    assert change_line([], first=False) == NO_CHANGE
    assert change_record(None, {"a": 1}, {})["first"] is True
    assert change_record({"figures": {"a": 1}}, {"a": 1}, {})["line"] == NO_CHANGE
    record = change_record({"figures": {"a": 1, "gone": 2}}, {"a": 1, "new": 4.5}, {})
    assert record["line"] == "changed: gone 2 -> -; new - -> 4.5"


@pytest.mark.parametrize(("old", "new", "limit", "breaks"), [
    (100, 125, 25.0, False), (100, 126, 25.0, True), (100, 74, 25.0, True),
    (0, 5, 25.0, True), (100, 1000, None, False)])
def test_a_limit_is_broken_beyond_it_either_way(old, new, limit, breaks):
    (change,) = compare_figures({"x": old}, {"x": new}, limits={"x": limit})
    assert change.breaks_limit is breaks


def write_manifest(folder, record):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(manifest_with_changes(
        record, langs=("en", "az"))))


def test_the_guard_names_each_figure_old_new_and_limit_and_how_to_release(tmp_path):
    record = change_record({"figures": {"idps": 657749, "refugees": 8087}},
                           {"idps": 900000, "refugees": 8210},
                           {"idps": 25.0, "refugees": 25.0})
    write_manifest(tmp_path, record)
    with pytest.raises(HeldError) as info:
        hold_if_breached(tmp_path)
    message = str(info.value)
    assert "idps: 657,749 -> 900,000 (+36.8%), limit 25%" in message
    assert "refugees" not in message  # within its limit
    assert message.count("idps:") == 1  # both languages, said once
    assert "send --accept-changes" in message
    assert info.value.exit_code == 1
    hold_if_breached(tmp_path, accept=True)  # released


def test_the_guard_lets_a_first_edition_and_small_moves_through(tmp_path):
    write_manifest(tmp_path, change_record(None, {"idps": 1}, {"idps": 1.0}))
    hold_if_breached(tmp_path)
    write_manifest(tmp_path / "b", change_record({"figures": {"idps": 100}}, {"idps": 101},
                                                 {"idps": 1.0}))
    hold_if_breached(tmp_path / "b")


class _Briefing:
    figures = {"refugees": FigureDef("refugees", "count", 8210, "s",
                                     label={"en": "Refugees", "az": "Qaçqınlar"}),
               "gap": FigureDef("gap", "amount", 3.5, "s", decimals=1)}


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Since the last edition: gap 3.0 → 3.5 (+16.7%); Refugees 8,087 → 8,210 (+1.5%)."),
    ("az", "Son nəşrdən bəri: gap 3,0 → 3,5 (+16,7%); Qaçqınlar 8.087 → 8.210 (+1,5%)."),
])
def test_the_email_paragraph_is_formatted_per_locale(lang, expected):
    labels = load_labels(ROOT / "templates" / "labels.yaml", ("en", "az"))
    record = change_record({"figures": {"refugees": 8087, "gap": 3.0}},
                           {"refugees": 8210, "gap": 3.5}, {})
    assert since_last_edition(_Briefing, labels[lang], record) == expected


def test_the_email_paragraph_is_left_out_for_a_first_edition():
    labels = load_labels(ROOT / "templates" / "labels.yaml", ("en",))
    assert since_last_edition(_Briefing, labels["en"], change_record(None, {"a": 1}, {})) == ""
    assert since_last_edition(_Briefing, labels["en"], None) == ""
    text_only = change_record({"figures": {"a": 1}}, {"a": 1}, {})
    assert since_last_edition(_Briefing, labels["en"], text_only) == (
        "Since the last edition: no figure has changed.")
