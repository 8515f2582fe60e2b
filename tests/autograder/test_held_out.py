"""Held-out data (autograder.held_out): one split seen three ways, and a sandbox that holds only training rows."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import harness, held_out
from autograder.sandbox import UNSANDBOXED_WARNING, bwrap_command, sandbox_status


def test_the_split_is_disjoint_complete_and_depends_on_the_seed():
    train, out = held_out.split_indices("digits", 7, 1797)
    assert len(out) == 449 and len(train) == 1348
    assert sorted(np.concatenate([train, out]).tolist()) == list(range(1797))
    again_train, again_out = held_out.split_indices("digits", 7, 1797)
    assert np.array_equal(train, again_train) and np.array_equal(out, again_out)
    assert not np.array_equal(out, held_out.split_indices("digits", 8, 1797)[1])


def test_home_and_verifier_see_the_split_of_their_seed(monkeypatch):
    from course_lib.datasets import load_digits

    monkeypatch.delenv(held_out.ENV, raising=False)
    monkeypatch.setenv(harness.SEED_ENV, "3")
    X_all, y_all = load_digits()
    train, out = held_out.split_indices("digits", 3, len(y_all))
    X, y = held_out.training_data("digits")
    assert np.array_equal(X, X_all[train]) and np.array_equal(y, y_all[train]) and y.dtype == np.int64
    assert np.array_equal(held_out.held_out_inputs("digits"), X_all[out])
    assert np.array_equal(held_out.held_out_labels("digits"), y_all[out])
    with harness.replaying(harness.Replay(records=[], seed=11)):  # the verifier ignores the kernel's environment
        monkeypatch.setenv(held_out.ENV, "/nonexistent")
        labels = held_out.held_out_labels("digits")
    assert np.array_equal(labels, y_all[held_out.split_indices("digits", 11, len(y_all))[1]])


def test_a_grading_kernel_reads_the_prepared_files_and_gets_no_labels(monkeypatch):
    with held_out.prepared("digits", 5) as data:
        folder = Path(data.env[held_out.ENV])
        monkeypatch.setenv(held_out.ENV, str(folder))
        X, y = held_out.training_data("digits")
        inputs = held_out.held_out_inputs("digits")
        with pytest.raises(harness.HarnessError, match="exist only in the grader"):
            held_out.held_out_labels("digits")
        with gzip.open(data.binds[1][0], "rt") as fh:
            rows = [line for line in fh.read().splitlines() if line]
        assert {target for _, target in data.binds[1:]} == set(held_out.visible_copies())
    assert not folder.exists(), "the prepared files outlive the grading"
    with harness.replaying(harness.Replay(records=[], seed=5)):
        (X_ref, y_ref), inputs_ref = held_out.training_data("digits"), held_out.held_out_inputs("digits")
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref) and np.array_equal(inputs, inputs_ref)
    assert len(rows) == 1348 and [int(r.rsplit(",", 1)[1]) for r in rows] == y.tolist()


def test_the_declaration_is_checked():
    nb = nbformat.v4.new_notebook()
    assert held_out.declared(nb) is None
    nb.metadata["nn_course"] = {"held_out": {"dataset": "digits"}}
    assert held_out.declared(nb) == "digits"
    for bad in ({"dataset": "mnist"}, "digits", {"dataset": "digits", "fraction": 0.5}):
        nb.metadata["nn_course"] = {"held_out": bad}
        with pytest.raises(ValueError, match="held_out must be"):
            held_out.declared(nb)
    with pytest.raises(ValueError, match="must be one of"):
        held_out.training_data("mnist")


def test_without_bubblewrap_the_warning_says_held_out_labels_are_readable():
    assert "held-out data could read their labels" in UNSANDBOXED_WARNING


PROBE = """
import os
from sklearn.datasets import load_digits
from course_lib.datasets import load_digits as course_digits
from autograder.held_out import held_out_inputs, ENV
print(load_digits().data.shape[0], course_digits()[0].shape[0], held_out_inputs("digits").shape[0])
for path in (os.path.join(os.environ[ENV], "digits-inputs.npy"), os.environ["SKLEARN_FILE"]):
    try:
        open(path, "ab").close()
        print("writable", path)
    except OSError:
        print("read-only")
"""


def test_in_the_sandbox_every_copy_of_the_digits_holds_only_the_training_rows(tmp_path):
    status = sandbox_status()
    if not status.sandboxed:
        if os.environ.get("CI") == "true":
            pytest.fail("bubblewrap must work in CI")
        pytest.skip("bubblewrap is not usable here")
    with held_out.prepared("digits", 9) as data:
        cmd = bwrap_command(status.tool, [tmp_path], tmp_path, ro_binds=data.binds) + [sys.executable, "-c", PROBE]
        env = {**data.env, "PATH": "/usr/bin:/bin", "SKLEARN_FILE": str(held_out.sklearn_file())}
        run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["1348", "1348", "449", "read-only", "read-only"], run.stdout
