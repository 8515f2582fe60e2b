"""Does the ``course`` command skip the imports it never uses, and do notebooks still validate without them?"""
from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import autograder.cli
import nbformat
print('loaded', sys.modules.get('rfc3987_syntax') is not None)
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1')])
nbformat.validate(nb)
nb.cells[0]['cell_type'] = 'spreadsheet'
try:
    nbformat.validate(nb)
    print('invalid accepted')
except nbformat.ValidationError:
    print('invalid rejected')
"""


def test_the_course_command_does_not_compile_the_iri_grammars_and_still_validates_notebooks():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"the probe failed: {out.stderr[-2000:]}"
    assert out.stdout.split("\n")[:2] == ["loaded False", "invalid rejected"], \
        f"expected rfc3987_syntax not loaded and an invalid notebook rejected, got {out.stdout!r}"
