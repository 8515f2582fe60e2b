"""The two parts of a graded test cell: what the student's kernel runs, and the checks only the verifier runs.

A test cell is written in regions::

    from autograder.harness import observe, grading_rng, assert_array, ...
    x = np.array([...])                                  # inputs and observations: the kernel runs these
    got = observe("f(x)", lambda: f(x))
    ### BEGIN CHECKS
    assert_array(got, expected_from(x), ...)              # checks: references, expected values, own_code
    ### END CHECKS
    ### BEGIN HIDDEN TESTS
    x = grading_rng("f").normal(size=(5, 3))              # hidden inputs and observations
    got = observe("f(random x)", lambda: f(x))
    ### BEGIN CHECKS
    from course_lib.activations import get_activation      # a reference: never in the kernel
    assert_array(got, get_activation("tanh").forward(x), ...)
    ### END CHECKS
    ### END HIDDEN TESTS

At home the whole visible cell runs (the markers are comments), so a student sees what the visible checks say.
At grading the kernel runs :func:`kernel_source` — the cell with every check region cut out — and the verifier
runs the whole source cell with ``observe`` replaying the kernel's records. So no reference value, object or
module is ever in the student's kernel, whatever its code reads (globals, frames, ``gc``, history).

:func:`kernel_problems` rejects, as an authoring error, a kernel part that could hold a reference: one that
imports anything but numpy, math, the harness and :mod:`autograder.held_out`, runs a check, or computes
something no ``observe`` needs (a slice: every statement must feed an observation).
"""
from __future__ import annotations

import ast
import functools

from autograder.source_reading import to_python

BEGIN_CHECKS = "### BEGIN CHECKS"
END_CHECKS = "### END CHECKS"
KERNEL_IMPORTS = {"numpy", "math", "autograder.harness", "autograder.held_out"}
CHECK_FUNCTIONS = {"assert_array", "assert_scalar", "assert_equal", "assert_true", "own_code", "print"}


class RegionError(ValueError):
    """The check markers of a test cell are unbalanced or nested."""


def split_regions(text: str) -> tuple[str, str]:
    """``(kernel_part, check_part)`` of a test cell's text; line numbers are kept (cut lines become blank)."""
    kernel, checks, inside = [], [], False
    for number, line in enumerate(text.splitlines(), start=1):
        mark = line.strip()
        if mark.startswith(BEGIN_CHECKS):
            if inside:
                raise RegionError(f"line {number}: {BEGIN_CHECKS} inside a check region (regions do not nest)")
            inside = True
            kernel.append("")
            checks.append("")
            continue
        if mark.startswith(END_CHECKS):
            if not inside:
                raise RegionError(f"line {number}: {END_CHECKS} without a {BEGIN_CHECKS} before it")
            inside = False
            kernel.append("")
            checks.append("")
            continue
        (checks if inside else kernel).append(line)
        (kernel if inside else checks).append("")
    if inside:
        raise RegionError(f"a {BEGIN_CHECKS} region is never closed by {END_CHECKS}")
    return "\n".join(kernel) + "\n", "\n".join(checks) + "\n"


def kernel_source(text: str) -> str:
    """The test cell as the student's kernel runs it at grading: check regions removed, blank runs squeezed."""
    kernel, _ = split_regions(text)
    lines, blank = [], False
    for line in kernel.splitlines():
        if not line.strip() and blank:
            continue
        blank = not line.strip()
        lines.append(line)
    return "\n".join(lines).strip("\n") + "\n"


def _calls(node, names: set[str]) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in names
               for n in ast.walk(node))


def _base_name(target) -> str | None:
    while isinstance(target, (ast.Attribute, ast.Subscript, ast.Starred)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def _binds(stmt) -> set[str]:
    """Names a simple statement binds or mutates (``x.flat[0] = 1`` and ``out.append(v)`` change ``x``/``out``)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    targets = []
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    elif isinstance(stmt, ast.For):
        targets = [stmt.target]
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
            isinstance(stmt.value.func, ast.Attribute):
        targets = [stmt.value.func.value]
    out = set()
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                out.add(sub.id)
        base = _base_name(target)
        if base:
            out.add(base)
    return out


def _loads(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _statements(body):
    """Every statement in order, compound ones before their bodies (def/class bodies are one unit)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.For, ast.While, ast.If, ast.With, ast.Try)):
            for field in ("body", "orelse", "finalbody"):
                yield from _statements(getattr(stmt, field, []))
            for handler in getattr(stmt, "handlers", []):
                yield from _statements(handler.body)


