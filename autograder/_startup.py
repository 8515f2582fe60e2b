"""What the ``course`` command leaves out of its start-up.

Importing ``nbformat`` (and with it nbgrader) imports ``jsonschema``, whose optional checker for the ``iri``
and ``iri-reference`` string formats imports ``rfc3987_syntax``; that package compiles about 40 grammars when
imported, 1.9 s of CPU on every command (measured with ``python -X importtime`` on this project's machines).
No schema that nbformat or nbgrader validates against uses those formats, so the command blocks that one
import: ``jsonschema`` then lacks the IRI checker and nothing else changes. Student kernels never import this
module, so their environment is untouched.
"""
from __future__ import annotations

import sys

UNUSED = ("rfc3987_syntax",)


def skip_unused_imports() -> None:
    """Make ``import rfc3987_syntax`` fail fast (jsonschema catches the ImportError), unless already loaded."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)
