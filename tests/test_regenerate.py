"""Regeneration: skip what has not changed, reproducible bytes, never a broken file, archive."""

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pypdf
import pytest
from conftest import DATA, ROOT, SECOND, copy_tables, run_cli


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(out):
    return json.loads((out / "manifest.json").read_text())


def test_unchanged_rebuild_skips_and_force_rebuilds(tmp_path):
    out = tmp_path / "out"
    first = run_cli("build", "--data", SECOND, "--out", out)
    assert first.returncode == 0, first.stderr
    pdf = out / "unhcr-2024-en.pdf"
    stamp = pdf.stat().st_mtime_ns
    again = run_cli("build", "--data", SECOND, "--out", out)
    assert again.returncode == 0
    assert again.stdout == f"unchanged: {pdf}\n"
    assert pdf.stat().st_mtime_ns == stamp
    forced = run_cli("build", "--data", SECOND, "--out", out, "--force")
    assert forced.returncode == 0
    assert forced.stdout.startswith(f"wrote {pdf}")
    assert pdf.stat().st_mtime_ns != stamp


def test_a_change_or_a_damaged_file_triggers_a_rebuild(tmp_path):
    out = tmp_path / "out"
    data = tmp_path / "data.yaml"
    shutil.copy(SECOND, data)
    copy_tables(tmp_path)
    assert run_cli("build", "--data", data, "--out", out).returncode == 0
    pdf = out / "unhcr-2024-en.pdf"
    data.write_text(data.read_text().replace("2024 at a glance", "2024 in brief"))
    changed = run_cli("build", "--data", data, "--out", out)
    assert changed.stdout.startswith("wrote"), changed.stdout
    assert "2024 in brief" in pypdf.PdfReader(pdf).metadata.title
    pdf.write_bytes(pdf.read_bytes()[:-10])  # somebody truncated it
    repaired = run_cli("build", "--data", data, "--out", out)
    assert repaired.stdout.startswith("wrote"), repaired.stdout
    assert _sha(pdf) == _manifest(out)["editions"]["unhcr-2024-en"]["sha256"]


