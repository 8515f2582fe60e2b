"""Are the five assignments sound: released by one command, leak-free, runnable, and graded as they should be?

For every assignment: the committed source is what its builder writes and the committed release is what one
command generates from it; the release holds no solution and no hidden test; the source runs headless with
every test passing; graded by the real grader (``autograder.grade_submission.grade_submission``, sandboxed), the
source earns full marks and the unchanged release earns zero; and every plausible wrong answer in
``wrong_answers/<assignment>.toml`` passes the visible tests in a kernel yet loses points on the hidden ones.

Cost. Grading is the slow part (a sandboxed kernel per submission), so each assignment's submissions are graded
once, as students of one temporary course, two at a time (``autograder.grade_class.grade_class``). Wrong answers
whose cells cannot influence each other's tests share a submission (see :func:`rounds`): a wrong cell is never
combined with a test cell that depends on it, directly or through another answer cell, so every lost point is
still caused by its own wrong answer.
"""
from __future__ import annotations

import ast
import functools
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import attacks  # tests/assignments/attacks.py (pytest puts this folder on sys.path)
import nbformat
import pytest
import tomllib

from autograder.cell_parts import kernel_problems, kernel_source
from autograder.forbidden import STUB_MARKERS
from tools.build_assignments import _cells, _release, load_builders, notebook

ROOT = Path(__file__).resolve().parents[2]
WRONG_DIR = Path(__file__).parent / "wrong_answers"
BUILDERS = {m.ID: m for m in load_builders()}
ASSIGNMENTS = list(BUILDERS)  # every translated edition too (tools/build_assignments/<lang>/<id>.toml)


def base_id(a: str) -> str:
    """The English assignment an edition translates (itself for an English one): its wrong answers and
    attacks are the English ones, since its code is the same."""
    return getattr(BUILDERS[a], "BASE_ID", a)


def language(a: str) -> str:
    return getattr(BUILDERS[a], "LANGUAGE", "en")
GRADING_SEED = 20261122
# The wrong answers the issue names; each must be among the fixtures.
NAMED_WRONG = {
    "a sign slip in a gradient": "linear_backward_sign_slip_in_dx",
    "Adam without bias correction": "adam_without_bias_correction",
    "Adam with eps inside the square root": "adam_eps_inside_the_square_root",
    "dropout without rescaling": "dropout_without_rescaling",
    "batch norm using batch statistics at inference": "batchnorm_uses_batch_statistics_at_inference",
    "a learning-rate schedule off by one step": "step_decay_off_by_one",
}


# --------------------------------------------------------------------------- notebooks and cells

def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def source_path(a: str) -> Path:
    return ROOT / "solutions" / a / f"{a}.ipynb"


def release_path(a: str) -> Path:
    return ROOT / "assignments" / a / f"{a}.ipynb"


@functools.cache
def read(path: Path):
    return nbformat.read(path, as_version=4)


def is_answer(cell) -> bool:
    return bool(meta(cell).get("solution")) and cell.cell_type == "code"


def is_test(cell) -> bool:
    return bool(meta(cell).get("grade")) and not meta(cell).get("solution") and cell.cell_type == "code"


def visible_part(test_source: str) -> str:
    return test_source.split("### BEGIN HIDDEN TESTS")[0]


def binds_only_constants(answer_source: str) -> bool:
    """Does this answer cell only assign literals to names (``choice = "C"``, ``value = -0.25``)?"""
    from autograder.source_reading import to_python

    def literal(node) -> bool:
        try:
            ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError):
            return False
        return True

    body = ast.parse(to_python(answer_source)).body
    return bool(body) and all(isinstance(s, ast.Assign) and all(isinstance(t, ast.Name) for t in s.targets)
                              and literal(s.value) for s in body)


@dataclass(frozen=True)
class Wrong:
    assignment: str
    name: str
    cell: str
    loses: tuple[str, ...]
    why: str
    code: str

    def __str__(self):
        return f"{self.assignment}:{self.name}"


