"""The capstone's held-out scoring holds against students who go for the labels instead of a network.

Every fixture of ``capstone_attacks.py`` is graded by the real grader (sandboxed kernel, verifier): each keeps the
points of its honest parts and scores zero on ``test_capstone``, and its ``ATTACK`` line in the graded notebook
proves it ran in the grading kernel. At home, with the whole data set in reach, the same fixtures score every
held-out digit right, so none of them is blind. The Russian edition (``06_capstone_ru``, the same code) is graded
the same way, and what its kernel and verifier say about the held-out data is Russian. The worker of a Dask cluster
(``autograder.cluster.grade_task``) grades the same way. And the source's own network clears the threshold on the
grader's split for several seeds.
"""
from __future__ import annotations

import capstone_attacks  # tests/assignments/capstone_attacks.py (pytest puts this folder on sys.path)
import nbformat
import numpy as np
import pytest
from test_assignments import make_course, read, source_path, submission

from autograder import messages
from autograder.held_out import held_out_inputs, held_out_labels, training_data

A = "06_capstone"
EDITIONS = {A: "en", "06_capstone_ru": "ru"}  # assignment id -> the language its student reads
# the held-out verdict on a network that falls short (the test cell's own words; the visible check fails first):
# its start and its end
SHORT_OF_THRESHOLD = {"en": ("held-out accuracy of at least 0.9 here (got 0.",
                             "the grader asks for 0.96 on its own split"),
                      "ru": ("точность на отложенных цифрах здесь не меньше 0.9 (получено 0.",
                             "проверяющая система требует 0.96 на своём разбиении")}
SEED = 20261122
ATTACKS = capstone_attacks.ATTACKS


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def course_with(tmp_path, subs: dict, a: str = A):
    return make_course(tmp_path / "course", a, subs)


class Graded(dict):
    """{student: (journal record, graded notebook)} of one edition, with the language its student reads."""

    def __init__(self, items: dict, language: str):
        super().__init__(items)
        self.language = language


@pytest.fixture(scope="module", params=sorted(EDITIONS))
def graded(request, tmp_path_factory):
    """The source and every attack, graded once per edition (the attacks are answer cells: the same code)."""
    from autograder.grade_class import grade_class

    a = request.param
    subs = {"source": submission(a)} | {name: submission(a, {"capstone": code}) for name, code in ATTACKS.items()}
    course = course_with(tmp_path_factory.mktemp(f"capstone-{a}"), subs, a)
    capstone_attacks.write_data_file(course.path("submitted", "data_file", a))
    summary = grade_class(course, a, sorted(subs), workers=2, seed=SEED, progress=lambda *_: None)
    assert not summary.errors, f"the grader failed on {a}: {summary.errors}"
    return Graded({s: (summary.records[s], nbformat.read(course.path("autograded", s, a) / f"{a}.ipynb",
                                                         as_version=4)) for s in subs}, EDITIONS[a])


def capstone_output(nb) -> str:
    cell = next(c for c in nb.cells if meta(c).get("grade_id") == "test_capstone")
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def all_output(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if o.get("output_type") == "stream")


@pytest.mark.slow
def test_the_source_earns_full_marks_with_the_held_out_digits_hidden(graded):
    record, nb = graded["source"]
    failed = {c["grade_id"]: c["message"][:200] for c in record["cells"] if c["points"] != c["max_points"]
              and c["passed"] is not None}
    assert record["status"] == "graded" and not failed, f"expected full marks, got {record['reason']}: {failed}"
    assert "UNSANDBOXED" not in record["reason"], "these tests need the sandbox: install bubblewrap"


@pytest.mark.slow
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_on_the_held_out_labels_scores_zero_on_the_capstone(graded, attack):
    record, nb = graded[attack]
    cells = {c["grade_id"]: c for c in record["cells"] if c["passed"] is not None}
    assert record["status"] == "graded", f"{attack}: expected a graded submission, got {record['reason']}"
    assert cells["test_capstone"]["points"] == 0, f"{attack} earned {cells['test_capstone']['points']} points"
    others = {g: c["message"][:160] for g, c in cells.items()
              if g != "test_capstone" and c["points"] != c["max_points"]}
    assert not others, f"{attack}: the honest parts lost points: {others}"
    assert "ATTACK" in capstone_output(nb), f"{attack} never ran in the grading kernel: {capstone_output(nb)!r}"


