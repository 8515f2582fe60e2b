"""Does the verifier judge the source's test cells against the records alone, and catch authoring errors?"""
from __future__ import annotations

import nbformat
import numpy as np
import pytest

from autograder.harness import MIME, encode
from autograder.source_reading import defined_names, defines_own
from autograder.verify import records_of, setup_code, verify_notebook

TEST = """\
from autograder.harness import observe, assert_array
x = np.array([1.0, 2.0])
y = observe("double(x)", lambda: double(x))
### BEGIN CHECKS
assert_array(y, 2 * x, shape=(2,), dtype="float64", what="double(x)")
### END CHECKS
"""


def checks(code: str) -> str:
    return f"### BEGIN CHECKS\n{code}### END CHECKS\n"


def _meta(grade_id, **kw):
    return {"nbgrader": {"grade_id": grade_id, "schema_version": 3, "solution": False, "grade": False,
                         "locked": False, **kw}}


def _source(test=TEST, setup="import numpy as np\n"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(setup, metadata=_meta("setup", locked=True)),
                nbformat.v4.new_code_cell("def double(x):\n    return 2 * x\n", metadata=_meta("a", solution=True)),
                nbformat.v4.new_code_cell(test, metadata=_meta("t", grade=True, points=3))]
    return nb


def _graded(*values, label="double(x)", extra_outputs=()):
    nb = _source()
    outputs = [nbformat.v4.new_output("display_data", data={MIME: {"version": 1, "label": label,
                                                                   "value": encode(v)}}) for v in values]
    nb.cells[2].outputs = list(extra_outputs) + outputs
    return nb


def test_a_correct_record_earns_the_cells_points():
    (v,) = verify_notebook(_source(), _graded(np.array([2.0, 4.0])), seed=0, own_sources=[])
    assert (v.passed, v.points, v.max_points) == (True, 3.0, 3.0), f"expected 3/3 points, got {v}"


def test_what_a_test_cell_prints_stays_out_of_the_graders_output(capsys):
    verify_notebook(_source(TEST + checks("print('chatty test cell')\n")), _graded(np.array([2.0, 4.0])), seed=0,
                    own_sources=[])
    captured = capsys.readouterr()
    assert "chatty" not in captured.out + captured.err, f"the verifier leaked test-cell output: {captured}"


def test_a_wrong_record_fails_with_the_harness_message():
    (v,) = verify_notebook(_source(), _graded(np.array([2.0, 5.0])), seed=0, own_sources=[])
    assert not v.passed and v.points == 0 and "1 of 2 entries differ" in v.message, f"got {v}"
    assert not v.authoring_error, f"a wrong answer is not an authoring error: {v}"


def test_a_missing_record_fails_closed():
    (v,) = verify_notebook(_source(), _graded(), seed=0, own_sources=[])
    assert not v.passed and "no observation of 'double(x)'" in v.message, f"got {v}"


def test_records_come_only_from_the_graded_test_cell():
    graded = _graded()
    graded.cells[1].outputs = [nbformat.v4.new_output("display_data", data={MIME: {
        "version": 1, "label": "double(x)", "value": encode(np.array([2.0, 4.0]))}})]
    graded.cells[1].cell_type = "code"
    (v,) = verify_notebook(_source(), graded, seed=0, own_sources=[])
    assert not v.passed, f"a record printed by a solution cell must not count, got {v}"


def test_records_of_returns_plain_json_dicts():
    graded = _graded(1.5)
    (record,) = records_of(graded.cells[2])
    assert type(record) is dict and record["value"] == 1.5, f"expected a plain dict record, got {record!r}"


def test_a_student_name_used_outside_observe_is_an_authoring_error():
    bad = TEST + checks("assert double(1.0) == 2.0\n")
    (v,) = verify_notebook(_source(bad), _graded(np.array([2.0, 4.0])), seed=0, own_sources=[])
    assert v.authoring_error and "student-defined name 'double'" in v.message, f"got {v}"


def test_a_test_cell_without_observe_is_an_authoring_error():
    (v,) = verify_notebook(_source(checks("assert True\n")), _graded(), seed=0, own_sources=[])
    assert v.authoring_error and not v.passed and "makes no observe() call" in v.message, f"got {v}"


def test_setup_code_keeps_only_imports_of_instructor_cells():
    code = setup_code(_source(setup="import numpy as np\nimport math\nprint('hello')\n%matplotlib inline\n").cells)
    assert "import math" in code and "print" not in code and "double" not in code, f"got {code!r}"


def test_defined_names_reads_top_level_bindings_through_ipython_syntax():
    names = defined_names(["%matplotlib inline\nimport numpy as np\nclass A: pass\nif True:\n    def f(): pass\n"
                           "x, (y, z) = 1, (2, 3)\nfor i in range(2): pass\n"])
    assert names == {"np", "A", "f", "x", "y", "z", "i"}, f"got {names}"


