"""``course demo``: the whole instructor pipeline, headless, on the bundled sample class.

In a temporary course folder (or ``--keep DIR``): copy the source of ``01_neurons`` from the repository's
``solutions/``, then run the steps of :data:`DEMO_PIPELINE` — release, roster import, collect (from an LMS zip),
grade (parallel), feedback, export — printing each step's summary and finally the grade table.

The sample class (``autograder/data/sample_class/``): ``roster.csv`` with five students and ``class.json``
describing the LMS download. The zip is assembled at run time from the release notebook — one student
submits the full solution, one a partial one, one a notebook that kills its kernel, one an unreadable file (and a
stray ``.txt``), and one nothing. Building answers from the source keeps the sample valid as the assignment
changes and keeps solutions out of the installed package.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from autograder.course import Course
from autograder.grade_class import GRADER, STEPS

SAMPLE = Path(__file__).parent / "data" / "sample_class"
SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
DEMO_PIPELINE = ("roster", "release", "collect", "grade", "feedback", "export")
KILL_KERNEL = "import os\nos._exit(1)  # this submission's kernel dies here\n"


def check_order(pipeline: tuple[str, ...]) -> None:
    """Each step must come after the steps it reads (``grade_class.STEPS``)."""
    for i, step in enumerate(pipeline):
        if step not in STEPS:
            raise ValueError(f"unknown step {step!r} in {pipeline}; steps are {sorted(STEPS)}")
        late = [need for need in STEPS[step] if need not in pipeline[:i]]
        if late:
            raise ValueError(f"step {step!r} reads the output of {late}, which must come before it in {pipeline}")


check_order(DEMO_PIPELINE)


def _strip_markers(source: str) -> str:
    return "".join(line for line in source.splitlines(keepends=True)
                   if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)


def fill_answers(source_nb: Path, release_nb: Path, answer: str) -> bytes:
    """The release notebook with its answer cells filled: ``solution`` (all), ``partial`` (the first half)
    or ``kernel_dies`` (the first answer cell ends the kernel)."""
    source = {c["metadata"].get("nbgrader", {}).get("grade_id"): c
              for c in json.loads(source_nb.read_text(encoding="utf-8"))["cells"]}
    nb = json.loads(release_nb.read_text(encoding="utf-8"))
    answer_cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    if answer not in ("solution", "partial", "kernel_dies"):
        raise ValueError(f"unknown answer kind {answer!r}: use solution, partial, kernel_dies or file:NAME")
    solve = {"solution": len(answer_cells), "partial": max(1, len(answer_cells) // 2), "kernel_dies": 0}[answer]
    for i, cell in enumerate(answer_cells):
        src = source[cell["metadata"]["nbgrader"]["grade_id"]]["source"]
        src = "".join(src) if isinstance(src, list) else src
        if i < solve:
            cell["source"] = _strip_markers(src)
        elif answer == "kernel_dies" and i == 0 and cell["cell_type"] == "code":
            cell["source"] = KILL_KERNEL
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode()


def demo_assignment(sample: Path = SAMPLE, language: str = "en") -> str:
    """The assignment the sample class hands in: ``assignment`` of class.json, or in another language the
    edition ``editions[language]`` names (the same students, notebooks in that language)."""
    spec = json.loads((sample / "class.json").read_text())
    if language == "en":
        return spec["assignment"]
    editions = spec.get("editions", {})
    if language not in editions:
        raise ValueError(f"the sample class has no {language!r} edition: {sample / 'class.json'} lists "
                         f"{sorted(editions) or 'none'} under 'editions'")
    return editions[language]


def build_lms_zip(course: Course, sample: Path = SAMPLE, assignment: str | None = None) -> Path:
    """Assemble the sample class's LMS download (of ``assignment``, default class.json's) next to the course;
    return its path."""
    spec = json.loads((sample / "class.json").read_text())
    assignment = assignment or spec["assignment"]
    sources = course.source_notebooks(assignment)
    if len(sources) != 1:
        raise ValueError(f"the sample class expects one notebook in {assignment!r}, found {len(sources)}")
    release_nb = course.path("release", assignment, sources[0].name)
    out = course.root / spec["zip"]
    with zipfile.ZipFile(out, "w") as zf:
        for f in spec["files"]:
            data = ((sample / f["answer"][5:]).read_bytes() if f["answer"].startswith("file:")
                    else fill_answers(sources[0], release_nb, f["answer"]))
            zf.writestr(zipfile.ZipInfo(f["name"], date_time=(2026, 1, 15, 12, 0, 0)), data)
    return out


def run_demo(workdir: Path | None = None, workers: int = 2, *, solutions: Path = SOLUTIONS,
             sample: Path = SAMPLE, grader: str = GRADER, seed: int = 2026, out=print,
             db_url: str | None = None, language: str = "en", assignment: str | None = None) -> list[dict]:
    """Run :data:`DEMO_PIPELINE` on the sample class; return the exported rows. ``db_url`` puts the gradebook in
    that database (e.g. PostgreSQL) instead of ``gradebook.db`` in the course folder; ``language`` grades the
    class's edition in that language (:func:`demo_assignment`), whose feedback speaks it; ``assignment`` hands
    the same students in on another assignment of ``solutions`` instead (e.g. the capstone)."""
    from autograder.collect import collect
    from autograder.export import export, grade_rows, grade_table
    from autograder.feedback import generate_feedback
    from autograder.grade_class import grade_class
    from autograder.release import nbgrader_api, release
    from autograder.roster import import_roster

    assignment = assignment or demo_assignment(sample, language)
    if not (solutions / assignment).is_dir():
        raise FileNotFoundError(f"the demo needs the source of {assignment!r} in {solutions}: run it from a "
                                "checkout of the course repository")
    with tempfile.TemporaryDirectory(prefix="course-demo-") as tmp:
        root = Path(workdir) if workdir else Path(tmp)
        shutil.copytree(solutions / assignment, root / "solutions" / assignment, dirs_exist_ok=True)
        course = Course(root, db_url=db_url)
        out(f"demo course in {root}{'' if workdir else ' (temporary: pass --keep DIR to keep it)'}")
        api = nbgrader_api(course)  # nbgrader is imported once for every step
        steps = {
            "roster": lambda: import_roster(course, sample / "roster.csv"),
            "release": lambda: "\n".join(map(str, release(course, [assignment], api=api))),
            "collect": lambda: collect(course, assignment, build_lms_zip(course, sample, assignment)),
            "grade": lambda: grade_class(course, assignment, workers=workers, seed=seed, grader=grader,
                                         progress=lambda line: out("  " + line)),
            "feedback": lambda: generate_feedback(course, assignment, api=api),
            "export": lambda: export(course, root / "grades.csv", [assignment]),
        }
        for step in DEMO_PIPELINE:
            out(f"== {step}")
            out(str(steps[step]()))
        rows = grade_rows(course, [assignment])
        out("\n" + grade_table(rows))
    return rows
