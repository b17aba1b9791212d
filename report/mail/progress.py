"""Progress of a long run: a one-line bar on a terminal, one plain log line per step otherwise."""

from __future__ import annotations

WIDTH = 30


class Progress:
    """Counts outcomes ("sent", "failed-permanent", "failed-transient", "wrote") of `total`;
    `stream=None` keeps count silently."""

    def __init__(self, total: int, *, stream, tty: bool | None = None):
        self.total = total
        self.stream = stream  # None: silent
        self.tty = bool(stream is not None and stream.isatty()) if tty is None else tty
        self.states = {}

    def update(self, what: str, state: str, detail: str = "") -> None:
        """`what` (e.g. 'donor@example.org (en)') reached `state`; `detail` says why."""
        self.states[what] = state
        if self.stream is None:
            return
        if self.tty:
            self._draw()
            return
        verb = {"sent": "sent", "wrote": "wrote", "failed-permanent": "failed"}.get(
            state, "will retry")
        extra = f": {detail}" if detail else ""
        print(f"{verb} {what}{extra}", file=self.stream, flush=True)

    def note(self, text: str) -> None:
        """A line that is not one step, e.g. 'cannot connect ...'."""
        if self.stream is None:
            return
        if self.tty:
            self.stream.write("\r\x1b[K")
        print(text, file=self.stream, flush=True)
        if self.tty:
            self._draw()

    def _draw(self) -> None:
        states = list(self.states.values())
        done = sum(state in ("sent", "wrote") for state in states)
        failed = states.count("failed-permanent")
        retry = len(states) - done - failed
        filled = WIDTH * (done + failed) // max(self.total, 1)
        bar = "#" * filled + "-" * (WIDTH - filled)
        counts = f"{done}/{self.total} done"
        if failed:
            counts += f", {failed} failed"
        if retry:
            counts += f", {retry} to retry"
        self.stream.write(f"\r[{bar}] {counts}\x1b[K")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self.states:
            self.stream.write("\n")
            self.stream.flush()
