"""watch: the real command in a subprocess on a copy of the project, and its change detection."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from background import Background, copy_project
from conftest import DATA, ROOT, run_cli

from report.service.watch import describe_changes, take_snapshot, wait_for_change
from report.store import LOCK_NAME


@pytest.fixture
def watched(tmp_path):
    project = copy_project(tmp_path)
    process = Background(project, "watch", "--data", "data.yaml", "--out", "out",
                         "--interval", "0.2", "--debounce", "0.3")
    yield project, process
    process.kill()


def test_watch_rebuilds_on_change_reports_problems_and_keeps_the_last_good_pdf(watched):
    project, watch = watched
    data, pdf = project / "data.yaml", project / "out" / "unhcr-2024-en.pdf"
    seen = watch.wait_for("start: built out/unhcr-2024-en.pdf")
    watch.wait_for("watching data.yaml, templates/, assets/", after=seen)
    first = pdf.read_bytes()

    data.touch()  # saved without a change: the fingerprint matches, nothing is rendered
    seen = watch.wait_for("data.yaml changed: unchanged: out/unhcr-2024-en.pdf", after=seen)

    good = data.read_text(encoding="utf-8")
    data.write_text(good.replace("value: 2084", "value: many", 1), encoding="utf-8")
    seen = watch.wait_for("data.yaml changed: 1 problem in the data; nothing was written",
                          after=seen)
    seen = watch.wait_for("expected a number, got 'many'", after=seen)
    assert pdf.read_bytes() == first, "a failed build must leave the last good PDF in place"
    assert watch.process.poll() is None, "watch must keep going after invalid data"

    data.write_text(good.replace("at a glance", "at a glance, revised", 1), encoding="utf-8")
    seen = watch.wait_for("data.yaml changed: built out/unhcr-2024-en.pdf", after=seen)
    second = pdf.read_bytes()
    assert second.startswith(b"%PDF-")
    assert second != first

    style = project / "templates" / "style.css"
    style.write_text(style.read_text(encoding="utf-8") + "\n/* a change */\n", encoding="utf-8")
    seen = watch.wait_for("templates/style.css changed: built out/unhcr-2024-en.pdf",
                          after=seen)

    assert watch.stop(signal.SIGINT) == 0
    assert watch.lines[-1].endswith("stopped (SIGINT)"), watch.output()
    assert "Traceback" not in watch.output()


def test_sigterm_stops_watch_cleanly(watched):
    _project, watch = watched
    watch.wait_for("watching data.yaml")
    assert watch.stop(signal.SIGTERM) == 0
    assert watch.lines[-1].endswith("stopped (SIGTERM)"), watch.output()


def test_watch_refuses_an_output_folder_it_watches():
    result = run_cli("watch", "--out", ROOT / "assets" / "out")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: --out {ROOT / 'assets' / 'out'}: inside assets/, "
                                    "which is watched")
    assert not (ROOT / "assets" / "out").exists()


def test_snapshot_sees_changes_and_ignores_editor_files(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "base.html").write_text("a")
    data = tmp_path / "data.yaml"
    data.write_text("x")
    paths = [data, folder]
    before = take_snapshot(paths)
    (folder / ".base.html.swp").write_text("swap")
    (folder / "base.html~").write_text("backup")
    assert take_snapshot(paths) == before
    (folder / "sections").mkdir()
    (folder / "sections" / "faq.html").write_text("new")
    data.unlink()
    after = take_snapshot(paths)
    assert after[str(data)] is None
    assert describe_changes(before, after) == f"{data}, {folder / 'sections/faq.html'} changed"


def test_wait_for_change_waits_until_the_files_are_quiet(tmp_path):
    data = tmp_path / "data.yaml"
    data.write_text("0")
    before = take_snapshot([data])
    stop = threading.Event()

    def save_in_bursts():
        for i in range(1, 6):  # one save written in five pieces
            data.write_text(str(i) * i)
            time.sleep(0.02)

    writer = threading.Thread(target=save_in_bursts)
    writer.start()
    result = wait_for_change([data], before, interval=0.01, debounce=1.0, stop=stop)
    writer.join()
    assert result == take_snapshot([data]), "built before the last write of the save"


def test_wait_for_change_returns_none_once_stopped(tmp_path):
    stop = threading.Event()
    stop.set()
    assert wait_for_change([tmp_path], take_snapshot([tmp_path]), interval=5, debounce=5,
                           stop=stop) is None


def test_watch_and_schedule_import_without_weasyprint_or_matplotlib():
    code = ("import sys, report.service.watch, report.service.schedule, report.cli; "
            "heavy = [m for m in ('weasyprint', 'matplotlib', 'apscheduler') if m in sys.modules];"
            "print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _wait_for_file(path, process, timeout=120):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared:\n{process.output()}"
        assert process.process.poll() is None, f"exited early:\n{process.output()}"
        time.sleep(0.05)


def test_ctrl_c_at_the_terminal_stops_watch_after_the_build_without_tracebacks(tmp_path):
    project = copy_project(tmp_path)
    watch = Background(project, "watch", "--data", "data.yaml", "--out", "out",
                       "--interval", "0.2", "--debounce", "0.3", group=True)
    try:
        _wait_for_file(project / "out" / LOCK_NAME, watch)  # the first build has started
        watch.interrupt_group()  # every process of the group gets SIGINT, as from a terminal
        assert watch.wait() == 0, watch.output()
    finally:
        watch.kill()
    assert "start: built out/unhcr-2024-en.pdf" in watch.output()
    assert watch.lines[-1].endswith("stopped (SIGINT)"), watch.output()
    assert "Traceback" not in watch.output()
    assert "KeyboardInterrupt" not in watch.output()


def test_watch_accepts_jobs(tmp_path):
    project = copy_project(tmp_path)
    watch = Background(project, "watch", "--data", "data.yaml", "--out", "out", "--jobs", "1",
                       "--interval", "0.2", "--debounce", "0.3")
    try:
        watch.wait_for("start: built out/unhcr-2024-en.pdf")
        assert watch.stop(signal.SIGTERM) == 0
    finally:
        watch.kill()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores to fork a pool")
def test_watch_keeps_no_idle_layout_workers(tmp_path):
    project = copy_project(tmp_path)
    watch = Background(project, "watch", "--data", "data.yaml", "--out", "out",
                       "--interval", "0.2", "--debounce", "0.3")
    try:
        watch.wait_for("watching data.yaml")
        own = _cmdline(watch.process.pid)
        forks = [pid for pid in _children(watch.process.pid) if _cmdline(pid) == own]
        assert len(forks) <= 1, f"{len(forks)} layout workers for one edition"
        assert watch.stop(signal.SIGTERM) == 0
    finally:
        watch.kill()


def test_a_killed_build_process_is_reported_and_watch_goes_on(tmp_path):
    project = copy_project(tmp_path)
    watch = Background(project, "watch", "--data", "data.yaml", "--out", "out",
                       "--interval", "0.2", "--debounce", "0.3",
                       env={"REPORT_CRASH_AT": "after-pdf:en"})  # SIGKILL mid-build
    try:
        seen = watch.wait_for("start: failed: the build process ended before the build did")
        watch.wait_for("watching data.yaml", after=seen)
        data = project / "data.yaml"
        data.write_text(data.read_text(encoding="utf-8").replace("at a glance", "today", 1),
                        encoding="utf-8")
        watch.wait_for("data.yaml changed: failed: the build process ended", after=seen)
        assert watch.process.poll() is None, "watch must go on after a build process died"
        assert watch.stop(signal.SIGTERM) == 0
    finally:
        watch.kill()
    assert "Traceback" not in watch.output()


def test_a_broken_layout_pool_is_logged(tmp_path):
    result = run_cli("build", "--data", DATA, "--out", tmp_path / "out", "--jobs", "2",
                     env={"REPORT_CRASH_AT": "layout-worker:az"})  # one worker is killed
    assert result.returncode == 0, result.stderr
    assert "warning: a layout worker died (killed, or out of memory); laying out the 2 " \
           "editions in this process instead" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "out" / "briefing-az.pdf").read_bytes().startswith(b"%PDF-")
