"""Does the progress of a class's grading say how many are done, how many failed, and how long is left?"""
import io

from autograder.progress import Progress, ProgressBar


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_each_line_counts_done_and_failures_and_estimates_the_rest_from_this_runs_rate():
    lines, clock = [], Clock()
    p = Progress(4, out=lines.append, clock=clock)
    clock.now = 10.0
    p({"student": "ann", "action": "skipped", "status": "graded"})  # costs nothing: no rate yet
    clock.now = 20.0
    p({"student": "bob", "action": "graded", "status": "kernel_died"})  # 20 s for one graded student
    clock.now = 40.0
    p({"student": "cy", "action": "error", "error": "RuntimeError: boom"})
    clock.now = 50.0
    p({"student": "dee", "action": "graded", "status": "missing"})
    assert lines == [
        "[1/4] ann: graded (unchanged, not regraded) · 0 failures so far · ETA ?",
        "[2/4] bob: kernel_died · 1 failure so far · ETA 0:40",
        "[3/4] cy: ERROR · 2 failures so far · ETA 0:20",
        "[4/4] dee: missing · 2 failures so far",
    ]


def test_the_terminal_bar_is_redrawn_in_place_and_failures_stay_on_screen():
    out, clock = io.StringIO(), Clock()
    bar = ProgressBar(2, stream=out, clock=clock)
    clock.now = 3.0
    bar({"student": "ann", "action": "graded", "status": "graded"})
    clock.now = 6.0
    bar({"student": "bob", "action": "graded", "status": "timed_out"})
    text = out.getvalue()
    assert "\r\033[K[############------------] 1/2 · 0 failures so far · ETA 0:03" in text, repr(text)
    assert "\r\033[K  ! bob: timed_out\n" in text, repr(text)
    assert text.endswith("[########################] 2/2 · 1 failure so far\n"), repr(text)
    assert text.count("\n") == 2, "only the failure and the final bar end a line"
