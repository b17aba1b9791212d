"""Watch: changes to the data file, templates/ or assets/ -> the affected editions rebuilt.

Polls modification times, sizes and inode numbers (no extra dependency, works on every file
system), waits until the files have been quiet for `debounce` seconds (an editor's save is
often several writes), then calls the same `build.build_editions` as `generate.py build`,
in a fresh build process (processes.py). Editions whose fingerprint did not change are
reported `unchanged` and not rendered.

Invalid data is printed, one line per problem, and watching goes on. A failed build writes
nothing, so the last good PDF stays in place until the data is fixed.

Importing this module is cheap, and so is this process: the build (and with it WeasyPrint
and matplotlib) is imported by the build processes' forkserver, never here.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

from .. import PROJECT_ROOT
from ..errors import DataError, ReportError, UsageError
from .processes import BuildProcesses
from .stop import StopSignals

WATCHED_DIRS = ("templates", "assets")
IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp")  # editor backups and swap files


def watched_paths(data_path, *, root: Path = PROJECT_ROOT) -> list[Path]:
    """What an edition is made of and a user edits: the data file, templates/, assets/,
    and the table files the data file names (as it names them when watching starts)."""
    return [Path(data_path), *(root / name for name in WATCHED_DIRS),
            *_table_files(Path(data_path))]


def _table_files(data_path: Path) -> list[Path]:
    from ..document.tables import table_files
    from ..document.yamlfile import read_yaml
    from ..errors import DataError

    try:
        return table_files(read_yaml(data_path).value, data_path.parent)
    except DataError:
        return []


def take_snapshot(paths) -> dict[str, tuple]:
    """{file: (mtime_ns, size, inode)} for every file under `paths`; a missing path is None."""
    snapshot = {}
    for path in map(Path, paths):
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not _ignored(d))
                for name in sorted(files):
                    if not _ignored(name):
                        _add(snapshot, Path(folder) / name)
        else:
            _add(snapshot, path)
    return snapshot


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.endswith(IGNORED_SUFFIXES) or name == "__pycache__"


def _add(snapshot: dict, path: Path) -> None:
    try:
        stat = path.stat()
    except OSError:
        snapshot[str(path)] = None  # missing for now (an editor replacing it, or deleted)
    else:
        snapshot[str(path)] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def describe_changes(before: dict, after: dict, *, limit: int = 3) -> str:
    """'data.yaml changed', 'templates/base.html and 2 more changed': for the status line."""
    names = sorted(name for name in before.keys() | after.keys()
                   if before.get(name) != after.get(name))
    shown = [_short(name) for name in names[:limit]]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{', '.join(shown)}{more} changed"


def _short(name: str) -> str:
    path = Path(name)
    for base in (Path.cwd(), PROJECT_ROOT):
        try:
            return path.resolve().relative_to(base).as_posix()
        except ValueError:
            continue
    return name


def wait_for_change(paths, snapshot: dict, *, interval: float, debounce: float, stop):
    """Block until the files differ from `snapshot` and have then been quiet for `debounce`
    seconds; return the new snapshot, or None once `stop` (a threading.Event) is set."""
    while not stop.wait(interval):
        current = take_snapshot(paths)
        if current == snapshot:
            continue
        while not stop.wait(debounce):
            later = take_snapshot(paths)
            if later == current:
                return current
            current = later
    return None


class Watcher:
    """Builds on every change until stopped; prints one status line per build to `out`."""

    def __init__(self, data_path, *, out_dir, langs=None, keep_html=False, keep=None,
                 jobs=None, out, debug=False, build=None, root: Path = PROJECT_ROOT,
                 clock=time.monotonic):
        self.data_path = Path(data_path)
        self.options = {"out_dir": out_dir, "langs": langs, "keep_html": keep_html,
                        "keep": keep, "jobs": jobs}
        self.out = out
        self.debug = debug
        self.paths = watched_paths(data_path, root=root)
        self._build = build
        self._clock = clock

    def use_builds(self, builds: BuildProcesses) -> None:
        """Run every build in `builds`' processes instead of in this one."""
        self._build = builds.build

    def run(self, stop, *, interval: float = 1.0, debounce: float = 0.5) -> None:
        """Build once, then again after every change, until `stop` is set."""
        snapshot = take_snapshot(self.paths)
        self.build_once("start")
        names = ", ".join(_short(str(p)) + ("/" if p.is_dir() else "") for p in self.paths)
        self.say(f"watching {names} (Ctrl-C to stop)")
        while True:
            current = wait_for_change(self.paths, snapshot, interval=interval,
                                      debounce=debounce, stop=stop)
            if current is None:
                return
            reason = describe_changes(snapshot, current)
            snapshot = current  # taken before the build: edits made during it count next
            self.build_once(reason)

    def build_once(self, reason: str) -> bool:
        """One build; print what happened. True if it succeeded (built or unchanged)."""
        build = self._build or _default_build()
        started = self._clock()
        try:
            built = build(self.data_path, **self.options)
        except DataError as exc:
            count = len(exc.problems)
            self.say(f"{reason}: {count} problem{'s' if count != 1 else ''} in the data; "
                     "nothing was written, the last good edition stays:", stamp=True)
            for problem in exc.problems:
                self.say(f"  {problem}")
            return False
        except ReportError as exc:
            self.say(f"{reason}: failed: {exc}", stamp=True)
            return False
        except Exception as exc:  # anything else: report it and keep watching
            self.say(f"{reason}: failed: {type(exc).__name__}: {exc}", stamp=True)
            if self.debug:
                self.say(traceback.format_exc().rstrip())
            return False
        seconds = self._clock() - started
        for edition in built:
            if edition.status == "unchanged":
                self.say(f"{reason}: unchanged: {edition.path}", stamp=True)
            else:
                self.say(f"{reason}: built {edition.path} ({edition.pages} pages, "
                         f"{edition.bytes / 1024:.0f} KiB) in {seconds:.1f} s", stamp=True)
        for line in sorted({e.changes["line"] for e in built
                            if e.status == "built" and e.changes}):
            self.say(f"{reason}: {line}", stamp=True)
        return True

    def say(self, line: str, *, stamp: bool = False) -> None:
        prefix = time.strftime("%H:%M:%S ") if stamp else ""
        print(f"{prefix}{line}", file=self.out, flush=True)


def watch(data_path, *, out, interval: float = 1.0, debounce: float = 0.5, **options) -> int:
    """The `watch` command until SIGINT/SIGTERM: 0 after a clean stop, 130 if a second
    signal cut a build short (the previous edition is then still intact).

    Each build runs in a fresh process forked from a warm forkserver (processes.py): this
    process only watches the files and prints, so its memory stays flat for months.
    """
    watcher = Watcher(data_path, out=out, **options)
    out_dir = Path(options["out_dir"]).resolve()
    for folder in watcher.paths[1:]:
        if out_dir.is_relative_to(folder.resolve()):
            raise UsageError(f"--out {options['out_dir']}: inside {_short(str(folder))}/, "
                             "which is watched: every build would start the next one; "
                             "choose a folder outside templates/ and assets/")
    with BuildProcesses() as builds, StopSignals() as stop:
        watcher.use_builds(builds)
        try:
            watcher.run(stop.event, interval=interval, debounce=debounce)
        except KeyboardInterrupt:
            builds.close(at_once=True)
            watcher.say("stopped at once: the build in progress was abandoned; "
                        "the previous edition is intact", stamp=True)
            return 130
    watcher.say(f"stopped ({stop.signal_name or 'interrupted'})", stamp=True)
    return 0


def _default_build():
    from ..output.build import build_editions

    return build_editions