@functools.cache
def wrong_answers(a: str) -> tuple[Wrong, ...]:
    """The fixtures of one assignment, each turned into the full replacement source of its answer cell."""
    answers = {meta(c)["grade_id"]: c.source for c in read(source_path(a)).cells if is_answer(c)}
    out = []
    for entry in tomllib.loads((WRONG_DIR / f"{base_id(a)}.toml").read_text(encoding="utf-8"))["wrong"]:
        cell = entry["cell"]
        assert cell in answers, f"{a}: wrong answer {entry['name']!r} names cell {cell!r}; answers: {sorted(answers)}"
        if "code" in entry:
            code = entry["code"].strip("\n")
        else:
            count = answers[cell].count(entry["old"])
            assert count == 1, (f"{a}: wrong answer {entry['name']!r} expects {entry['old']!r} once in cell "
                                f"{cell!r}, found it {count} times; update the fixture to the source")
            code = answers[cell].replace(entry["old"], entry["new"])
        out.append(Wrong(a, entry["name"], cell, tuple(entry["loses"]), entry["why"], code))
    return tuple(out)


def submission(a: str, replace: dict[str, str] | None = None):
    """What a student hands in: the committed release with the source's answers (``replace`` overriding some)."""
    answers = {meta(c)["grade_id"]: c.source for c in read(source_path(a)).cells if meta(c).get("solution")}
    answers.update(replace or {})
    nb = nbformat.from_dict(read(release_path(a)))
    for cell in nb.cells:
        if meta(cell).get("solution"):
            cell.source = answers[meta(cell)["grade_id"]]
    return nb


def forged_release(a: str):
    """The unchanged release with the harness replaced in its first answer cell (the stubs stay stubs)."""
    nb = nbformat.from_dict(read(release_path(a)))
    for gid, code in attacks.forged_answers(nb).items():
        next(c for c in nb.cells if meta(c).get("grade_id") == gid).source = code
    return nb


# --------------------------------------------------------------------------- which test depends on which answer

def free_names(source: str) -> set[str]:
    """Names a cell reads but binds nowhere itself (assignments, parameters, loops, imports, defs)."""
    from autograder.source_reading import to_python

    tree = ast.parse(to_python(source))
    loads, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return loads - bound


@functools.cache
def dependencies(a: str) -> dict[str, frozenset[str]]:
    """For each test cell, the answer cells whose code it can reach (through names, transitively)."""
    from autograder.source_reading import defined_names

    cells = read(source_path(a)).cells
    defines = {meta(c)["grade_id"]: defined_names([c.source]) for c in cells if meta(c).get("solution")
               and c.cell_type == "code"}
    uses = {gid: free_names(next(c.source for c in cells if meta(c).get("grade_id") == gid)) for gid in defines}
    # plain code cells (e.g. the one that trains the digits model) pass on what they use
    plain = [c.source for c in cells if c.cell_type == "code" and not meta(c)]

    def reach(names: set[str]) -> set[str]:
        found, seen, todo = set(), set(), set(names)
        while todo:
            name = todo.pop()
            seen.add(name)
            for gid, defined in defines.items():
                if name in defined:
                    found.add(gid)
                    todo |= uses[gid] - seen
            for src in plain:
                if name in defined_names([src]):
                    todo |= free_names(src) - seen
        return found

    return {meta(c)["grade_id"]: frozenset(reach(free_names(c.source))) for c in cells if is_test(c)}


def rounds(a: str) -> list[list[Wrong]]:
    """Group the wrong answers into submissions in which no wrong cell can reach another one's lost tests."""
    deps = dependencies(a)
    groups: list[list[Wrong]] = []
    for w in wrong_answers(a):
        for group in groups:
            clash = any(o.cell == w.cell or w.cell in deps[t] for o in group for t in o.loses) or any(
                o.cell in deps[t] for o in group for t in w.loses)
            if not clash:
                group.append(w)
                break
        else:
            groups.append([w])
    return groups


# --------------------------------------------------------------------------- running in a kernel

