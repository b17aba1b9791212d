"""Soak: `watch` and `schedule` run 40 builds with changing data in one process, and their
resident memory (the command's process and every process below it that lives through
builds: the forkserver, long-lived workers) stays flat.

Slow (a few minutes): skipped unless REPORT_SOAK=1; `make soak` runs it.
"""

import os
import signal
import time
from pathlib import Path

import pytest
from background import Background, copy_project

BUILDS = 40
SLACK_MB = 6.0  # resident memory after build 40 may exceed build 10 by at most this
SETTLE = 1.0  # seconds after a build before sampling: the next build process is forked

pytestmark = [pytest.mark.skipif(os.environ.get("REPORT_SOAK") != "1",
                                 reason="slow: run with REPORT_SOAK=1 (make soak)"),
              pytest.mark.timeout(1800)]


def process_tree(pid: int) -> dict[int, float]:
    """{pid: resident MB} for `pid` and every process below it."""
    sizes, todo = {}, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue  # it just ended
        sizes[current] = next((int(line.split()[1]) for line in status.splitlines()
                               if line.startswith("VmRSS:")), 0) / 1024  # none: a zombie
        todo += map(int, children)
    return sizes


def change_figure(table: Path, good: str, build: int) -> None:
    """A new value in the office's table for a figure drawn in a chart: the chart and the
    PDF change. Fails at once if the table no longer holds the value it edits."""
    assert "Stateless people,513" in good, "the second briefing's table changed: edit the soak"
    table.write_text(good.replace("Stateless people,513", f"Stateless people,{513 + build}"),
                     encoding="utf-8")


def soak(process: Background, data: Path, good: str, *, marker: str, seen: int) -> list:
    """Change the data, wait for the build's line (after line `seen`), sample; BUILDS times.

    A sample is the memory that stays: the command's process and every process below it
    that has lived through the previous build (long-lived workers count; a process that
    lives for one build only gives its memory back when it ends).
    """
    samples, before = [], {}
    for build in range(1, BUILDS + 1):
        change_figure(data, good, build)
        seen = process.wait_for(marker, after=seen) + 1
        time.sleep(SETTLE)
        tree = process_tree(process.process.pid)
        root = tree.pop(process.process.pid, 0.0)
        lasting = [mb for pid, mb in tree.items() if pid in before]
        samples.append(root + sum(lasting))
        before = tree
        if build in (1, 10, 25, BUILDS):
            print(f"build {build}: this process {root:.1f} MB; {len(lasting)} lasting below it "  # noqa: T201
                  f"{sum(lasting):.1f} MB; all {len(tree)} below it {sum(tree.values()):.1f} MB",
                  flush=True)
    return samples


def check_flat(samples: list[float], name: str) -> None:
    print(f"{name}: build 1 {samples[0]:.1f} MB, build 10 {samples[9]:.1f} MB, "  # noqa: T201
          f"build 40 {samples[-1]:.1f} MB")
    assert samples[-1] - samples[9] <= SLACK_MB, (
        f"{name} grew from {samples[9]:.1f} MB after build 10 to {samples[-1]:.1f} MB after "
        f"build 40: {', '.join(f'{mb:.0f}' for mb in samples)}")


def test_watch_memory_stays_flat(tmp_path):
    project = copy_project(tmp_path)
    data = project / "second-population.csv"
    good = data.read_text(encoding="utf-8")
    change_figure(data, good, 0)
    watch = Background(project, "watch", "--data", "data.yaml", "--out", "out",
                       "--interval", "0.2", "--debounce", "0.2")
    try:
        seen = watch.wait_for("watching data.yaml")
        samples = soak(watch, data, good, marker="second-population.csv changed: built", seen=seen)
        assert watch.stop(signal.SIGTERM) == 0
    finally:
        watch.kill()
    check_flat(samples, "watch")


def test_schedule_memory_stays_flat(tmp_path):
    project = copy_project(tmp_path)
    data = project / "second-population.csv"
    good = data.read_text(encoding="utf-8")
    change_figure(data, good, 0)
    run = Background(project, "schedule", "--every", "1", "--data", "data.yaml",
                     "--out", "out")
    try:
        seen = run.wait_for("] built in") + 1
        samples = soak(run, data, good, marker="] built in", seen=seen)
        assert run.stop(signal.SIGTERM) == 0
    finally:
        run.kill()
    check_flat(samples, "schedule")
