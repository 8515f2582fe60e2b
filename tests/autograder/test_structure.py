"""Is autograder's structure as visible as its protocol: no import cycles, and a module map that lists every
module?"""
from __future__ import annotations

import ast
from pathlib import Path

import autograder

PACKAGE = Path(autograder.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def _imports(name: str) -> set[str]:
    """autograder modules ``name`` imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "autograder":
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograder."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("autograder.")}
    return found & set(MODULES)


def test_no_module_of_autograder_imports_itself_back():
    graph = {m: _imports(m) for m in MODULES}
    cycles = []
    for start in MODULES:
        stack = [(start, (start,))]
        while stack:
            node, path = stack.pop()
            for dep in graph[node]:
                if dep == start:
                    cycles.append(" -> ".join((*path, start)))
                elif dep not in path:
                    stack.append((dep, (*path, dep)))
    assert not cycles, f"import cycles in autograder: {sorted(set(cycles))[:5]}"


def test_the_package_docstring_maps_every_module():
    doc = autograder.__doc__ or ""
    missing = [m for m in MODULES if m not in doc]
    assert not missing, f"autograder/__init__.py's module map does not mention {missing}"


def test_no_module_but_the_adapter_patches_nbgrader():
    patches = [m for m in MODULES if m != "nbgrader_adapter"
               and "get_alembic_version =" in (PACKAGE / f"{m}.py").read_text(encoding="utf-8")]
    assert not patches, f"nbgrader is patched outside autograder/nbgrader_adapter.py: {patches}"