@functools.cache
def kernel_run(a: str) -> dict:
    """Run the source's answers with the visible tests in one kernel, then each wrong answer's visible tests."""
    from nbclient import NotebookClient

    nb = submission(a)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(ROOT)}})
    result = {"errors": [], "wrong": {}}
    with client.setup_kernel():
        start = time.perf_counter()
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
        result["seconds"] = time.perf_counter() - start
        result["errors"] = [f"cell {i} ({meta(c).get('grade_id', 'plain')}): {o.ename}: {o.evalue}"
                            for i, c in enumerate(nb.cells) for o in c.get("outputs", []) if o.output_type == "error"]
        index = {meta(c).get("grade_id"): i for i, c in enumerate(nb.cells)}
        for w in wrong_answers(a):
            # the wrong answer, its visible tests, then the source's answer back for the next fixture
            steps = [(w.cell, w.code)] + [(gid, visible_part(nb.cells[index[gid]].source)) for gid in w.loses]
            steps.append((w.cell, nb.cells[index[w.cell]].source))
            problems = []
            for gid, code in steps:
                probe = nbformat.v4.new_code_cell(code)
                client.execute_cell(probe, index[gid])
                problems += [f"{gid}: {o.ename}: {o.evalue}" for o in probe.outputs if o.output_type == "error"]
            result["wrong"][w.name] = problems
    return result


# --------------------------------------------------------------------------- grading

def make_course(root: Path, a: str, subs: dict):
    """A temporary course at ``root``: the committed source and release of ``a``, and ``subs`` {student: notebook}
    submitted; its gradebook structure exists already."""
    from autograder.course import Course
    from autograder.gradebook_io import ensure_structure

    shutil.copytree(ROOT / "solutions" / a, root / "solutions" / a)
    shutil.copytree(ROOT / "assignments" / a, root / "assignments" / a)
    for student, nb in subs.items():
        folder = root / "submitted" / student / a
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{a}.ipynb"))
    course = Course(root)
    # Two workers that both find an empty gradebook both create its cells and can lose a grade
    # (MissingEntry): create the assignment's structure once, before grading in parallel.
    ensure_structure(course.gradebook_url, a, {p.name: read(p) for p in course.source_notebooks(a)})
    return course


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """``graded(a)`` -> {student: journal record}; one temporary course per assignment, graded once."""
    from autograder.grade_class import grade_class

    cache = {}

    def grade(a: str) -> dict:
        if a not in cache:
            subs = {"source": submission(a), "release": read(release_path(a)),
                    "spy": submission(a, attacks.spy_answers(read(source_path(a)), BUILDERS[a].FORBIDDEN)),
                    "delegate": submission(a, attacks.delegating_answer(read(source_path(a)), base_id(a))),
                    "forge": forged_release(a)}
            for k, group in enumerate(rounds(a), start=1):
                subs[f"wrong-{k}"] = submission(a, {w.cell: w.code for w in group})
            course = make_course(tmp_path_factory.mktemp(f"course-{a}"), a, subs)
            root = course.root
            summary = grade_class(course, a, sorted(subs), workers=2, seed=GRADING_SEED, progress=lambda *_: None)
            assert not summary.errors, f"the grader failed on {a}: {summary.errors}"
            cache[a] = summary.records
            roots[a] = root
        return cache[a]

    roots = {}
    grade.roots = roots
    return grade


def autograded(record: dict) -> list[dict]:
    return [c for c in record["cells"] if c["passed"] is not None]


# --------------------------------------------------------------------------- the tests

@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_committed_source_is_what_its_builder_writes(a):
    module = BUILDERS[a]
    built = nbformat.writes(notebook(module)) + "\n"
    assert source_path(a).read_text(encoding="utf-8") == built, (
        f"{source_path(a)} differs from tools/build_assignments/{module.__name__.rsplit('.', 1)[-1]}.py; "
        "run `python -m tools.build_assignments`")


