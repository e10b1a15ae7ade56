"""A progress bar with done/total and ETA, on a terminal; plain lines every tenth otherwise (logs, CI)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, label: str = "grading", stream=None):
        self.total, self.label, self.done = total, label, 0
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.next_line = 0

    def step(self) -> None:
        self.done += 1
        if self.tty:
            self.stream.write("\r" + self.line() + ("\n" if self.done == self.total else ""))
        elif self.done >= self.next_line or self.done == self.total:
            self.stream.write(self.line() + "\n")
            self.next_line = self.done + max(1, self.total // 10)
        self.stream.flush()

    def line(self) -> str:
        return bar_line(self.label, self.done, self.total, time.monotonic() - self.started)


def bar_line(label: str, done: int, total: int, elapsed: float, width: int = 24) -> str:
    filled = int(width * done / total) if total else width
    eta = elapsed / done * (total - done) if done else 0.0
    return (
        f"{label} [{'#' * filled}{'-' * (width - filled)}] {done}/{total}  ETA {clock(eta)}  elapsed {clock(elapsed)}"
    )


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"
