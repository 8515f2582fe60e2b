"""Getting a kernel for one submission: forked from this worker's zygote, or started fresh.

``with acquire(memory_mb, forbidden, language=...) as kernel:`` hands out a started, sandboxed kernel
(:class:`autograder.sandbox.Kernel`) whose sandbox lacks the assignment's ``forbidden`` modules (their stubs
refuse in the assignment's ``language``). With a zygote
(:mod:`autograder.zygote`) the kernel is a fork of it; when the block ends the kernel is killed and, as a
separate explicit step, the zygote forks the next student's kernel in advance, so that fork overlaps the
grader's verifying and recording. Where zygotes are off (``COURSE_KERNEL_ZYGOTE=0``) or cannot start, every
kernel is a new sandboxed process.
"""
from __future__ import annotations

import atexit
import contextlib
import multiprocessing.util

from autograder import forbidden as forbidden_modules
from autograder import zygote
from autograder.sandbox import Kernel, SandboxError


@contextlib.contextmanager
def acquire(memory_mb: int, forbidden: tuple[str, ...] = (), ro_binds: tuple[tuple[str, str], ...] = (),
            language: str = "en"):
    """A started kernel with this memory limit and without these modules (refused in ``language``); killed when
    the block ends.

    ``ro_binds`` (one submission's held-out data, :mod:`autograder.held_out`) differ per student, so such a
    kernel is always a new sandbox, never a fork of the shared zygote."""
    shared = None if ro_binds else zygote.shared(tuple(forbidden), language)
    if shared is None:
        kernel = Kernel(memory_mb=memory_mb, forbidden=tuple(forbidden), ro_binds=tuple(ro_binds),
                        language=language)
        try:
            kernel.start()
            yield kernel
        finally:
            kernel.kill()
        return
    try:
        kernel = shared.kernel(memory_mb)
    except zygote.ZygoteError as exc:
        raise SandboxError(f"the grading kernel did not start: {exc}") from exc
    try:
        yield kernel
    finally:
        kernel.kill()
        shared.prefork(memory_mb)


def shutdown() -> None:
    """Stop this process's zygote and remove its folders and its copies of course_lib (also called at exit)."""
    zygote.shutdown()
    forbidden_modules.remove_copies()


# at interpreter exit, and at the exit of a multiprocessing worker (which skips atexit handlers)
atexit.register(shutdown)
multiprocessing.util.Finalize(None, shutdown, exitpriority=10)