@pytest.mark.slow
def test_committed_release_is_what_one_command_generates():
    stale = _release.stale_releases(ROOT, ASSIGNMENTS)
    assert stale == [], f"expected assignments/ to equal a fresh generation from solutions/, but {stale} differ; " \
                        "run `python -m tools.build_assignments` (never edit assignments/ by hand)"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_release_holds_no_solution_and_no_hidden_test(a):
    from autograder.course import Course
    from autograder.release import check_release

    check_release(Course(ROOT), a)  # raises LeakError naming the cell and the line
    released = read(release_path(a))
    for cell in released.cells:
        if is_answer(cell):
            assert "raise NotImplementedError()" in cell.source and "BEGIN SOLUTION" not in cell.source, \
                f"{a}: answer cell {meta(cell)['grade_id']} still holds its solution:\n{cell.source}"
        if is_test(cell):
            gid = meta(cell)["grade_id"]
            src = next(c.source for c in read(source_path(a)).cells if meta(c).get("grade_id") == gid)
            assert cell.source.strip() == visible_part(src).strip(), \
                f"{a}: released test cell {meta(cell)['grade_id']} is not the visible part of the source's"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_every_graded_cell_follows_the_grading_protocol(a):
    cells = read(source_path(a)).cells
    tests = [c for c in cells if is_test(c)]
    written = [c for c in cells if c.cell_type == "markdown" and meta(c).get("solution") and meta(c).get("grade")]
    assert len(tests) >= 3 and written, \
        f"{a}: expected >= 3 test cells and a hand-graded answer, got {len(tests)} and {len(written)}"
    for c in tests:
        gid, src = meta(c)["grade_id"], c.source
        assert meta(c).get("locked") and meta(c).get("points", 0) > 0, f"{a}:{gid} must be locked and carry points"
        assert "observe(" in visible_part(src), f"{a}:{gid}: the visible part observes nothing"
        hidden = src.partition("### BEGIN HIDDEN TESTS")[2]
        if gid.startswith("test_quiz_"):
            # A quiz cell grades a written-down choice or number: no inputs to draw, no function to own. Exempt
            # only while every answer cell it reads binds constants (no def a spy or a delegation could hide in)
            # and its hidden part checks the key in the verifier.
            reads = dependencies(a)[gid]
            answers = {meta(x)["grade_id"]: x.source for x in cells if is_answer(x)}
            assert reads and all(binds_only_constants(answers[r]) for r in reads), \
                f"{a}:{gid}: a quiz cell may only read answer cells that assign constants; it reads {sorted(reads)}"
            assert "observe(" in hidden and "### BEGIN CHECKS" in hidden, f"{a}:{gid}: the quiz has no hidden check"
        else:
            assert "grading_rng(" in hidden and "own_code(" in hidden, \
                f"{a}:{gid}: hidden tests need fresh inputs (grading_rng) and the own-code check"
        assert kernel_problems(src) == [], f"{a}:{gid}: the kernel part could hold a reference: {kernel_problems(src)}"
        kernel = kernel_source(src)
        for secret in ("course_lib", "own_code(", "assert_"):
            assert secret not in kernel.partition("from autograder.harness import")[2].partition("\n")[2], \
                f"{a}:{gid}: {secret!r} would run in the student's kernel:\n{kernel}"
    assert [c.metadata.get("tags") for c in cells[:2]] == [["colab-badge"], ["colab-setup"]], \
        f"{a}: the first two cells must be the Colab badge and setup cells"


