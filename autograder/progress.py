"""Progress of a class's grading: students done, failures so far and the time left, one line per student.

Each line is complete on its own (``[12/300] alice: graded · 1 failure so far · ETA 4:31``), so it reads the
same in a terminal, a log file or a CI console. The estimate uses only students graded in this run (a student
skipped as unchanged costs nothing) and the wall-clock rate since the first of them started, so it already
accounts for the number of workers.
"""
from __future__ import annotations

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
        eta = self.eta()
        tail = f" · {self.failures} failure{'s' if self.failures != 1 else ''} so far"
        tail += "" if self.done == self.total else f" · ETA {'?' if eta is None else _clock(eta)}"
        self.out(f"[{self.done}/{self.total}] {record['student']}: {state}{note}{tail}")
