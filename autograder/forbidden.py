"""Forbidden modules: what an assignment declares, and a ``course_lib`` without them for the student's sandbox.

Each source notebook lists the ``course_lib`` modules that implement what it grades, in its metadata::

    "nn_course": {"forbidden_modules": ["course_lib.activations", "course_lib.layers"]}

An entry may also name one class or function of a module (``course_lib.regularisation.Dropout``) when the module
itself must stay importable: in the copy that definition is cut out of the module's source and replaced by a
stub that raises when it is called, so the module (and every module importing it) still imports.

The sandbox then binds a copy of ``course_lib`` over the real one in which each forbidden module — and each
module that imports one, since it would hand the forbidden code over — is a stub that raises ``ImportError``
naming the module. Nothing in the kernel can switch this off: the code is simply not there, whether it is asked
for by ``import``, ``importlib`` or ``__import__`` with a computed name. A graded function that needs such a
module raises while it is observed, and its task scores zero with that message as the reason. Modules the
assignment allows stay importable.

The stub's message is in the assignment's language (metadata ``nn_course.language``, passed in as
``language``): it is the one sentence of the sandbox a student reads, as the reason their task scored zero.
Each language's message contains its :data:`STUB_MARKERS` entry, by which the grader recognises a refusal
(:func:`is_refusal`) whatever the language.
"""
from __future__ import annotations

import ast
import atexit
import functools
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from course_lib.language import check_language

METADATA_KEY = "nn_course"
# by language: the words every refusal of a stub contains, and the whole message around them
STUB_MARKERS = {"en": "is forbidden in this assignment", "ru": "запрещён в этом задании"}
_REFUSALS = {
    "en": ("{name}{why} is forbidden in this assignment: the graded functions must not use it; write the code "
           "yourself", " (it imports {because})", "Not available: {name} is forbidden in this assignment."),
    "ru": ("{name}{why} запрещён в этом задании: проверяемые функции не должны им пользоваться — напишите код "
           "сами", " (он импортирует {because})", "Недоступен: {name} запрещён в этом задании."),
}
_PREFIX = "nn-course-lib-"


def declared(source_nb) -> tuple[str, ...]:
    """The forbidden modules a source notebook declares (sorted); a malformed list is a course error."""
    meta = source_nb.get("metadata", {}).get(METADATA_KEY, {}) or {}
    names = meta.get("forbidden_modules", []) if isinstance(meta, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"notebook metadata {METADATA_KEY}.forbidden_modules must be a list of module names, "
                         f"got {names!r}")
    known = set(course_modules())
    for name in names:
        module, _, attr = name.rpartition(".")
        if name not in known and not (module in known and attr in _definitions(module)):
            raise ValueError(f"forbidden module {name!r} is neither a module of course_lib nor a class or function "
                             f"defined in one; modules: {sorted(known)}")
    return tuple(sorted(set(names)))


def _definitions(module: str) -> dict[str, ast.stmt]:
    """Top-level classes and functions of a course_lib module, by name."""
    tree = ast.parse(course_modules()[module].read_text(encoding="utf-8"))
    return {n.name: n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}


def _package_dir() -> Path:
    import course_lib

    return Path(next(iter(course_lib.__path__))).resolve()


@functools.lru_cache(maxsize=1)
def course_modules() -> dict[str, Path]:
    """``course_lib.x`` -> its file (a package maps to its ``__init__.py``)."""
    root = _package_dir()
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            out[".".join(("course_lib", *parts))] = path
    return out


def _at_import(tree):
    """Nodes that run when the module is imported: function bodies (a lazy import) are skipped."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _imports(name: str, path: Path) -> set[str]:
    """The course_lib modules a module imports when it is imported (static; lazy imports inside functions
    fail only when that function is called, with the stub's message)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _at_import(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m.startswith("course_lib.")}


def closure(forbidden: tuple[str, ...]) -> dict[str, str]:
    """Every module to remove -> the forbidden module it is (or imports, directly or not)."""
    modules = course_modules()
    deps = {name: _imports(name, path) for name, path in modules.items()}
    removed = {}
    for name in (f for f in forbidden if f in modules):
        removed[name] = name
        for sub in modules:
            if sub.startswith(name + "."):
                removed[sub] = name
    changed = True
    while changed:
        changed = False
        for name, uses in deps.items():
            if name in removed:
                continue
            hit = next((removed[u] for u in sorted(uses) if u in removed), None)
            if hit is not None:
                removed[name], changed = hit, True
    return removed


def refusal(name: str, language: str = "en", because: str | None = None) -> str:
    """The ImportError message of the stub of ``name`` in ``language``; ``because`` names the forbidden module
    a removed module imports (None when ``name`` is itself forbidden)."""
    message, imports, _ = _REFUSALS[check_language(language)]
    why = "" if because in (None, name) else imports.format(because=because)
    return message.format(name=name, why=why)


def is_refusal(text: str) -> bool:
    """Whether ``text`` (an error's message) is a stub's refusal, in any language."""
    return any(marker in text for marker in STUB_MARKERS.values())


def _stub(module: str, because: str, language: str) -> str:
    doc = _REFUSALS[language][2].format(name=because)
    message = refusal(module, language, because)
    return f'"""{doc}"""\nraise ImportError({message!r}, name={module!r})\n'


@functools.lru_cache(maxsize=8)
def restricted_copy(forbidden: tuple[str, ...], language: str = "en") -> Path | None:
    """A folder holding ``course_lib`` with the forbidden modules stubbed out, their messages in ``language``;
    None when nothing is forbidden. Made once per process, set of modules and language; removed at exit
    (:func:`remove_copies`)."""
    if not forbidden:
        return None
    language = check_language(language)
    removed = closure(forbidden)
    tag = hashlib.sha256("\n".join([language, *forbidden]).encode()).hexdigest()[:10]
    top = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-{tag}-"))
    target = top / "course_lib"
    shutil.copytree(_package_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name, because in removed.items():
        path = target / course_modules()[name].relative_to(_package_dir())
        path.write_text(_stub(name, because, language), encoding="utf-8")
    for entry in forbidden:
        module, _, attr = entry.rpartition(".")
        if entry not in removed and module not in removed:
            path = target / course_modules()[module].relative_to(_package_dir())
            path.write_text(_without_definition(path.read_text(encoding="utf-8"), module, attr, language),
                            encoding="utf-8")
    return target


def _without_definition(text: str, module: str, attr: str, language: str = "en") -> str:
    """``text`` with the top-level class or function ``attr`` cut out (decorators included) and a stub in its
    place that raises, naming it (in ``language``), when it is called."""
    node = next(n for n in ast.parse(text).body
                if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == attr)
    lines = text.splitlines(keepends=True)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    message = refusal(f"{module}.{attr}", language)
    doc = _REFUSALS[language][2].format(name=f"{module}.{attr}")
    if isinstance(node, ast.ClassDef):
        stub = (f"class {attr}:\n    \"\"\"{doc}\"\"\"\n\n"
                f"    def __init__(self, *args, **kwargs):\n        raise ImportError({message!r})\n")
    else:
        stub = f"def {attr}(*args, **kwargs):\n    raise ImportError({message!r})\n"
    return "".join(lines[:first]) + stub + "".join(lines[node.end_lineno:])


def remove_copies() -> None:
    """Remove this process's copies, and any left by a grader that died without cleaning up."""
    restricted_copy.cache_clear()
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        pid = folder.name[len(_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


atexit.register(remove_copies)
