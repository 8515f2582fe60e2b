"""Reading notebook code as source, never running it: cell text, IPython syntax, top-level bindings, own code.

``own_code(name)`` in a test cell asks: is the graded name the student's own work? The verifier answers from the
submission's source with :func:`defines_own`: the last top-level binding of the name must be a ``def``/``class``
of the notebook — or a wrapper of one, as students write them (``f = debug(f)``, ``f = np.vectorize(f)``,
``f = functools.partial(g, 1)``, an alias ``f = g``, a decorator): the wrapped function must itself be the
notebook's own. A name whose underlying code comes from an import (``f = np.tanh``, ``f = debug(lib.f)``) is not.
Delegation from inside a ``def`` to a forbidden module is stopped by the sandbox, which does not contain it.
"""
from __future__ import annotations

import ast
import functools


def cell_text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


@functools.lru_cache(maxsize=4096)  # the source's test cells are the same for every student of a class
def to_python(source: str) -> str:
    """IPython cell syntax (magics, ``!cmd``) as plain Python, for parsing only."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # an unparsable cell is the student's problem, handled by the caller
        return source


def parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(to_python(source))
    except (SyntaxError, ValueError, RecursionError):
        return None


def top_level(tree: ast.Module):
    """Statements executed at module level, descending into if/try/with/for but not into def/class bodies."""
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            children = list(node.body) + list(getattr(node, "orelse", []))
            children += list(getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                children += handler.body
            stack.extend(reversed(children))


def bindings(node) -> list[tuple[str, str]]:
    """(name, how) pairs a top-level statement binds: how is 'def', 'import' or 'assign'."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [(node.name, "def")]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [((a.asname or a.name).split(".")[0], "import") for a in node.names]
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.With)):
        targets = [node.target] if isinstance(node, ast.For) else [i.optional_vars for i in node.items]
    out = []
    for target in targets:
        for sub in ast.walk(target) if target is not None else ():
            if isinstance(sub, ast.Name):
                out.append((sub.id, "assign"))
    return out


def defined_names(sources: list[str]) -> set[str]:
    """Every name bound at top level by these cells (the student-defined names of a source notebook)."""
    names = set()
    for source in sources:
        tree = parse(source)
        for node in top_level(tree) if tree is not None else ():
            names.update(name for name, _ in bindings(node))
    return names


def _wrapped(value, state: dict[str, str | bool]) -> bool | str:
    """Is this assigned expression the notebook's own code, or a wrapper of it? True, or what it is instead."""
    if isinstance(value, ast.Name):
        verdict = state.get(value.id)
        return True if verdict is True else f"an alias of {value.id}, which {verdict or 'is not defined here'}"
    if isinstance(value, ast.Lambda):
        return True
    if isinstance(value, ast.Call):
        args = list(value.args) + [k.value for k in value.keywords]
        for arg in args:  # debug(f), np.vectorize(f), partial(f, 1), wraps(f)(g), debug(debug(f))
            if _wrapped(arg, state) is True:
                return True
        if isinstance(value.func, ast.Call) and _wrapped(value.func, state) is True:
            return True
        what = ast.unparse(value)[:60]
        return f"a call {what} that wraps no function of the notebook's own"
    return f"an expression {ast.unparse(value)[:60]} that is not a function of the notebook's own"


def _dynamic_binding(tree: ast.Module) -> str | None:
    """A statement that binds names the source cannot show (``globals()[k] = v``, ``globals().update(...)``,
    ``exec(...)``): after it, no name can be traced to its ``def``."""
    scopes = {"globals", "vars", "locals"}

    def scope_call(node) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in scopes

    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Subscript) and scope_call(t.value) for t in targets):
                return ast.unparse(node)[:80]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and scope_call(node.func.value) \
                and node.func.attr in ("update", "setdefault", "__setitem__"):
            return ast.unparse(node)[:80]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "exec":
            return ast.unparse(node)[:80]
    return None


def defines_own(sources: list[str], name: str):
    """``True`` if ``name``'s last top-level binding is the notebook's own ``def``/``class`` or a wrapper of one;
    else the reason, naming what the name is bound to."""
    state: dict[str, str | bool] = {}  # name -> True (own) or a description of what it is bound to
    for source in sources:
        tree = parse(source)
        dynamic = _dynamic_binding(tree) if tree is not None else None
        if dynamic is not None:
            return (f"{name} cannot be traced to its def: the notebook binds names dynamically (`{dynamic}`); "
                    "define graded functions with def and plain assignments")
        for node in top_level(tree) if tree is not None else ():
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                verdict = _wrapped(node.value, state)
                state[node.targets[0].id] = True if verdict is True else f"is bound to {verdict}"
                continue
            for bound, how in bindings(node):
                if how == "def":
                    state[bound] = True
                elif how == "import":
                    state[bound] = f"is bound by an import (`{ast.unparse(node)[:80]}`)"
                else:
                    state[bound] = f"is bound by an assignment (`{ast.unparse(node).splitlines()[0][:80]}`)"
    verdict = state.get(name)
    if verdict is True:
        return True
    if verdict is None:
        return f"{name} is not defined by a def or class in the notebook"
    return f"{name} {verdict}, not by its own def/class: write it yourself in this notebook"
