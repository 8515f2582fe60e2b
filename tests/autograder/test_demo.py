"""`course demo`: the whole pipeline, end to end with the real grader, on the sample class built on 01_neurons."""
import json

import pytest

from autograder.demo import DEMO_PIPELINE, SAMPLE, SOLUTIONS, check_order, fill_answers, run_demo


def test_steps_must_follow_their_inputs():
    check_order(DEMO_PIPELINE)
    with pytest.raises(ValueError, match=r"step 'grade' reads the output of \['collect'\]"):
        check_order(("roster", "release", "grade", "collect"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    lines = []
    rows = run_demo(root, workers=2, out=lines.append)
    return root, rows, "\n".join(lines)


def test_demo_grades_every_kind_of_student(demo):
    root, rows, output = demo
    expected = {f["name"].split("_")[0]: f["expect"] for f in json.loads((SAMPLE / "class.json").read_text())["files"]}
    got = {r["student"]: r["status"] for r in rows}
    assert got == {"lovelacea": "graded", "turinga": "graded", "hopperg": "kernel_died",
                   "babbagec": "unreadable", "noethere": "missing"}, f"{got}; the sample expects {expected}"
    journal = {p.stem: json.loads(p.read_text()) for p in (root / "autograded/.journal/01_neurons").glob("*.json")}
    auto = lambda s: [c["passed"] for c in journal[s]["cells"] if c["passed"] is not None]  # noqa: E731
    assert all(auto("lovelacea")), f"the full solution failed a test: {journal['lovelacea']['cells']}"
    assert any(auto("turinga")) and not all(auto("turinga")), f"partial: {journal['turinga']['cells']}"
    for step in DEMO_PIPELINE:
        assert f"== {step}" in output, f"the demo did not report step {step}:\n{output}"
    assert "not a notebook" in output and "no hidden test in any of them" in output, output


def test_demo_writes_feedback_and_the_grade_csv(demo):
    root, rows, _ = demo
    assert (root / "feedback/lovelacea/01_neurons/01_neurons.html").exists()
    assert (root / "grades.csv").read_text().count("\n") == len(rows) + 1


def test_sample_answers_fill_only_answer_cells(tmp_path):
    source = SOLUTIONS / "01_neurons" / "01_neurons.ipynb"
    release = tmp_path / "release.ipynb"
    release.write_bytes((SOLUTIONS.parent / "assignments/01_neurons/01_neurons.ipynb").read_bytes())
    full = json.loads(fill_answers(source, release, "solution"))
    answers = ["".join(c["source"]) for c in full["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    assert answers, "01_neurons has no answer cells"
    unfilled = [t for t in answers if "BEGIN SOLUTION" in t or "NotImplementedError()" in t or "YOUR " in t]
    assert not unfilled, f"answer cells left unfilled: {unfilled}"
    dies = "".join("".join(c["source"]) for c in json.loads(fill_answers(source, release, "kernel_dies"))["cells"])
    assert "os._exit(1)" in dies
    with pytest.raises(ValueError, match="unknown answer kind 'half'"):
        fill_answers(source, release, "half")


def test_demo_runs_on_the_capstone_whose_labels_stay_with_the_grader(tmp_path):
    """`course demo --assignment 06_capstone`: the same students hand in the capstone; the full solution trains
    in the grader's sandbox and clears the held-out check, the partial one does not get everything."""
    rows = run_demo(tmp_path, workers=2, out=lambda _: None, assignment="06_capstone")
    got = {r["student"]: r["status"] for r in rows}
    assert got == {"lovelacea": "graded", "turinga": "graded", "hopperg": "kernel_died",
                   "babbagec": "unreadable", "noethere": "missing"}, got
    journal = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "autograded/.journal/06_capstone").glob("*.json")}
    cells = {c["grade_id"]: c["passed"] for c in journal["lovelacea"]["cells"] if c["passed"] is not None}
    assert cells.get("test_capstone") is True and all(cells.values()), f"the full solution lost points: {cells}"
    partial = [c["passed"] for c in journal["turinga"]["cells"] if c["passed"] is not None]
    assert any(partial) and not all(partial), f"partial: {journal['turinga']['cells']}"
