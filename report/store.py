"""Writing outputs safely: atomic writes, the output folder's lock, hashes, crash points.

Every file goes to a temporary sibling, is flushed and fsynced, then moved into place with
os.replace: a reader (or a crash) never sees a half-written file; the old one stays until
the new one is complete. One build at a time writes to a folder (`output_lock`).
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import hashlib
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

from .errors import ReportError

LOCK_NAME = ".build.lock"
CRASH_ENV = "REPORT_CRASH_AT"


class BusyError(ReportError):
    """Another build is writing to the same output folder."""

    exit_code = 3


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write `data` to `path` atomically (temporary file in the same folder + os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        crash_point(f"before-replace:{path.name}")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def folder_lock(folder: Path, *, name: str = LOCK_NAME, what: str = "build"):
    """Hold a folder's lock file (`name`); BusyError at once if another process has it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise BusyError(f"another {what} (pid {holder}) is working on {folder}; "
                            "wait for it to finish, then run again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock; the file stays (deleting it would race)


@contextlib.contextmanager
def output_lock(out_dir: Path):
    """The build's lock on its output folder; a failed first build removes the folder."""
    out_dir = Path(out_dir)
    created = not out_dir.exists()
    with folder_lock(out_dir):
        try:
            yield
        except BaseException:
            if created:  # a failed first build leaves no trace
                shutil.rmtree(out_dir, ignore_errors=True)
            raise


# atomic_write's temporary names: "." + the target's name + "." + mkstemp's 8 random
# characters + ".tmp"; nothing else in a folder is ever removed as a leftover
_TEMP_RE = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp")


def temp_target(name: str) -> str | None:
    """The file an atomic_write temporary file `name` was meant to become, or None."""
    match = _TEMP_RE.fullmatch(name)
    return match["target"] if match else None


def remove_stale_temp(folder: Path, targets=("*",), *, recursive: bool = False) -> list:
    """Delete temporary files a killed build left behind (call only while holding the lock).

    Only atomic_write's own temporary names are removed, and only those of a target that
    matches one of the glob patterns `targets` (`briefing-en.pdf`, `briefing-en-*.pdf`).
    """
    removed = []
    paths = Path(folder).rglob(".*.tmp") if recursive else Path(folder).glob(".*.tmp")
    for path in paths:
        target = temp_target(path.name)
        if target and any(fnmatch.fnmatchcase(target, pattern) for pattern in targets):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def crash_point(name: str) -> None:
    """For crash tests: SIGKILL this process at the named moment if REPORT_CRASH_AT says so."""
    wanted = os.environ.get(CRASH_ENV)
    if wanted and (wanted == name or (wanted.endswith("*") and name.startswith(wanted[:-1]))):
        os.kill(os.getpid(), signal.SIGKILL)