@pytest.mark.parametrize("sources, verdict", [
    (["def sigmoid(x):\n    return x\n"], True),
    (["class sigmoid:\n    pass\n"], True),
    (["from scipy.special import expit as sigmoid\n"], "bound by an import"),
    (["def sigmoid(x): return x\n", "from course_lib import sigmoid\n"], "bound by an import"),
    (["sigmoid = lambda x: x\n"], True),  # a lambda is the notebook's own code
    (["sigmoid = 3 * 2\n"], "bound to an expression"),
    (["import numpy as np\nsigmoid = np.vectorize(np.tanh)\n"], "wraps no function of the notebook"),
    (["def s(x): return x\n", "def debug(f): return f\n", "sigmoid = debug(np.vectorize(s))\n"], True),
    (["def sigmoid(x): return x\n", "sigmoid = debug(sigmoid)\n"], True),
    (["from lib import f\n", "sigmoid = debug(f)\n"], "wraps no function of the notebook"),
    # a binding the source cannot show: the def is not the function that runs
    (["def sigmoid(x): return x\n", "from scipy.special import expit\nglobals()['sig' + 'moid'] = expit\n"],
     "binds names dynamically"),
    (["def sigmoid(x): return x\n", "globals().update(sigmoid=len)\n"], "binds names dynamically"),
    (["def sigmoid(x): return x\n", "exec('sigmoid = len')\n"], "binds names dynamically"),
    (["def sigmoid(x): return x\n", "def broken(:\n"], True),   # a cell with a syntax error is skipped
    (["x = 1\n"], "not defined by a def or class"),
])
def test_defines_own_accepts_only_a_last_binding_by_def_or_class(sources, verdict):
    got = defines_own(sources, "sigmoid")
    assert got is True if verdict is True else verdict in got, f"expected {verdict!r}, got {got!r}"


@pytest.mark.parametrize("kernel_part, phrase", [
    # a reference computed where the kernel runs it: a student's function could read it from its caller's frame
    ("expected = 2 * x\n", "`expected = 2 * x` runs in the student's kernel but no observe() needs it"),
    ("from course_lib.activations import get_activation\n", "the kernel part imports course_lib.activations"),
    ("assert_array(y, 2 * x)\n", "is a check; put it in a ### BEGIN CHECKS region"),
    # collecting computes nothing, but computing while collecting does
    ("seen = []\nseen.append((x, 2 * x))\n", "`seen.append((x, 2 * x))` runs in the student's kernel"),
])
def test_a_kernel_part_that_could_hold_a_reference_is_an_authoring_error(kernel_part, phrase):
    cell = TEST.replace('y = observe("double(x)"', kernel_part + 'y = observe("double(x)"')
    (v,) = verify_notebook(_source(cell), _graded(np.array([2.0, 4.0])), seed=0, own_sources=[])
    assert v.authoring_error and not v.passed and phrase in v.message, f"expected {phrase!r}; got {v}"


def test_an_observation_inside_a_check_region_is_an_authoring_error():
    cell = TEST + checks('z = observe("double(x)", lambda: double(x))\n')
    (v,) = verify_notebook(_source(cell), _graded(np.array([2.0, 4.0])), seed=0, own_sources=[])
    assert v.authoring_error and "a check region calls observe()" in v.message, f"got {v}"


def test_the_kernel_runs_the_test_cell_without_its_checks():
    from autograder.cell_parts import kernel_source

    hidden = ("### BEGIN HIDDEN TESTS\nx = np.ones(3)\ny = observe('double(ones)', lambda: double(x))\n"
              + checks("from course_lib.losses import MSELoss\nexpected = 2 * x\nassert_array(y, expected)\n")
              + "### END HIDDEN TESTS\n")
    kernel = kernel_source(TEST + hidden)
    assert "observe('double(ones)'" in kernel and "x = np.ones(3)" in kernel, f"inputs lost: {kernel}"
    for secret in ("expected", "MSELoss", "assert_array(y", "BEGIN CHECKS"):
        assert secret not in kernel, f"{secret!r} reached the kernel's copy of the cell: {kernel}"


def test_a_kernel_part_that_only_collects_its_inputs_is_accepted():
    from autograder.cell_parts import kernel_problems

    cell = TEST.replace('y = observe("double(x)"', 'seen = []\nseen.append((x, [x]))\ny = observe("double(x)"')
    assert kernel_problems(cell) == [], f"got {kernel_problems(cell)}"
    (v,) = verify_notebook(_source(cell), _graded(np.array([2.0, 4.0])), seed=0, own_sources=[])
    assert v.passed, f"got {v}"
