"""Helpers for the long-running commands (watch, schedule): a copy of the project in a tmp
folder, and a real `generate.py` subprocess whose output lines can be waited for."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import ROOT, SECOND

WAIT = 120  # seconds: the longest any one expected line may take (a cold first build)


def copy_project(tmp_path: Path) -> Path:
    """The code, templates and assets in tmp_path/project, with the small second briefing
    as project/data.yaml: the tests may edit any of it, and nothing else edits it meanwhile."""
    project = tmp_path / "project"
    for name in ("report", "templates", "assets"):
        shutil.copytree(ROOT / name, project / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "generate.py", project)
    shutil.copy(SECOND, project / "data.yaml")
    shutil.copy(SECOND.parent / "second-population.csv", project)
    return project


class Background:
    """`python generate.py ARGS` running in `cwd`; collects stdout and stderr lines."""

    def __init__(self, project: Path, *args, env=None, group: bool = False):
        """`group`: in a process group of its own, so that `interrupt_group` can send SIGINT
        to it and every process it started, as Ctrl-C in a terminal does."""
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
               **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, str(project / "generate.py"), *map(str, args)], cwd=project,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=group)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, text: str, *, after: int = 0, timeout: float = WAIT) -> int:
        """The index of the first line at or after `after` that contains `text`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(after, len(self.lines)):
                    if text in self.lines[index]:
                        return index
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(f"no line with {text!r} after line {after} within "
                                         f"{timeout:.0f} s; output so far:\n{self.output()}")
                self._changed.wait(min(left, 0.5))

    def stop(self, signum=signal.SIGTERM, *, timeout: float = WAIT) -> int:
        """Send `signum`, wait for the exit; return the exit code."""
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {timeout:.0f} s after {signum!r}; output:\n"
                                 f"{self.output()}") from None
        self._reader.join(10)
        return code

    def interrupt_group(self) -> None:
        """Ctrl-C at the terminal: SIGINT to the whole process group (needs `group=True`)."""
        os.killpg(self.process.pid, signal.SIGINT)

    def wait(self, *, timeout: float = WAIT) -> int:
        """Wait for the exit; return the exit code."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running after {timeout:.0f} s; output:\n"
                                 f"{self.output()}") from None
        self._reader.join(10)
        return code

    def output(self) -> str:
        return "\n".join(self.lines)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
