"""Progress of a class's grading: students done, failures so far and the time left.

In a log file or a CI console, one line per student, complete on its own
(``[12/300] alice: graded · 1 failure so far · ETA 4:31``). In a terminal, one bar redrawn in place
(``[#####---------------]  12/300 · 1 failure so far · ETA 4:31``), with each failure printed above it as a
line of its own so that none scrolls away unseen. The estimate uses only students graded in this run (a student
skipped as unchanged costs nothing) and the wall-clock rate since the first of them started, so it already
accounts for the number of workers.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable

# statuses a person should look at; "missing" is the student's choice, not a failure of grading
FAILED = {"timed_out", "kernel_died", "unreadable", "tampered", "needs_manual"}


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Call with each finished student's record (``student``, ``action`` and ``status`` or ``error``)."""

    def __init__(self, total: int, out: Callable[[str], None] = print, clock: Callable[[], float] = time.monotonic):
        self.total, self.out, self.clock = total, out, clock
        self.start = clock()
        self.done = self.graded_now = self.failures = 0

    def eta(self) -> float | None:
        left = self.total - self.done
        if left <= 0:
            return 0.0
        if not self.graded_now:
            return None
        return (self.clock() - self.start) / self.graded_now * left

    def __call__(self, record: dict) -> None:
        self.done += 1
        action = record.get("action")
        if action != "skipped":
            self.graded_now += 1
        failed = action == "error" or record.get("status") in FAILED
        self.failures += failed
        state = "ERROR" if action == "error" else record.get("status", action)
        note = " (unchanged, not regraded)" if action == "skipped" else ""
        self.out(f"[{self.done}/{self.total}] {record['student']}: {state}{note}{self.tail()}")

    def tail(self) -> str:
        eta = self.eta()
        text = f" · {self.failures} failure{'s' if self.failures != 1 else ''} so far"
        return text + ("" if self.done == self.total else f" · ETA {'?' if eta is None else _clock(eta)}")


class ProgressBar(Progress):
    """The terminal's form: one bar redrawn in place; failures printed above it, one line each."""

    WIDTH = 24

    def __init__(self, total: int, stream=None, clock: Callable[[], float] = time.monotonic):
        self.stream = stream or sys.stdout
        super().__init__(total, out=self._line, clock=clock)

    def _line(self, text: str) -> None:
        pass  # lines are not shown; the bar is

    def __call__(self, record: dict) -> None:
        failures = self.failures
        super().__call__(record)
        if self.failures > failures:
            state = "ERROR: " + record.get("error", "").splitlines()[0] if record.get("action") == "error" else \
                record.get("status", "")
            self.stream.write(f"\r\033[K  ! {record['student']}: {state}\n")
        filled = round(self.WIDTH * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r\033[K[{bar}] {self.done:>{len(str(self.total))}}/{self.total}{self.tail()}")
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()
