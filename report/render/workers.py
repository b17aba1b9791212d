"""Rendering several editions at once: editions -> PDFs in worker processes.

The workers are forked when a build starts rendering and import WeasyPrint at once; each
then draws its edition's charts (matplotlib, unless cached), fills the templates and lays
out the PDF, so the heavy imports and the drawing happen on every core at the same time.
A worker dies with the build (PR_SET_PDEATHSIG): a killed build leaves no orphan, and it
ignores SIGINT (a Ctrl-C reaches the whole process group; the build decides). The pool is
sized by the editions to render, never more than `jobs` (default: one per core).
Forking is only safe from a single-threaded process: with other threads running, editions
are laid out one after another in the calling process. A pool that breaks (a worker was
killed) is logged, and the editions are then laid out in the calling process.

`watch` and `schedule` call the build in a fresh process per build (service/processes.py),
so these pools, like the build's, live for one build.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..store import crash_point

LOG = logging.getLogger(__name__)


def layout_jobs(jobs: int | None, count: int) -> int:
    """How many processes to use for `count` editions (1: lay out in this process)."""
    jobs = min(jobs or os.cpu_count() or 1, count)
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    return jobs if jobs > 1 and can_fork and threading.active_count() == 1 else 1


@contextlib.contextmanager
def layout_pool(jobs: int):
    """A pool of `jobs` workers, started now and importing WeasyPrint; None for one job."""
    if jobs <= 1:
        yield None
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                             initargs=(os.getpid(),)) as pool:
        for _ in range(jobs):
            pool.submit(_ready)  # start every worker now, not at the first real task
        yield pool


def render_all(briefing, labels: dict, *, root: Path, created=None, chart_cache=None,
               pool=None, layout: str = "briefing", name: str | None = None) -> list:
    """Every edition of `labels` ({lang: Labels}) rendered: in `pool`, else one by one here."""
    from .html import render_edition

    options = {"root": root, "created": created, "chart_cache": chart_cache, "layout": layout,
               "name": name}
    if pool is not None:
        try:
            futures = [pool.submit(_render_in_worker, briefing, lang, words, **options)
                       for lang, words in labels.items()]
            return [future.result() for future in futures]
        except BrokenProcessPool:
            _warn_broken(len(labels))
    return [render_edition(briefing, lang, words, **options) for lang, words in labels.items()]


def lay_out_all(editions, root: Path, *, jobs: int | None = None, pool=None) -> list:
    """The PDFs of prepared editions, in order.

    With a `pool`, each edition is handed to a worker as soon as it is prepared (`editions`
    may be a generator), so the first layout overlaps the preparation of the next. If the
    pool has broken (a worker was killed), the editions are laid out here instead.
    """
    from .html import lay_out

    if pool is not None:
        editions = list(editions) if not isinstance(editions, list) else editions
        try:
            futures = [pool.submit(lay_out, edition, root) for edition in editions]
            return [future.result() for future in futures]
        except BrokenProcessPool:
            _warn_broken(len(editions))
            return [lay_out(edition, root) for edition in editions]
    editions = list(editions)
    with layout_pool(layout_jobs(jobs, len(editions))) as own:
        if own is not None:
            return lay_out_all(editions, root, pool=own)
    return [lay_out(edition, root) for edition in editions]


def _warn_broken(count: int) -> None:
    LOG.warning("warning: a layout worker died (killed, or out of memory); laying out the "
                "%d edition%s in this process instead", count, "s" if count != 1 else "")


def _render_in_worker(briefing, lang: str, labels, **options):
    """render_edition in a worker (with a crash point for the broken-pool tests)."""
    from .html import render_edition

    crash_point(f"layout-worker:{lang}")
    return render_edition(briefing, lang, labels, **options)


def _start_worker(parent: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the build to act on
    if os.getppid() != parent:  # the build died before this worker was set up
        os._exit(1)
    import weasyprint  # noqa: F401  (the slow import, done while the parent draws charts)


def _ready() -> None:
    """A no-op task: submitting one per worker makes the pool start them all at once."""
