"""Signals -> a stop request: how the long-running commands (watch, schedule) end cleanly.

The first SIGINT (Ctrl-C) or SIGTERM asks the command to stop after what it is doing (the
current build runs to its end); a second one stops it at once by raising KeyboardInterrupt
(atomic writes leave the previous edition intact either way).

The signal handler itself does nothing but count: it must not take locks, because it runs
in the middle of whatever the main thread was doing. Python's C-level handler writes the
signal number to a socket (`signal.set_wakeup_fd`); a helper thread reads it and does the
work (sets `event`, calls `on_stop`) in an ordinary thread, where taking locks is safe.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_QUIT = b"\0"  # written by `__exit__` to end the helper thread; no signal has number 0


class StopSignals:
    """Context manager: while active, SIGINT/SIGTERM set `event` and call `on_stop(name)`."""

    def __init__(self, on_stop=None):
        self.event = threading.Event()
        self.signal_name: str | None = None
        self._on_stop = on_stop
        self._count = 0
        self._saved = {}
        self._saved_fd = -1
        self._reader = self._writer = self._thread = None

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def __enter__(self) -> StopSignals:
        self._reader, self._writer = socket.socketpair()
        self._writer.setblocking(False)
        self._thread = threading.Thread(target=self._listen, name="stop-signals", daemon=True)
        self._thread.start()
        self._saved_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        for signum in SIGNALS:
            self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._saved_fd)
        with contextlib.suppress(OSError):
            self._writer.send(_QUIT)
        self._thread.join(timeout=5)
        self._reader.close()
        self._writer.close()

    def _handle(self, signum, frame) -> None:
        """Runs in the main thread between two bytecodes: count, and nothing else."""
        self._count += 1
        if self._count > 1:
            raise KeyboardInterrupt

    def _listen(self) -> None:
        while True:
            data = self._reader.recv(64)
            if not data or _QUIT in data:
                return
            if self.event.is_set():
                continue  # a second signal: the handler raises KeyboardInterrupt
            self.signal_name = signal.Signals(data[0]).name
            self.event.set()
            if self._on_stop is not None:
                self._on_stop(self.signal_name)
