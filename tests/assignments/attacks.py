"""Attacks of issue 12 on every assignment: a spy that looks for references while it is observed, delegation
to a forbidden module by a name computed at run time, and a replaced harness that forges the records.

The spy wraps every graded function the way a student wraps their own (``f = spy(f)``, which ``own_code``
accepts). At each outermost call it looks where a student would — the caller frames, the notebook's globals,
every object ``gc`` knows, the IPython input history and ``sys.modules`` — for anything only the verifier should
have: a forbidden module or an object of one, a name that only the test cells' check regions bind, a line of a
check region. It prints ``LEAK …`` for each find and ``spy looked at <name>`` once per function, so a test can
tell that it ran and found nothing.
"""
from __future__ import annotations

import ast
import json

from autograder.cell_parts import split_regions
from autograder.source_reading import defined_names, to_python

# assignment -> [(answer cell, code appended to it, the test that must score zero, the forbidden module), ...]
DELEGATE = {
    "01_neurons": [("xor", "def xor_two_layer(X):\n    import importlib\n"
                          "    module = importlib.import_module('course_lib.' + ''.join(['neu', 'ron']))\n"
                          "    return module.xor_two_layer(X)\n",
                   "test_xor", "course_lib.neuron")],
    "02_backprop": [("numerical_gradient", "def numerical_gradient(f, x, eps=1e-6):\n"
                                          "    module = __import__('course_lib.' + 'kcehcdarg'[::-1], fromlist=['x'])\n"
                                          "    return module.numerical_gradient(f, x, eps)\n",
                    "test_numerical_gradient", "course_lib.gradcheck")],
    "03_activations": [("tanh", "def tanh_forward(x):\n    import importlib\n"
                               "    name = 'course_lib.' + 'activations'\n"
                               "    return importlib.import_module(name).get_activation('tanh').forward(x)\n",
                       "test_tanh", "course_lib.activations")],
    "04_optimisers": [("schedules", "def step_decay(lr0, t, step_size, gamma=0.1):\n"
                                   "    from course_lib import schedules\n"
                                   "    return schedules.step_decay(lr0, t, step_size, gamma)\n",
                      "test_schedules", "course_lib.schedules")],
    "05_regularisation": [("hflip", "def hflip(images):\n    import importlib\n"
                                   "    augment = importlib.import_module('course_lib.' + 'augment')\n"
                                   "    return augment.RandomHorizontalFlip(p=1.0).batch(images)\n",
                          "test_hflip", "course_lib.augment"),
                          # a class cut out of a module the digits model still imports
                          ("l2", "def l2_penalty_and_grad(weights, lam):\n"
                                 "    from course_lib import layers, losses\n"
                                 "    params = [layers.Parameter(W.copy()) for W in weights]\n"
                                 "    value = losses.l2_penalty(params, lam / 2, add_grad=True)\n"
                                 "    return float(value), [p.grad for p in params]\n",
                           "test_l2", "course_lib.losses.l2_penalty"),
                          ("batchnorm_backward", "def batchnorm_backward(dout, cache):\n"
                                                 "    from course_lib.layers import BatchNorm1d\n"
                                                 "    return BatchNorm1d(dout.shape[1]).backward(dout)\n",
                           "test_batchnorm_backward", "course_lib.regularisation.BatchNorm1d")],
    # the capstone: a part taken from the library, and training handed to the library's fit
    "06_capstone": [("relu", "def relu_forward(x):\n    from course_lib.layers import ReLU\n"
                             "    return ReLU().forward(x), x\n",
                     "test_relu", "course_lib.layers"),
                    ("capstone", "def train_network(X, y, rng):\n    from course_lib import training\n"
                                 "    return training.fit\n",
                     "test_capstone", "course_lib.training")],
}

SPY = '''\
import gc as _gc, sys as _sys
_SPY_FORBIDDEN = tuple(%(forbidden)s)
_SPY_NAMES = set(%(names)s)
_SPY_LINES = %(lines)s  # reversed: this cell is in the history too
_spy_state = {"depth": 0, "walks": {}}


def _spy_forbidden(obj):
    if type(obj) is type(_sys):
        return any(obj.__name__ == m or obj.__name__.startswith(m + ".") for m in _SPY_FORBIDDEN)
    module = type(obj).__dict__.get("__module__") if isinstance(type(obj).__dict__, dict) else None
    module = module if isinstance(module, str) else getattr(type(obj), "__module__", "")
    if not isinstance(module, str):
        return False
    return any(module == m or module.startswith(m + ".") for m in _SPY_FORBIDDEN)


def _spy_look(fname):
    found = [f"module {m}" for m in list(_sys.modules)
             if any(m == f or m.startswith(f + ".") for f in _SPY_FORBIDDEN) and _sys.modules[m] is not None]
    user_ns = get_ipython().user_ns
    frame = _sys._getframe(2)
    while frame is not None:
        scopes = [frame.f_globals] + ([frame.f_locals] if frame.f_globals is user_ns else [])
        for scope in scopes:
            for name, value in list(scope.items()):
                if name in _SPY_NAMES:
                    found.append(f"name {name} in a caller's frame")
                if _spy_forbidden(value):
                    found.append(f"object of {type(value).__qualname__} in a caller's frame")
        frame = frame.f_back
    found += [f"object of {type(o).__qualname__} (gc)" for o in _gc.get_objects() if _spy_forbidden(o)][:3]
    history = "\\n".join(user_ns.get("In", []))
    found += [f"check line {line[::-1]!r} in the history" for line in _SPY_LINES if line[::-1] in history]
    for what in sorted(set(found)):
        print("LEAK", fname, what)
    if fname not in _spy_state["walks"]:
        print("spy looked at", fname)


def spy(f):
    if isinstance(f, type):
        return f  # a class stays a class (its methods test isinstance against it)

    def watched(*args, **kwargs):
        walks = _spy_state["walks"]
        if _spy_state["depth"] == 0 and walks.get(f.__name__, 0) < 3:
            _spy_look(f.__name__)
            walks[f.__name__] = walks.get(f.__name__, 0) + 1
        _spy_state["depth"] += 1
        try:
            return f(*args, **kwargs)
        finally:
            _spy_state["depth"] -= 1
    return watched
'''


