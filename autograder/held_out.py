"""Held-out data: an assignment scored on examples whose labels never enter the student's kernel.

A source notebook declares, in its metadata next to ``forbidden_modules``::

    "nn_course": {"held_out": {"dataset": "digits"}}

At grading, the grader splits the data set with the run's grading seed, **outside** the sandbox, into a
training part and a held-out part (a fraction :data:`FRACTIONS` of the examples). Inside the sandbox

* scikit-learn's own copy of the data (``sklearn/datasets/data/digits.csv.gz``, which
  ``course_lib.datasets.load_digits`` reads) is overlaid, read-only, by a file holding only the training rows,
  so every loader in the kernel sees only training data;
* a read-only folder (named by ``COURSE_HELD_OUT_DIR``) holds the training rows and the held-out *inputs*,
  without labels: :func:`training_data` and :func:`held_out_inputs` read them there.

The verifier, in the grader's process, makes the same split from the same seed and gets the labels with
:func:`held_out_labels`; it counts the hits of the predictions the kernel recorded. Knowing the seed does not
help a student: the labels of the held-out rows are not in the sandbox.

At home (no grading folder) the three functions split the full data set with the seed in ``COURSE_GRADING_SEED``
(0 unless set): a public split, so the visible tests work and show the accuracy. Without bubblewrap nothing can
be hidden (the real file is readable), and the grader says so in its UNSANDBOXED warning.

Split: ``rng = default_rng([seed, *digest("held_out:<dataset>")])``; the first ``round(fraction * n)`` indices of
``rng.permutation(n)``, sorted, are held out; the rest, in the permutation's order, are the training rows.
"""
from __future__ import annotations

import contextlib
import functools
import glob
import gzip
import hashlib
import io
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.harness import SEED_ENV, HarnessError, replay_seed
from autograder.messages import say

ENV = "COURSE_HELD_OUT_DIR"
METADATA_KEY = "nn_course"
FRACTIONS = {"digits": 0.25}
# where scikit-learn keeps the digits inside a site-packages folder
_SKLEARN_FILE = ("sklearn", "datasets", "data", "digits.csv.gz")


# ---------------------------------------------------------------------------------------------- the split

def _check(dataset) -> None:
    if dataset not in FRACTIONS:
        raise ValueError(say("held_out.unknown_dataset", known=sorted(FRACTIONS), got=repr(dataset)))


def _rows(dataset: str) -> list[bytes]:
    """The data set's CSV rows as scikit-learn stores them (64 grey levels 0..16, then the label)."""
    with gzip.open(sklearn_file(), "rb") as fh:
        return [line for line in fh.read().splitlines() if line.strip()]


def sklearn_file() -> Path:
    """The digits file of the scikit-learn this process imports."""
    import sklearn

    return Path(next(iter(sklearn.__path__))).joinpath(*_SKLEARN_FILE[1:])


