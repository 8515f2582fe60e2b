"""The one vocabulary of grading outcomes: what a submission's status means, how it reads, which one wins.

A *status* says how grading one student's assignment ended (``Outcome.status``, the journal, the export):

=============  ==============================================================================================
graded         every notebook ran to its end within the limits; the score is the verifier's
missing        no submission folder, or no notebook for the assignment in it (score 0)
timed_out      a cell (interrupted; later cells still ran) or the whole notebook ran over its time
kernel_died    the kernel exited (os._exit, a kill, a crash) or could not start; cells not reached fail
unreadable     not a notebook (corrupt JSON, a symlink, too large) (score 0)
tampered       test cells edited, deleted or duplicated, or grading metadata changed; graded with the source's
needs_manual   a person must look: an authoring error in a test cell, or an error of the grader itself
ungraded       (export only) submitted, but not graded yet or changed since it was graded
=============  ==============================================================================================

Written answers always await hand grading (their cells have ``passed=None``); that is not a status.
An *action* says what one run of ``course grade`` did with a student: graded now, skipped (unchanged since the
last run) or error (a grader bug, reported and never journaled).
"""
from __future__ import annotations

READABLE = {
    "graded": "graded", "missing": "missing", "timed_out": "timed out", "kernel_died": "kernel died",
    "unreadable": "unreadable notebook", "tampered": "tests tampered", "needs_manual": "needs manual grading",
    "ungraded": "not graded yet",
}
STATUSES = ("graded", "missing", "timed_out", "kernel_died", "unreadable", "tampered", "needs_manual")
# When notebooks of one assignment end differently, the outcome shows the one an instructor must see first.
PRECEDENCE = ("needs_manual", "tampered", "unreadable", "timed_out", "kernel_died", "missing", "graded")
ACTIONS = ("graded", "skipped", "error")


def first_to_see(statuses) -> str:
    """The status an instructor must see first among those of one assignment's notebooks."""
    present = set(statuses)
    return next(s for s in PRECEDENCE if s in present)