def test_the_quiz_exemption_admits_only_answer_cells_that_assign_literals():
    """A test_quiz_* cell skips grading_rng and own_code only while what it reads assigns literals: a def, a call
    or an import there would be code no own-code check looks at."""
    assert binds_only_constants('### BEGIN SOLUTION\nchoice = "C"\n### END SOLUTION')
    assert binds_only_constants("value = -0.25\npair = (1, 2.5)")
    for code in ("def choice():\n    return 'C'", "choice = pick('C')", "from course_lib import neuron",
                 "choice = np.pi", "raise NotImplementedError()", "choice: str = 'C'", ""):
        assert not binds_only_constants(code), f"expected the quiz exemption to refuse {code!r}"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_each_task_heading_states_the_points_its_graded_cells_carry(a):
    """A heading '## k. Title (N points…)' must equal the points of the graded cells up to the next heading, and
    the 'Points' paragraph the notebook's total: a student plans their time by them."""
    import re

    nb = read(source_path(a))
    stated, carried, current = {}, {}, None
    for cell in nb.cells:
        for line in cell.source.splitlines() if cell.cell_type == "markdown" else ():
            found = re.match(r"#{2,3} (.+?)\s*\((\d+) (?:points?\b|балл)", line)
            if found and line.startswith("## "):
                current = found.group(1)
                stated[current], carried[current] = int(found.group(2)), 0
        if meta(cell).get("grade") and current is not None:
            carried[current] += meta(cell).get("points", 0)
    assert stated, f"{a}: no task heading states its points"
    assert stated == carried, f"{a}: headings state {stated}, the graded cells carry {carried}"
    text = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    paragraph = _cells.points_paragraph(nb, language(a))
    assert paragraph in text, f"{a}: the Points paragraph is stale: {paragraph!r} not found"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_every_assignment_has_at_least_five_wrong_answers(a):
    names = [w.name for w in wrong_answers(a)]
    assert len(names) >= 5 and len(set(names)) == len(names), f"{a}: expected >= 5 distinct wrong answers, got {names}"


def test_the_wrong_answers_named_in_the_issue_are_all_there():
    have = {w.name for a in ASSIGNMENTS for w in wrong_answers(a)}
    missing = {k: v for k, v in NAMED_WRONG.items() if v not in have}
    assert not missing, f"expected fixtures for {missing}"


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_source_runs_headless_with_every_visible_test_passing(a):
    run = kernel_run(a)
    print(f"{a}: ran in {run['seconds']:.1f} s")  # the budget is 60 s; reported, not asserted
    assert run["errors"] == [], f"{a}: expected a clean run of the source with the visible tests, got {run['errors']}"


@pytest.mark.parametrize("w", [w for a in ASSIGNMENTS for w in wrong_answers(a)], ids=str)
def test_wrong_answer_passes_the_visible_tests(w):
    problems = kernel_run(w.assignment)["wrong"][w.name]
    assert problems == [], f"{w}: a fixture must pass the visible tests ({w.why}); got {problems}"


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_source_earns_full_marks(a, graded):
    record = graded(a)["source"]
    cells = autograded(record)
    failed = {c["grade_id"]: c["message"] for c in cells if c["points"] != c["max_points"]}
    assert record["status"] == "graded" and not failed, \
        f"{a}: expected full marks for the source, got {record['status']!r} ({record['reason']}), failed {failed}"


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_unchanged_release_earns_zero_without_crashing_the_grader(a, graded):
    record = graded(a)["release"]
    cells = autograded(record)
    assert record["status"] == "graded", \
        f"{a}: expected the release to be graded, got {record['status']!r}: {record['reason']}"
    assert cells and record["score"] == 0, f"{a}: expected 0 points for the unchanged release, got {record['score']}"
    authoring = [c["message"] for c in cells if "authoring error" in (c["message"] or "")]
    assert not authoring, f"{a}: a test cell has an authoring error: {authoring}"