def split_indices(dataset: str, seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(train, held_out)`` row indices of ``n`` examples for this seed (see the module docstring)."""
    _check(dataset)
    digest = hashlib.sha256(f"held_out:{dataset}".encode()).digest()
    rng = np.random.default_rng([int(seed), *np.frombuffer(digest[:16], dtype="<u4").tolist()])
    order = rng.permutation(n)
    n_out = int(round(FRACTIONS[dataset] * n))
    return order[n_out:], np.sort(order[:n_out])


def _as_arrays(rows: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(io.BytesIO(b"\n".join(rows)), delimiter=",", ndmin=2)
    return table[:, :-1] / 16.0, table[:, -1].astype(np.int64)


@functools.lru_cache(maxsize=8)
def _split(dataset: str, seed: int):
    """((X_train, y_train), (X_out, y_out)) of the full data set; X scaled to [0, 1] as load_digits does."""
    rows = _rows(dataset)
    train, out = split_indices(dataset, seed, len(rows))
    X, y = _as_arrays(rows)
    return (X[train], y[train]), (X[out], y[out]), [rows[i] for i in train]


def _home_seed() -> int:
    text = os.environ.get(SEED_ENV, "0")
    return int(text) if text.isdigit() else 0


def _grading_dir() -> Path | None:
    folder = os.environ.get(ENV)
    return Path(folder) if folder else None


# ---------------------------------------------------------------------------------------------- test cells

def training_data(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X (n, 64) float64 in [0, 1], y (n,) int64)``: the training part of the split, the same in the student's
    kernel, the verifier and at home."""
    _check(dataset)
    seed = replay_seed()
    folder = _grading_dir()
    if seed is None and folder is not None:
        with np.load(folder / f"{dataset}-train.npz", allow_pickle=False) as data:
            return data["X"].copy(), data["y"].copy()
    (X, y), _, _ = _split(dataset, _home_seed() if seed is None else seed)
    return X.copy(), y.copy()


def held_out_inputs(dataset: str) -> np.ndarray:
    """The held-out inputs ``X (m, 64)``, without their labels."""
    _check(dataset)
    seed = replay_seed()
    folder = _grading_dir()
    if seed is None and folder is not None:
        return np.load(folder / f"{dataset}-inputs.npy", allow_pickle=False)
    _, (X, _), _ = _split(dataset, _home_seed() if seed is None else seed)
    return X.copy()


def held_out_labels(dataset: str) -> np.ndarray:
    """The held-out labels ``y (m,)``: in the verifier (the grader's split) and at home (the public split);
    never in a grading kernel, where they do not exist."""
    _check(dataset)
    seed = replay_seed()
    if seed is None and _grading_dir() is not None:
        raise HarnessError(say("held_out.labels_refused"))
    _, (_, y), _ = _split(dataset, _home_seed() if seed is None else seed)
    return y.copy()


# ---------------------------------------------------------------------------------------------- the grader

def declared(source_nb) -> str | None:
    """The held-out data set a source notebook declares, or None; a malformed declaration is a course error."""
    meta = source_nb.get("metadata", {}).get(METADATA_KEY, {}) or {}
    spec = meta.get("held_out") if isinstance(meta, dict) else None
    if spec is None:
        return None
    if not isinstance(spec, dict) or set(spec) != {"dataset"} or spec["dataset"] not in FRACTIONS:
        raise ValueError(f"notebook metadata {METADATA_KEY}.held_out must be {{\"dataset\": name}} with a name in "
                         f"{sorted(FRACTIONS)}, got {spec!r}")
    return spec["dataset"]


@dataclass
class Prepared:
    """What a grading kernel needs: environment variables and read-only binds ``(source, target)``."""

    env: dict[str, str] = field(default_factory=dict)
    binds: tuple[tuple[str, str], ...] = ()


def visible_copies() -> list[str]:
    """Every copy of scikit-learn's digits file a sandboxed kernel could read (real paths, deduplicated)."""
    roots = {sys.prefix, sys.base_prefix, "/usr", "/usr/local", str(sklearn_file().parents[3])}
    found = {os.path.realpath(sklearn_file())}
    for root in roots:
        for pattern in ("lib*/python3*/*-packages", "lib*/python3*/*-packages/*", ""):
            found.update(os.path.realpath(p) for p in glob.glob(os.path.join(root, pattern, *_SKLEARN_FILE)))
    return sorted(found)


@contextlib.contextmanager
def prepared(dataset: str | None, seed: int):
    """The grading split of ``dataset`` for this seed, written outside the course tree; removed afterwards."""
    if dataset is None:
        yield Prepared()
        return
    (X_train, y_train), (X_out, _), train_rows = _split(dataset, int(seed))
    top = Path(tempfile.mkdtemp(prefix="nn-course-held-out-"))
    try:
        data = top / "data"
        data.mkdir()
        np.savez(data / f"{dataset}-train.npz", X=X_train, y=y_train)
        np.save(data / f"{dataset}-inputs.npy", X_out)
        replacement = top / "digits.csv.gz"
        with gzip.open(replacement, "wb") as fh:
            fh.write(b"\n".join(train_rows) + b"\n")
        for path in (data, top):
            path.chmod(0o755)
        binds = [(str(data), str(data))] + [(str(replacement), target) for target in visible_copies()]
        yield Prepared({ENV: str(data)}, tuple(binds))
    finally:
        shutil.rmtree(top, ignore_errors=True)