def test_the_skip_path_imports_neither_weasyprint_nor_matplotlib_nor_openpyxl(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--data", SECOND, "--out", out).returncode == 0
    code = ("import sys; from report.cli import main; "
            f"code = main(['build', '--data', {str(SECOND)!r}, '--out', {str(out)!r}]); "
            "print(code, sorted(m for m in ('weasyprint', 'matplotlib', 'fontTools', 'openpyxl') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == "0 []", result.stdout + result.stderr


def test_builds_are_byte_reproducible(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli("build", "--out", one, "--force").returncode == 0
    assert run_cli("build", "--out", two, "--force").returncode == 0
    for name in ("briefing-en", "briefing-az", "handout-en", "handout-az"):
        assert (one / f"{name}.pdf").read_bytes() == (two / f"{name}.pdf").read_bytes(), name


def test_source_date_epoch_sets_the_document_date(tmp_path):
    result = run_cli("build", "--data", SECOND, "--out", tmp_path,
                     env={"SOURCE_DATE_EPOCH": "1730419200"})  # 2024-11-01T00:00:00Z
    assert result.returncode == 0, result.stderr
    meta = pypdf.PdfReader(tmp_path / "unhcr-2024-en.pdf").metadata
    assert meta["/CreationDate"].startswith("D:20241101000000")


def test_manifest_and_archive(tmp_path):
    out = tmp_path / "out"
    data = tmp_path / "data.yaml"
    shutil.copy(SECOND, data)
    copy_tables(tmp_path)
    assert run_cli("build", "--data", data, "--out", out).returncode == 0
    entry = _manifest(out)["editions"]["unhcr-2024-en"]
    assert set(entry) == {"name", "lang", "layout", "file", "sha256", "bytes", "pages",
                          "fingerprint", "reference_date", "generator", "built_at", "figures",
                          "changes"}
    assert (entry["name"], entry["layout"], entry["lang"]) == ("unhcr-2024", "briefing", "en")
    assert entry["figures"]["refugees"] == 8087
    assert entry["changes"]["first"] is True
    pdf = out / entry["file"]
    assert entry["sha256"] == _sha(pdf)
    assert entry["bytes"] == pdf.stat().st_size
    assert entry["pages"] == len(pypdf.PdfReader(pdf).pages)
    assert entry["reference_date"] == "2024-09"
    assert entry["generator"].startswith("report ")
    archived = out / "archive" / f"unhcr-2024-en-2024-09-{entry['sha256'][:10]}.pdf"
    assert archived.read_bytes() == pdf.read_bytes()
    for title in ("2024 in brief", "2024 summary"):
        data.write_text(data.read_text().replace("2024 at a glance", title)
                        .replace("2024 in brief", title))
        assert run_cli("build", "--data", data, "--out", out).returncode == 0
    assert len(list((out / "archive").glob("*.pdf"))) == 3
    assert run_cli("build", "--data", data, "--out", out, "--force", "--keep", "1").returncode == 0
    left = list((out / "archive").glob("*.pdf"))
    assert [p.name for p in left] == [a["file"] for a in _manifest(out)["archive"]]
    assert len(left) == 1
    assert left[0].read_bytes() == pdf.read_bytes()


def test_a_second_build_on_the_same_folder_exits_3(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".build.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write("4242\n")
        handle.flush()
        busy = run_cli("build", "--data", SECOND, "--out", out)
    assert busy.returncode == 3
    assert "another build (pid 4242) is working on" in busy.stderr
    assert not (out / "unhcr-2024-en.pdf").exists()
    assert run_cli("build", "--data", SECOND, "--out", out).returncode == 0


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A good build of both editions: the state a killed build must leave intact."""
    out = tmp_path_factory.mktemp("previous")
    assert run_cli("build", "--out", out).returncode == 0
    return out


def _changed_data(tmp_path):
    data = tmp_path / "data.yaml"
    copy_tables(tmp_path)
    data.write_text(DATA.read_text(encoding="utf-8").replace(
        "ICRC transition and UNHCR operations", "ICRC transition and UNHCR work"),
        encoding="utf-8")
    return data


# manifest key -> file stem: both outputs of data.yaml (briefing, handout) in both languages
EDITIONS = ("briefing-en", "briefing-az", "handout-en", "handout-az")  # manifest keys = stems


def _shas(out):
    return {key: _sha(out / f"{key}.pdf") for key in EDITIONS}


def _assert_intact(out, old):
    """Every PDF is complete (the old or the new one) and the manifest is valid JSON."""
    manifest = _manifest(out)
    assert set(manifest["editions"]) == set(EDITIONS)
    for key in EDITIONS:
        pdf = out / f"{key}.pdf"
        reader = pypdf.PdfReader(pdf, strict=True)
        assert len(reader.pages) >= 2
        assert _sha(pdf) in (old[key], manifest["editions"][key]["sha256"]) or \
            reader.metadata.title.endswith("UNHCR work")


CRASH_POINTS = ["before-replace:briefing-en.pdf", "after-pdf:en",
                "before-replace:briefing-az.pdf", "before-replace:manifest.json"]


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_sigkill_at_each_write_leaves_the_previous_files_intact(tmp_path, previous, point):
    out = tmp_path / "out"
    shutil.copytree(previous, out)
    old = _shas(out)
    data = _changed_data(tmp_path)
    killed = run_cli("build", "--data", data, "--out", out, env={"REPORT_CRASH_AT": point})
    assert killed.returncode == -signal.SIGKILL
    _assert_intact(out, old)
    if point == "before-replace:briefing-en.pdf":
        assert _sha(out / "briefing-en.pdf") == old["briefing-en"]
        assert _manifest(out) == _manifest(previous)
        return
    if point != "before-replace:manifest.json":
        return  # one rerun shows the recovery; more would only cost minutes
    rerun = run_cli("build", "--data", data, "--out", out)
    assert rerun.returncode == 0, rerun.stderr
    manifest = _manifest(out)
    for key in EDITIONS:
        assert _sha(out / f"{key}.pdf") == manifest["editions"][key]["sha256"]
    assert not list(out.glob(".*.tmp"))


def _children(pid):
    """The processes whose parent is `pid` (the build's layout workers)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if entry.isdigit() and int(fields[1]) == pid:
            found.append(int(entry))
    return found


@pytest.mark.parametrize("after", [0.0, 0.5])
def test_sigkill_while_the_workers_lay_out(tmp_path, previous, after):
    """Killed from outside once its workers exist (they are forked when layout starts): the
    build dies by SIGKILL before writing anything, and no worker outlives it."""
    out = tmp_path / "out"
    shutil.copytree(previous, out)
    old = _shas(out)
    data = _changed_data(tmp_path)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "generate.py"), "build", "--data", str(data),
         "--out", str(out), "--jobs", "2"], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    while not _children(process.pid) and process.poll() is None:
        time.sleep(0.02)
    time.sleep(after)
    process.send_signal(signal.SIGKILL)
    _stdout, stderr = process.communicate(timeout=60)  # once no process holds its pipes
    assert process.returncode == -signal.SIGKILL, stderr.decode()
    assert _shas(out) == old, \
        "the kill came after the build had written: it tested nothing"
    assert _manifest(out) == _manifest(previous)
    _assert_intact(out, old)
    assert not _processes_using(str(data)), "a worker outlived the killed build"


def _processes_using(text):
    found = []
    for proc in os.listdir("/proc"):
        try:
            with open(f"/proc/{proc}/cmdline", "rb") as handle:
                if text.encode() in handle.read():
                    found.append(proc)
        except OSError:
            continue
    return found


def test_no_temporary_file_is_left_after_a_build(tmp_path):
    assert run_cli("build", "--data", SECOND, "--out", tmp_path).returncode == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".build.lock", ".cache", "archive", "manifest.json", "unhcr-2024-en.pdf"]
    assert os.stat(tmp_path / "unhcr-2024-en.pdf").st_mode & 0o777 == 0o644