@pytest.mark.slow
def test_in_the_sandbox_every_loader_sees_only_the_training_rows(graded):
    """scikit-learn's and course_lib's digits hold the 1348 training rows, not the 1797 of the data set."""
    _, nb = graded["sklearn_lookup"]
    lines = [line for line in capstone_output(nb).splitlines() if line.startswith("ATTACK lookup")]
    assert lines and all("among 1348 labelled rows" in line for line in lines), lines


@pytest.mark.slow
def test_a_file_handed_in_beside_the_notebook_does_not_reach_the_kernel(graded):
    _, nb = graded["data_file"]
    assert "ATTACK data file: absent" in capstone_output(nb), capstone_output(nb)


@pytest.mark.slow
def test_the_kernel_refuses_the_labels_and_a_recomputed_split_is_of_the_wrong_rows(graded):
    _, nb = graded["recompute_split"]
    text = all_output(nb)  # the first call (the notebook's own "try it" cell) is refused
    with messages.speaking(graded.language):  # the kernel's refusal, in the notebook's language
        assert f"held_out_labels refused ({messages.say('held_out.labels_refused')})" in text, text
    # recomputed, the split is a quarter of the 1348 training rows the kernel has, never the 449 held-out digits
    assert f"with seed {SEED}, 337 labels" in text and "449 labels" not in text, text


@pytest.mark.slow
def test_forged_records_are_in_the_graded_notebook_but_the_verifier_counts_real_hits(graded):
    from autograder.verify import records_of

    record, nb = graded["forged_records"]
    cell = next(c for c in nb.cells if meta(c).get("grade_id") == "test_capstone")
    claimed = [r for r in records_of(cell) if r["label"] == "held-out accuracy"]
    assert claimed and claimed[0]["value"] == 1.0, "the forged accuracy record should reach the verifier"
    message = next(c["message"] for c in record["cells"] if c["grade_id"] == "test_capstone")
    assert SHORT_OF_THRESHOLD[graded.language][0] in message, message


@pytest.mark.slow
def test_what_the_student_hears_about_the_held_out_data_is_in_the_editions_language(graded):
    """The verdict on the held-out digits, the kernel's refusal of their labels and the grader's "passed" line:
    Russian in 06_capstone_ru with no English left, English in 06_capstone with no Russian."""
    from autograder.grade_submission import passed_text

    lang = graded.language
    foreign = ("held-out", "exist only", "[grader]") if lang == "ru" else ("отложен", "[проверка]")
    record, _ = graded["forged_records"]
    message = next(c["message"] for c in record["cells"] if c["grade_id"] == "test_capstone")
    start, end = SHORT_OF_THRESHOLD[lang]
    assert start in message and end in message, message
    _, nb = graded["recompute_split"]
    refusal = next(line for line in all_output(nb).splitlines() if "refused" in line)
    _, nb = graded["source"]
    passed = capstone_output(nb)
    assert passed_text(8, lang) in passed, passed
    for text in (message, refusal, passed):
        assert not any(word in text for word in foreign), f"{lang} edition: {text!r}"


@pytest.mark.parametrize("attack", ["sklearn_lookup", "recompute_split", "train_in_predict", "frame_walk",
                                    "data_file"])
