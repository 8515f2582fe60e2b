"""Generate the student notebooks from the sources, in a scratch course so nothing lands in the repository.

The release is ``course release`` itself (:func:`autograder.release.release`: nbgrader's ``generate_assignment``,
the leak check, the Colab badge pointed at the released notebook), run on a scratch copy of the sources so that
no gradebook or temporary folder lands in the repository.
"""
from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

from autograder.course import Course
from autograder.release import release


def release_into(root: Path, assignments: list[str], target: Path) -> list[Path]:
    """Generate ``assignments`` from ``root/solutions`` into ``target/<id>/``; returns the notebooks."""
    written = []
    with tempfile.TemporaryDirectory(prefix="nn-course-release-") as scratch:
        course = Course(Path(scratch))
        for a in assignments:
            shutil.copytree(root / "solutions" / a, course.path("source", a))
        release(course, assignments)
        for a in assignments:
            produced = course.path("release", a)
            out = Path(target) / a
            if out.exists():
                shutil.rmtree(out)
            shutil.copytree(produced, out)
            written += sorted(out.glob("*.ipynb"))
    return written


def stale_releases(root: Path, assignments: list[str]) -> list[str]:
    """Files of ``root/assignments/<id>`` that differ from a fresh generation (missing or extra included)."""
    stale = []
    with tempfile.TemporaryDirectory(prefix="nn-course-release-check-") as tmp:
        release_into(root, assignments, Path(tmp))
        for a in assignments:
            fresh, committed = Path(tmp) / a, root / "assignments" / a
            names = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
            if committed.is_dir():
                names |= {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()}
            for name in sorted(names):
                f, c = fresh / name, committed / name
                if not (f.is_file() and c.is_file() and filecmp.cmp(f, c, shallow=False)):
                    stale.append(f"assignments/{a}/{name}")
    return stale