def _header_loads(stmt) -> set[str]:
    """What a compound statement's own header reads (its body is judged statement by statement)."""
    if isinstance(stmt, ast.For):
        return _loads(stmt.iter)
    if isinstance(stmt, (ast.While, ast.If)):
        return _loads(stmt.test)
    if isinstance(stmt, ast.With):
        return set().union(*(_loads(i.context_expr) for i in stmt.items))
    return set()


_PLAIN = (ast.Name, ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.Set, ast.Starred, ast.Load, ast.Store,
          ast.Subscript)


def _bookkeeping(stmt) -> bool:
    """A statement that only collects values the cell already has (``seen = []``, ``seen.append((x, got))``):
    it builds containers of names and constants and computes nothing, so it cannot make a reference."""
    if isinstance(stmt, ast.Assign):
        value = stmt.value
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
            isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "append" and \
            isinstance(stmt.value.func.value, ast.Name) and len(stmt.value.args) == 1 and not stmt.value.keywords:
        value = stmt.value.args[0]
    else:
        return False
    return all(isinstance(n, _PLAIN) for n in ast.walk(value))


def kernel_problems(text: str) -> list[str]:
    """Why the kernel part of this test cell could hold a reference; empty when it holds only inputs."""
    return list(_kernel_problems(text))


@functools.lru_cache(maxsize=1024)  # a source test cell is checked once per class, not once per student
def _kernel_problems(text: str) -> tuple[str, ...]:
    try:
        kernel, checks = split_regions(text)
    except RegionError as exc:
        return (str(exc),)
    problems = []
    try:
        tree = ast.parse(to_python(kernel))
    except SyntaxError as exc:
        return (f"the kernel part does not parse: {exc}",)
    try:
        check_tree = ast.parse(to_python(checks))
    except SyntaxError:
        check_tree = None  # a check region may continue a statement only the whole cell completes
    if check_tree is not None and _calls(check_tree, {"observe"}):
        problems.append("a check region calls observe(): observations belong outside ### BEGIN CHECKS regions, "
                        "where the kernel runs them")
    stmts = list(_statements(tree.body))
    simple = []
    for stmt in stmts:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in stmt.names] if isinstance(stmt, ast.Import) else [stmt.module or ""]
            for module in modules:
                if module not in KERNEL_IMPORTS:
                    problems.append(f"line {stmt.lineno}: the kernel part imports {module}; a module used to check "
                                    f"belongs in a {BEGIN_CHECKS} region (the kernel imports only numpy, math, "
                                    "the harness and autograder.held_out)")
            continue
        if isinstance(stmt, ast.Pass):
            continue
        if _calls(stmt, CHECK_FUNCTIONS) and not isinstance(stmt, (ast.FunctionDef, ast.For, ast.If, ast.While)):
            problems.append(f"line {stmt.lineno}: `{ast.unparse(stmt)[:80]}` is a check; put it in a "
                            f"{BEGIN_CHECKS} region")
            continue
        simple.append(stmt)
    # the slice: keep what an observation needs, transitively; whatever is left over computes something else
    needed_names: set[str] = set()
    needed: set[int] = set()
    compound = (ast.For, ast.While, ast.If, ast.With, ast.Try)
    changed = True
    while changed:
        changed = False
        for i, stmt in enumerate(simple):
            if i in needed:
                continue
            own = stmt if not isinstance(stmt, compound) else None
            feeds = (own is not None and _calls(own, {"observe"})) or bool(_binds(stmt) & needed_names)
            if isinstance(stmt, compound):
                inner = [j for j, s in enumerate(simple) if j in needed and s in set(_statements([stmt]))
                         and s is not stmt]
                feeds = feeds or bool(inner)
            if feeds:
                needed.add(i)
                needed_names |= _header_loads(stmt) if isinstance(stmt, compound) else _loads(stmt)
                changed = True
    for i, stmt in enumerate(simple):
        if i not in needed and not _bookkeeping(stmt):
            problems.append(f"line {stmt.lineno}: `{ast.unparse(stmt).splitlines()[0][:80]}` runs in the student's "
                            "kernel but no observe() needs it; a reference or expected value belongs in a "
                            f"{BEGIN_CHECKS} region")
    return tuple(problems)