def test_no_attack_is_blind_at_home(attack, monkeypatch, tmp_path):
    """Where the full data set is in reach (a student's own machine), each attack gets every digit right."""
    from course_lib.datasets import load_digits

    capstone_attacks.write_data_file(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COURSE_HELD_OUT_DIR", raising=False)
    monkeypatch.delenv("COURSE_GRADING_SEED", raising=False)
    namespace = {"np": np}
    exec(ATTACKS[attack], namespace)
    namespace.update(X_test=held_out_inputs("digits"), y_test=held_out_labels("digits"))
    if attack == "train_in_predict":
        del namespace["y_test"]
        namespace["X_all"], namespace["y_all"] = load_digits()
    exec("result = predict(None, X_test)", namespace)
    accuracy = float(np.mean(namespace["result"] == held_out_labels("digits")))
    assert accuracy >= 0.99, f"{attack} got {accuracy:.3f} at home: the fixture is blind and proves nothing"


def _source_functions() -> dict:
    """The source's answer cells run in one namespace: the student's functions, as the grader calls them."""
    namespace = {"np": np}
    for cell in read(source_path(A)).cells:
        if meta(cell).get("solution") and cell.cell_type == "code":
            exec(cell.source, namespace)
    return namespace


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_source_network_clears_the_threshold_on_the_graders_split(seed):
    """The split is the grader's for this seed (the verifier's view); training runs as in the hidden test."""
    from autograder import harness
    from tools.build_assignments.a06_capstone import THRESHOLD

    f = _source_functions()
    with harness.replaying(harness.Replay(records=[], seed=seed)):
        (X, y), X_test, y_test = training_data("digits"), held_out_inputs("digits"), held_out_labels("digits")
    network = f["train_network"](X, y, np.random.default_rng(seed))
    accuracy = float(np.mean(f["predict"](network, X_test) == y_test))
    print(f"seed {seed}: held-out accuracy {accuracy:.3f} on {len(y_test)} digits")
    assert accuracy >= THRESHOLD, f"seed {seed}: the source's network reached only {accuracy:.3f}"


@pytest.mark.slow
def test_a_cluster_worker_grades_the_capstone_with_the_held_out_digits_hidden(tmp_path):
    """``grade_task`` is what a Dask worker runs: the same held-out path as local grading."""
    from autograder.cluster import assignment_payload, grade_task, make_task

    course = course_with(tmp_path, {"source": submission(A),
                                    "lookup": submission(A, {"capstone": ATTACKS["sklearn_lookup"]})})
    payload = assignment_payload(course, A)
    results = {s: grade_task(payload, make_task(course, A, s, seed=SEED)) for s in ("source", "lookup")}
    scores = {s: {c["grade_id"]: c["points"] for c in r.outcome["cells"]} for s, r in results.items()}
    assert results["source"].outcome["score"] == results["source"].outcome["max_score"] - 2, scores["source"]
    assert scores["lookup"]["test_capstone"] == 0 and scores["lookup"]["test_relu"] == 2, scores["lookup"]


@pytest.mark.slow
def test_unsandboxed_grading_takes_the_same_path_and_its_warning_is_true(tmp_path, monkeypatch):
    """Without bubblewrap the grader still splits and scores the same way, but scikit-learn's full file is in
    reach: the lookup attack then wins, which is what the UNSANDBOXED warning tells the instructor."""
    from autograder import sandbox
    from autograder.grade_submission import grade_submission

    course = course_with(tmp_path, {"source": submission(A),
                                    "lookup": submission(A, {"capstone": ATTACKS["sklearn_lookup"]})})
    monkeypatch.setenv("COURSE_DISABLE_SANDBOX", "1")
    sandbox.sandbox_status.cache_clear()
    try:
        outcomes = {s: grade_submission(course, A, s, seed=SEED) for s in ("source", "lookup")}
    finally:
        monkeypatch.delenv("COURSE_DISABLE_SANDBOX")
        sandbox.sandbox_status.cache_clear()
    for outcome in outcomes.values():
        assert "held-out data could read their labels" in outcome.reason, outcome.reason
    assert outcomes["source"].score == outcomes["source"].max_score - 2, outcomes["source"].reason
    capstone = next(c for c in outcomes["lookup"].cells if c["grade_id"] == "test_capstone")
    assert capstone["points"] == capstone["max_points"], "unsandboxed, the lookup should reach the labels"
