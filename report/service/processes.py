"""Builds in processes that end: each build of `watch` and `schedule` runs in a process
forked from a warm forkserver, so the long-running parent never renders and stays small.

WeasyPrint and matplotlib keep memory after a render (WeasyPrint #1950, #611: render in a
process that ends). Measured in one process, a build grew it by 0.4 to 2 MB, for good.

- The forkserver (multiprocessing's) is started with the first build: it imports WeasyPrint,
  matplotlib and the build once (preload.py). Forking a build process from it takes
  milliseconds, so the import is paid once and every build starts warm.
- Builds run one at a time. A build process is recycled after `builds_per_process` builds
  (default 1: every build gets a fresh one); its successor is forked as soon as it has
  exited, while the parent waits for the next change or the next scheduled time.
- Inside, a build lays out its editions as `generate.py build` does: in up to `jobs` forked
  layout workers, never more than the editions to render, which end with the build.
- Build processes ignore SIGINT and SIGTERM (preload.py); the parent stops them: after the
  current build on the first signal, at once (killed) on the second. Each dies with the
  forkserver (PR_SET_PDEATHSIG), and the forkserver exits when the parent does.
- A build process that dies (killed, out of memory) fails that build with a line saying so,
  and the next build gets a new one.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..errors import DataError, ReportError

PRELOAD = "report.service.preload"
BUILDS_PER_PROCESS = 1


class BuildProcessError(ReportError):
    """The process running a build ended before the build did."""


class BuildProcesses:
    """Context manager: `build(data_path, **options)` runs build_editions in a fresh process."""

    def __init__(self, *, builds_per_process: int = BUILDS_PER_PROCESS):
        self.builds_per_process = builds_per_process
        self._executor = None

    def __enter__(self) -> BuildProcesses:
        return self

    def __exit__(self, exc_type, *_rest) -> None:
        self.close(at_once=exc_type is not None)

    def start(self) -> None:
        """Start the forkserver and fork the first build process, without waiting for it."""
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", PRELOAD])  # __main__: imported once, here
        self._executor = ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_start_process,
            max_tasks_per_child=self.builds_per_process)
        self._executor.submit(_ready)

    def build(self, data_path, **options) -> list:
        """build_editions(data_path, **options) in a build process: its result, or its error
        raised here (DataError with its problems, BuildProcessError if the process died)."""
        if self._executor is None:
            self.start()
        future = self._executor.submit(_run_build, data_path, options)
        try:
            built, problems = future.result()
        except BrokenProcessPool:
            self.close(at_once=True)
            raise BuildProcessError(
                "the build process ended before the build did (killed, or out of "
                "memory); nothing was written, the previous edition is intact; the next "
                "build starts a new process") from None
        if problems is not None:
            raise DataError(problems)  # rebuilt here: DataError does not survive pickling
        return built

    def close(self, *, at_once: bool = False) -> None:
        """Stop the build process: once its build is done, or `at_once` (killed)."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if at_once:
            # the executor has no public way to kill its workers; its process table does
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
        executor.shutdown(wait=not at_once, cancel_futures=True)


def _start_process() -> None:
    """In a new build process: ignore the stop signals, die with the forkserver."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)  # also done by the preload; this is in case
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the forkserver is already gone
        os._exit(1)


def _ready() -> None:
    """A no-op task: it makes the pool fork its first process now, not at the first build."""


def _run_build(data_path, options: dict):
    """In the build process: (editions, None), or (None, problems) for invalid data."""
    from ..output.build import build_editions

    try:
        return build_editions(data_path, **options), None
    except DataError as exc:
        return None, exc.problems
