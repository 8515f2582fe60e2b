"""Threat fixtures for the capstone's held-out scoring: answer cells that try to reach the held-out labels.

Each is the full code of the capstone's answer cell (``capstone``): ``train_network`` trains nothing, ``predict``
tries one way to the labels of the digits it is given and prints, in a line starting ``ATTACK``, what it found.
At home (the full data set in reach) every one of them would score all the held-out digits right
(test_capstone.py proves it, so no fixture is blind); in the grading sandbox each finds nothing.
"""
from __future__ import annotations

NO_TRAINING = '''
def train_network(X, y, rng):
    return None

'''

# scikit-learn's own file and course_lib's loader: in the sandbox they hold only the training rows
SKLEARN_LOOKUP = NO_TRAINING + '''
def predict(network, X):
    from sklearn.datasets import load_digits as sklearn_digits
    from course_lib.datasets import load_digits

    table = {}
    bunch = sklearn_digits()
    for row, label in zip(bunch.data / 16.0, bunch.target):
        table[row.tobytes()] = int(label)
    X_all, y_all = load_digits()
    for row, label in zip(X_all, y_all):
        table[row.tobytes()] = int(label)
    hits = [table.get(np.asarray(row, dtype=np.float64).tobytes()) for row in X]
    print(f"ATTACK lookup: {sum(h is not None for h in hits)} of {len(X)} digits found "
          f"among {len(table)} labelled rows")
    return np.array([0 if h is None else h for h in hits], dtype=np.int64)
'''

# the seed is in the environment and the split is public code: recompute it over whatever data there is
RECOMPUTE_SPLIT = NO_TRAINING + '''
def predict(network, X):
    import os
    from autograder import held_out

    try:
        labels = held_out.held_out_labels("digits")
    except Exception as exc:
        print(f"ATTACK split: held_out_labels refused ({exc})")
        os.environ.pop(held_out.ENV, None)  # pretend to be at home, where the split is computed
        labels = held_out.held_out_labels("digits")
    print(f"ATTACK split: with seed {os.environ.get('COURSE_GRADING_SEED')}, {len(labels)} labels for {len(X)} "
          "digits")
    return np.resize(np.asarray(labels, dtype=np.int64), len(X))
'''

# the harness replaced: the capstone's observations forged, with a claimed accuracy of 1.0 beside them
FORGED_RECORDS = NO_TRAINING + '''
def predict(network, X):
    return np.zeros(len(X), dtype=np.int64)


import autograder.harness as _harness
from IPython.display import publish_display_data as _publish

_real_observe = _harness.observe


def _forge(label, value):
    record = {"version": 1, "label": label, "value": _harness.encode(value)}
    _publish({_harness.MIME: record, "text/plain": label})


def _forging_observe(label, thunk):
    # the capstone's two observations, by what does not change with the notebook's language: the visible one's
    # label is a call, the hidden one's thunk a named function
    hidden = getattr(thunk, "__name__", "") == "held_out_predictions"
    if not hidden and not label.startswith("predict(train_network("):
        return _real_observe(label, thunk)
    from autograder.held_out import held_out_inputs

    guess = np.full(len(held_out_inputs("digits")), 1, dtype=np.int64)
    _forge("held-out accuracy", 1.0)
    value = (guess, guess, [guess[i:i + 1] for i in range(10)]) if hidden else guess
    _forge(label, value)
    print(f"ATTACK forged: {label}")
    return value


_harness.observe = _forging_observe
'''

# "training" inside predict: memorise every labelled data set in reach (frames, globals, containers in gc)
TRAIN_IN_PREDICT = NO_TRAINING + '''
def predict(network, X):
    import gc
    import sys

    arrays, seen = [], set()

    def collect(value):
        if type(value) is np.ndarray and id(value) not in seen:
            seen.add(id(value))
            arrays.append(value)

    frame = sys._getframe(1)
    while frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            for value in list(scope.values()):
                collect(value)
        frame = frame.f_back
    for obj in gc.get_objects():
        items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()
        for value in list(items):
            collect(value)
    inputs = [a for a in arrays if a.ndim == 2 and a.shape[1:] == (64,) and a.dtype.kind == "f"]
    labels = [a for a in arrays if a.ndim == 1 and a.dtype.kind in "iu"]
    memory = {}
    for data in inputs:
        for target in (t for t in labels if len(t) == len(data)):
            for row, label in zip(data, target):
                memory[row.tobytes()] = int(label)
    hits = [memory.get(np.asarray(row, dtype=np.float64).tobytes()) for row in X]
    print(f"ATTACK memorised {len(memory)} labelled rows; {sum(h is not None for h in hits)} of {len(X)} found")
    return np.array([0 if h is None else h for h in hits], dtype=np.int64)
'''

# the labels themselves, wherever a caller keeps them: any int array with one entry per digit
FRAME_WALK = NO_TRAINING + '''
def predict(network, X):
    import gc
    import sys

    found = []
    frame = sys._getframe(1)
    while frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            found += [v for v in list(scope.values()) if type(v) is np.ndarray and v.shape == (len(X),)
                      and v.dtype.kind in "iu" and v.size and v.min() >= 0 and v.max() <= 9]
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict):
            found += [v for v in list(obj.values()) if type(v) is np.ndarray and v.shape == (len(X),)
                      and v.dtype.kind in "iu" and v.size and v.min() >= 0 and v.max() <= 9]
    found = [v for v in found if np.unique(v).size > 1]  # not a constant guess
    print(f"ATTACK frames: {len(found)} candidate label arrays for {len(X)} digits")
    return found[0].astype(np.int64) if found else np.zeros(len(X), dtype=np.int64)
'''

# the whole labelled data set handed in as a file beside the notebook
DATA_FILE_NAME = "digits_full.npz"
DATA_FILE = NO_TRAINING + f'''
def predict(network, X):
    import os

    present = os.path.exists({DATA_FILE_NAME!r})
    print(f"ATTACK data file: {{'present' if present else 'absent'}} beside the notebook")
    if not present:
        return np.zeros(len(X), dtype=np.int64)
    with np.load({DATA_FILE_NAME!r}) as data:
        table = {{row.tobytes(): int(label) for row, label in zip(data["X"], data["y"])}}
    return np.array([table.get(np.asarray(row, dtype=np.float64).tobytes(), 0) for row in X], dtype=np.int64)
'''


def write_data_file(folder) -> None:
    """The file the ``data_file`` attack hands in: every digit with its label."""
    import numpy as np

    from course_lib.datasets import load_digits

    X, y = load_digits()
    np.savez(folder / DATA_FILE_NAME, X=X, y=y)


ATTACKS = {"data_file": DATA_FILE, "sklearn_lookup": SKLEARN_LOOKUP, "recompute_split": RECOMPUTE_SPLIT,
           "forged_records": FORGED_RECORDS, "train_in_predict": TRAIN_IN_PREDICT, "frame_walk": FRAME_WALK}
