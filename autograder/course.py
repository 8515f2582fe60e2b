"""Where a course lives on disk: the folders nbgrader reads and writes, and the gradebook.

The layout is nbgrader's own (``CourseDirectory``), with this course's two renamings::

    <root>/solutions/<assignment>/<notebook>.ipynb            source (instructor; hidden tests)
    <root>/assignments/<assignment>/<notebook>.ipynb          release (students)
    <root>/submitted/<student>/<assignment>/<notebook>.ipynb  collected submissions (never modified)
    <root>/autograded/<student>/<assignment>/...              graded copies
    <root>/feedback/<student>/<assignment>/<notebook>.html    returned to students
    <root>/gradebook.db                                        nbgrader's gradebook (or ``db_url``)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_name(kind: str, name: str) -> str:
    """Student and assignment ids become folder names: refuse anything that could escape a folder."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise ValueError(
            f"invalid {kind} id {name!r}: use letters, digits, '_', '-' and '.', "
            "starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class Course:
    root: Path
    source: str = "solutions"
    release: str = "assignments"
    submitted: str = "submitted"
    autograded: str = "autograded"
    feedback: str = "feedback"
    db_url: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def gradebook_url(self) -> str:
        return self.db_url or f"sqlite:///{self.root / 'gradebook.db'}"

    def path(self, step: str, *parts: str) -> Path:
        """``course.path("submitted", student, assignment)`` -> the folder of that step."""
        return self.root / getattr(self, step) / Path(*parts) if parts else self.root / getattr(self, step)

    def assignments(self) -> list[str]:
        """Assignment ids found in the source folder, in order."""
        src = self.path("source")
        if not src.is_dir():
            return []
        return sorted(p.name for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))

    def source_notebooks(self, assignment: str) -> list[Path]:
        return sorted(self.path("source", check_name("assignment", assignment)).glob("*.ipynb"))