def _bound(code: str) -> set[str]:
    try:
        tree = ast.parse(to_python(code))
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} | {
        n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))} | {
        (a.asname or a.name).split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in n.names}


def verifier_only(source_nb) -> tuple[set[str], list[str]]:
    """Names bound only in check regions, and check-region lines that nothing the kernel runs contains."""
    kernel_text, check_names, check_lines, kernel_names = [], set(), [], set()
    for cell in source_nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            kernel, checks = split_regions(cell.source)
            kernel_text.append(kernel)
            kernel_names |= _bound(kernel)
            check_names |= _bound(checks)
            check_lines += [line.strip() for line in checks.splitlines() if len(line.strip()) >= 16]
        else:
            kernel_text.append(cell.source)
            kernel_names |= defined_names([cell.source]) | _bound(cell.source)
    everything = "\n".join(kernel_text)
    names = {n for n in check_names - kernel_names if len(n) >= 2 and not n.startswith("_")}
    return names, sorted({line for line in check_lines if line not in everything})


def graded_functions(source_nb) -> dict[str, list[str]]:
    """Answer cell grade_id -> the names its test cells check with own_code (functions and classes)."""
    owned = set()
    for cell in source_nb.cells:
        for node in ast.walk(ast.parse(to_python(cell.source))) if cell.cell_type == "code" else ():
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "own_code" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    owned.add(arg.value)
                elif isinstance(arg, ast.JoinedStr) or isinstance(arg, ast.Name):
                    owned.add("*")  # own_code(name) in a loop: resolved from the answer cells below
    out = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            names = [n.name for n in ast.parse(to_python(cell.source)).body
                     if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
            out[meta["grade_id"]] = [n for n in names if n in owned or "*" in owned]
    return out


def spy_answers(source_nb, forbidden: tuple[str, ...]) -> dict[str, str]:
    """Answer cell grade_id -> its source with every graded function wrapped by the spy (defined in the first)."""
    names, lines = verifier_only(source_nb)
    header = SPY % {"forbidden": json.dumps(list(forbidden)), "names": json.dumps(sorted(names)),
                    "lines": json.dumps([line[::-1] for line in lines])}
    answers, first = {}, True
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not (meta.get("solution") and cell.cell_type == "code"):
            continue
        wrapped = "".join(f"{n} = spy({n})\n" for n in graded_functions(source_nb)[meta["grade_id"]])
        answers[meta["grade_id"]] = (header + "\n\n" if first else "") + cell.source + "\n\n" + wrapped
        first = False
    return answers


def delegating_answer(source_nb, a: str) -> dict[str, str]:
    answers = {}
    for cell_id, code, _, _ in DELEGATE[a]:
        src = next(c.source for c in source_nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id)
        answers[cell_id] = src + "\n\n" + code
    return answers


# Replaces the harness in the kernel before any test cell imports it: observe records 0.0 for every label without
# calling the stubs, and every assert_* re-publishes, as the record of the last label, the expected value it is
# given -- which, before issue 12, was the reference the hidden test had just computed in the kernel.
FORGE = """import autograder.harness as _h
from IPython.display import publish_display_data as _publish
_last = {"label": None}
def _record(label, value):
    _publish({_h.MIME: {"version": 1, "label": label, "value": _h.encode(value)}, "text/plain": str(label)})
def _fake_observe(label, thunk):
    _last["label"] = label
    _record(label, 0.0)
    return 0.0
def _fake_assert(got, expected=None, *args, **kwargs):
    if _last["label"] is not None:
        _record(_last["label"], expected)
_h.observe = _fake_observe
_h.assert_array = _h.assert_scalar = _h.assert_equal = _fake_assert
_h.assert_true = _h.own_code = lambda *args, **kwargs: None

"""


def forged_answers(release_nb) -> dict[str, str]:
    """The release's stubs, with the harness replaced in the first answer cell."""
    first = next(c for c in release_nb.cells if c.metadata.get("nbgrader", {}).get("solution")
                 and c.cell_type == "code")
    return {first.metadata["nbgrader"]["grade_id"]: FORGE + first.source}