@pytest.mark.slow
@pytest.mark.parametrize("w", [w for a in ASSIGNMENTS for w in wrong_answers(a)], ids=str)
def test_wrong_answer_loses_points_on_the_hidden_tests(w, graded):
    student = next(f"wrong-{k}" for k, group in enumerate(rounds(w.assignment), start=1) if w in group)
    record = graded(w.assignment)[student]
    assert record["status"] == "graded", \
        f"{w}: expected a graded submission, got {record['status']!r}: {record['reason']}"
    cells = {c["grade_id"]: c for c in record["cells"]}
    for gid in w.loses:
        c = cells[gid]
        assert c["points"] < c["max_points"], \
            f"{w} ({w.why}): expected < {c['max_points']} points on {gid}, got {c['points']}"
        if language(w.assignment) == "ru":  # the hidden check's verdict speaks the student's language
            assert re.search("[а-яё]", c["message"]) and not re.search(r"\b(expected|got|raised)\b", c["message"]), \
                f"{w}: the verdict on {gid} should be Russian, got {c['message'][:300]!r}"


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_a_spy_in_every_graded_function_finds_no_reference_and_costs_no_points(a, graded):
    """Issue 12: while observed, a graded function walks its callers' frames, the globals, gc, the history and
    sys.modules; it finds nothing of the checks, and wrapping one's own functions keeps every point."""
    import nbformat as nbf

    record = graded(a)["spy"]
    failed = {c["grade_id"]: c["message"][:200] for c in autograded(record) if c["points"] != c["max_points"]}
    assert record["status"] == "graded" and not failed, \
        f"{a}: expected full marks with every graded function wrapped, got {record['reason']}; failed {failed}"
    nb = nbf.read(graded.roots[a] / "autograded" / "spy" / a / f"{a}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if o.get("output_type") == "stream")
    leaks = [line for line in text.splitlines() if line.startswith("LEAK")]
    assert not leaks, f"{a}: the student's code found what only the verifier may hold: {leaks[:10]}"
    source = read(source_path(a))
    watched = {n for names in attacks.graded_functions(source).values() for n in names}
    classes = {n.name for c in source.cells if c.cell_type == "code" and "%" not in c.source
               for n in ast.parse(c.source).body if isinstance(n, ast.ClassDef)}
    missing = sorted(n for n in watched - classes if f"spy looked at {n}" not in text)
    assert not missing, f"{a}: the spy never ran in {missing}, so it proves nothing there"


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_delegating_to_a_forbidden_module_scores_zero_with_the_module_named(a, graded):
    record = graded(a)["delegate"]
    cells = {c["grade_id"]: c for c in autograded(record)}
    for _, _, test, module in attacks.DELEGATE[base_id(a)]:
        assert cells[test]["points"] == 0, f"{a}: delegating to {module} kept {cells[test]['points']} points"
        refused = f"{module} {STUB_MARKERS[language(a)]}"  # the sandbox refuses in the assignment's language
        assert f"{test} 0/" in record["reason"] and refused in record["reason"], \
            f"{a}: the reason should name {test} and {module}: {record['reason']!r}"
    tests = {t for _, _, t, _ in attacks.DELEGATE[base_id(a)]}
    others = {g: c["message"][:160] for g, c in cells.items() if g not in tests and c["points"] != c["max_points"]}
    assert not others, f"{a}: an allowed module or another task lost points: {others}"


def test_the_spy_reports_a_reference_it_can_reach(capsys):
    """The spy is not blind: in a namespace holding what the old protocol left in the kernel, it finds it."""
    import types

    import course_lib.activations

    namespace = {"__name__": "__main__"}
    shell = types.SimpleNamespace(user_ns=namespace)
    namespace["get_ipython"] = lambda: shell
    exec(attacks.SPY % {"forbidden": '["course_lib.activations"]', "names": '["expected"]',
                        "lines": repr(["assert_array(y, ref.forward(x))"[::-1]])}, namespace)
    namespace.update(expected=1.0, ref=course_lib.activations.get_activation("tanh"),
                     In=["y = observe('t', lambda: f(x))\nassert_array(y, ref.forward(x))"])
    exec("def f(x):\n    return x\nf = spy(f)\nf(1)\n", namespace)
    out = capsys.readouterr().out
    for leak in ("name expected", "object of Tanh", "check line", "module course_lib.activations"):
        assert f"LEAK f {leak}" in out, f"expected the spy to report {leak!r}, it printed {out!r}"


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_a_replaced_harness_forges_records_but_earns_nothing(a, graded):
    """Before issue 12 this earned 7/13 on assignment 1: the fake assert re-published the kernel's reference."""
    record = graded(a)["forge"]
    earned = {c["grade_id"]: c["points"] for c in autograded(record) if c["points"]}
    assert record["status"] == "graded" and record["score"] == 0 and not earned, \
        f"{a}: forged records earned points: {earned} ({record['reason'][:300]})"
