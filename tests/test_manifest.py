"""The output folder's state: manifest.json trusted for nothing, temporary files and the chart
cache kept to the build's own, several briefings sharing one folder (issue 9, items 1, 2, 4, 5).
"""

import json
import os
import shutil

import pytest
from conftest import SECOND, copy_tables, run_cli

from report.output import manifest as m
from report.render.charts import ChartCache
from report.store import atomic_write, remove_stale_temp, sha256_file


def _manifest(out):
    return json.loads((out / "manifest.json").read_text())


def _write_manifest(out, value):
    (out / "manifest.json").write_text(json.dumps(value), encoding="utf-8")


@pytest.fixture(scope="module")
def second_out(tmp_path_factory):
    """SECOND built once; tests copy it before changing anything."""
    out = tmp_path_factory.mktemp("second-state") / "out"
    result = run_cli("build", "--data", SECOND, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def out(second_out, tmp_path):
    copy = tmp_path / "out"
    shutil.copytree(second_out, copy)
    return copy


def _second_named(tmp_path, name, title="2024 in brief"):
    """SECOND under another output name (and title): a second briefing for the same folder."""
    text = SECOND.read_text(encoding="utf-8")
    path = tmp_path / f"{name}-{title.replace(' ', '-')}.yaml"
    path.write_text(text.replace("output_name: unhcr-2024", f"output_name: {name}")
                    .replace("2024 at a glance", title), encoding="utf-8")
    copy_tables(tmp_path)
    return path


# --- 1. every path read from the manifest stays inside its folder --------------------------

def test_prune_never_deletes_outside_the_archive(out, tmp_path):
    victims = [tmp_path / "important.txt", tmp_path / "absolute.txt", out / "keep-me.pdf"]
    for victim in victims:
        victim.write_text("precious")
    manifest = _manifest(out)
    for name in ("../../important.txt", str(victims[1]), "../keep-me.pdf", "."):
        manifest["archive"].insert(0, {"name": "unhcr-2024", "lang": "en", "file": name,
                                       "sha256": "0" * 64, "built_at": "2000-01-01T00:00:00"})
    _write_manifest(out, manifest)
    result = run_cli("build", "--data", SECOND, "--out", out, "--force", "--keep", "1")
    assert result.returncode == 0, result.stderr
    assert all(victim.read_text() == "precious" for victim in victims)
    assert result.stderr.count("is not a file name in archive/; ignored") == 4, result.stderr
    assert "'../../important.txt'" in result.stderr
    assert [a["file"] for a in _manifest(out)["archive"]] == \
        [p.name for p in (out / "archive").glob("*.pdf")]


def test_an_edition_entry_naming_another_file_is_not_trusted(out, tmp_path):
    """A sibling of item 1: `unchanged` (and `send`) must never hand out a file elsewhere."""
    outside = tmp_path / "outside.pdf"
    shutil.copy(out / "unhcr-2024-en.pdf", outside)
    manifest = _manifest(out)
    manifest["editions"]["unhcr-2024-en"]["file"] = str(outside)
    _write_manifest(out, manifest)
    result = run_cli("build", "--data", SECOND, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out / 'unhcr-2024-en.pdf'}"), result.stdout
    assert str(outside) not in result.stdout
    assert "names the file" in result.stderr, result.stderr
    assert _manifest(out)["editions"]["unhcr-2024-en"]["file"] == "unhcr-2024-en.pdf"


def test_archive_entries_must_name_their_own_edition(tmp_path):
    """An entry of one language naming another language's file, or a duplicate, is dropped."""
    folder = tmp_path / "out"
    good = {"name": "b", "lang": "en", "file": "b-en-2024-0123456789.pdf", "sha256": "0" * 64,
            "built_at": "2024-01-01T00:00:00+00:00"}
    wrong_lang = {**good, "lang": "az"}
    folder.mkdir()
    _write_manifest(folder, {"format": 2, "editions": {}, "archive": [good, wrong_lang, good]})
    warnings = []
    manifest = m.read_manifest(folder, warn=warnings.append)
    assert manifest["archive"] == [good]
    assert len(warnings) == 2, warnings


# --- 2. a manifest of the wrong shape is set aside, once, with one warning -----------------

ENTRY = {"name": "unhcr-2024", "lang": "en", "file": "unhcr-2024-en.pdf", "sha256": "a" * 64,
         "bytes": 10, "pages": 1, "fingerprint": "b" * 64, "reference_date": "2024-09",
         "generator": "report 1", "built_at": "2024-01-01T00:00:00+00:00"}

BAD_MANIFESTS = [
    ("edition is a number", {"editions": {"en": 5}}),
    ("archive item is a number", {"archive": [1]}),
    ("top level is a list", []),
    ("editions is a list", {"format": 2, "editions": [], "archive": []}),
    ("bytes is text", {"format": 2, "editions": {"unhcr-2024-en": {**ENTRY, "bytes": "10"}},
                       "archive": []}),
    ("missing sha256", {"format": 2, "editions": {
        "unhcr-2024-en": {k: v for k, v in ENTRY.items() if k != "sha256"}}, "archive": []}),
    ("archive built_at is a number", {"format": 2, "editions": {}, "archive": [
        {"name": "x", "lang": "en", "file": "x-en-2024-0123456789.pdf", "sha256": "a" * 64,
         "built_at": 5}]}),
    ("unknown format", {"format": 99, "editions": {}, "archive": []}),
]


@pytest.mark.parametrize("bad", [case[1] for case in BAD_MANIFESTS],
                         ids=[case[0] for case in BAD_MANIFESTS])
def test_a_manifest_that_does_not_validate_is_set_aside(tmp_path, bad):
    folder = tmp_path / "out"
    folder.mkdir()
    _write_manifest(folder, bad)
    warnings = []
    manifest = m.read_manifest(folder, warn=warnings.append, stamp="20261201T080000Z")
    assert manifest == {"format": 2, "editions": {}, "archive": []}
    assert len(warnings) == 1, warnings
    assert "manifest.json.bad-20261201T080000Z" in warnings[0]
    assert json.loads((folder / "manifest.json.bad-20261201T080000Z").read_text()) == bad
    assert not (folder / "manifest.json").exists()
    assert m.peek_manifest(folder) == manifest  # the skip path: no file, so nothing to skip


def test_unreadable_json_is_set_aside_too(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(b"\xff{not json")
    warnings = []
    assert m.read_manifest(folder, warn=warnings.append, stamp="T")["editions"] == {}
    assert (folder / "manifest.json.bad-T").read_bytes() == b"\xff{not json"
    assert len(warnings) == 1


def test_the_build_survives_a_wrong_shaped_manifest(out):
    _write_manifest(out, {"editions": {"en": 5}})
    first = run_cli("build", "--data", SECOND, "--out", out)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("wrote"), first.stdout
    warnings = [line for line in first.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, first.stderr
    assert "manifest.json.bad-" in warnings[0]
    assert len(list(out.glob("manifest.json.bad-*"))) == 1
    again = run_cli("build", "--data", SECOND, "--out", out)
    assert again.stdout.startswith("unchanged"), again.stdout + again.stderr
    assert again.stderr == ""


def test_a_manifest_of_the_previous_format_is_carried_over(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    old_entry = {k: v for k, v in ENTRY.items() if k not in ("name", "lang")}
    old = {"editions": {"en": old_entry}, "archive": [
        {"lang": "en", "file": "unhcr-2024-en-2024-09-0123456789.pdf", "sha256": "a" * 64,
         "built_at": "2024-01-01T00:00:00+00:00"}], "generator": "report 0"}
    _write_manifest(folder, old)
    warnings = []
    manifest = m.read_manifest(folder, warn=warnings.append)
    assert warnings == []
    assert manifest["editions"] == {"unhcr-2024-en": ENTRY}
    assert manifest["archive"][0]["name"] == "unhcr-2024"


# --- 4. only the build's own temporary files; a bounded chart cache -------------------------

def test_only_the_builds_own_temporary_files_are_removed(out):
    mine = [out / ".unhcr-2024-en.pdf.ab12cd_9.tmp", out / ".manifest.json.zzzzzzzz.tmp",
            out / "archive" / ".unhcr-2024-en-2024-09-0123456789.pdf.q1w2e3r4.tmp"]
    theirs = [out / ".notes.tmp", out / ".backup.20261201.tmp",
              out / ".other-briefing-en.pdf.ab12cd_9.tmp", out / "archive" / ".mine.tmp",
              out / ".unhcr-2024-en.pdf.tmp"]
    for path in mine + theirs:
        path.write_text("x")
    cache = out / ".cache" / "charts"
    stale_chart = cache / f".{'c' * 64}.svg.abcdefgh.tmp"
    stale_chart.write_text("x")
    old = [cache / f"{i:064x}.svg" for i in range(300)]
    for i, path in enumerate(old):
        path.write_text("<svg/>")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    result = run_cli("build", "--data", SECOND, "--out", out, "--force")
    assert result.returncode == 0, result.stderr
    assert [p for p in mine if p.exists()] == []
    assert [p for p in theirs if not p.exists()] == []
    assert not stale_chart.exists()
    charts = list(cache.glob("*.svg"))
    assert len(charts) <= ChartCache.MAX_FILES
    assert not old[0].exists()  # least recently used go first
    assert old[-1].exists()
    assert len(set(charts) - set(old)) == 2, "the build's own charts (population, funding)"


def test_remove_stale_temp_matches_only_named_targets(tmp_path):
    atomic_write(tmp_path / "a.pdf", b"done")
    (tmp_path / ".a.pdf.abcdefgh.tmp").write_text("left by a kill")
    (tmp_path / ".b.pdf.abcdefgh.tmp").write_text("someone else's")
    (tmp_path / ".a.pdf.abcdefgh.tmp.keep").write_text("not a temp name")
    removed = remove_stale_temp(tmp_path, ("a.pdf",))
    assert [p.name for p in removed] == [".a.pdf.abcdefgh.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".a.pdf.abcdefgh.tmp.keep", ".b.pdf.abcdefgh.tmp", "a.pdf"]


def test_the_chart_cache_keeps_the_most_recently_used(tmp_path):
    cache = ChartCache(tmp_path / "charts", max_files=3)
    for i in range(5):
        cache.put(f"{i:064x}", f"<svg>{i}</svg>")
        os.utime(tmp_path / "charts" / f"{i:064x}.svg", (100 + i, 100 + i))
    assert cache.get(f"{0:064x}") == "<svg>0</svg>"  # used now: the newest
    cache.prune()
    left = sorted(p.name[:64] for p in (tmp_path / "charts").glob("*.svg"))
    assert left == [f"{i:064x}" for i in (0, 3, 4)]


# --- 5. several briefings in one output folder ----------------------------------------------

def test_two_briefings_share_one_output_folder(out, tmp_path):
    other = _second_named(tmp_path, "unhcr-copy")
    first = run_cli("build", "--data", other, "--out", out)
    assert first.stdout.startswith(f"wrote {out / 'unhcr-copy-en.pdf'}"), first.stdout
    for data in (SECOND, other, SECOND):
        again = run_cli("build", "--data", data, "--out", out)
        assert again.stdout.startswith("unchanged"), (data, again.stdout, again.stderr)
    manifest = _manifest(out)
    assert set(manifest["editions"]) == {"unhcr-2024-en", "unhcr-copy-en"}
    for key, entry in manifest["editions"].items():
        assert entry["file"] == f"{key}.pdf"
        assert entry["sha256"] == sha256_file(out / entry["file"])
    status = run_cli("send", "--status", "--data", SECOND, "--out", out)
    assert status.returncode == 0, status.stderr
    assert f"{out / 'unhcr-2024-en.pdf'} (en, sha256" in status.stdout
    assert f"{out / 'unhcr-copy-en.pdf'} (en, sha256" in status.stdout


def _archived(out):
    return sorted(p.name.rsplit("-", 3)[0] for p in (out / "archive").glob("*.pdf"))


def test_keep_counts_per_briefing_and_language(out, tmp_path):
    assert run_cli("build", "--data", _second_named(tmp_path, "unhcr-2024", "x"), "--out",
                   out).returncode == 0
    for title in ("one", "two", "three"):
        data = _second_named(tmp_path, "unhcr-copy", title=title)
        assert run_cli("build", "--data", data, "--out", out).returncode == 0
    assert _archived(out) == ["unhcr-2024-en"] * 2 + ["unhcr-copy-en"] * 3
    # unchanged, but --keep still prunes: this briefing's archive only
    result = run_cli("build", "--data", data, "--out", out, "--keep", "1")
    assert result.stdout.startswith("unchanged"), result.stdout + result.stderr
    assert _archived(out) == ["unhcr-2024-en"] * 2 + ["unhcr-copy-en"]
    assert [a["file"] for a in _manifest(out)["archive"]] == \
        [p.name for p in sorted((out / "archive").glob("*.pdf"), key=os.path.getmtime)]


def test_the_fingerprint_does_not_depend_on_how_the_data_path_is_spelt(tmp_path):
    """`--data data.yaml`, `--data ./data.yaml` and an absolute path name the same inputs:
    an edition built one way is found unchanged the other way (the tables included)."""
    shutil.copy(SECOND, tmp_path / "data.yaml")
    copy_tables(tmp_path)
    relative = m.input_digest(tmp_path / "data.yaml", tmp_path,
                              tables=[tmp_path / "second-population.csv"])
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        spelt = m.input_digest(m.Path("./data.yaml"), tmp_path,
                               tables=[m.Path("./second-population.csv")])
    finally:
        os.chdir(cwd)
    assert spelt == relative
    (tmp_path / "second-population.csv").write_text("group,persons\nIDPs,1\n", encoding="utf-8")
    assert m.input_digest(tmp_path / "data.yaml", tmp_path,
                          tables=[tmp_path / "second-population.csv"]) != relative
