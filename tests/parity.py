"""Parity of two editions of a notebook (English and Russian): the helpers both editions' tests share.

``cell_kinds`` — (kind, tags, other metadata) of each cell, to compare cell by cell; ``code_skeleton`` — a code
cell's tokens without comments and string literals (code parity); ``first_difference`` — where two code cells
part; ``russian_prose`` — a Russian markdown cell as ``no_english.latin_runs`` should scan it. Used by
tests/notebooks/test_russian_edition.py (lectures) and tests/assignments/test_russian_assignments.py.
Import from the tests: ``from parity import code_skeleton, ...``.
"""
from __future__ import annotations

import io
import re
import tokenize

# ---- code parity ------------------------------------------------------------------------------------------

_MAGIC = re.compile(r"^(?P<indent>\s*)(?P<magic>[%!].*)$")


def code_skeleton(source: str) -> list[tuple[str, str]]:
    """The tokens of a code cell with comments, line breaks and the text of string literals dropped.

    Adjacent literals count as one string (a long Russian message may be split in two); an f-string is one
    string, whatever its replacement fields; a ``%magic`` or ``!shell`` line is one token, its text without a
    trailing comment."""
    magics, lines = [], []
    for line in source.splitlines():
        m = _MAGIC.match(line)
        if m:
            lines.append(f"{m['indent']}__ipython_magic_{len(magics)}__")
            magics.append(re.sub(r"\s+#.*$", "", m["magic"]).strip())
        else:
            lines.append(line)
    out, fstring_depth = [], 0
    for tok in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
        kind = tokenize.tok_name[tok.type]
        if kind == "FSTRING_START":           # Python >= 3.12 splits f-strings into parts
            fstring_depth += 1
            continue
        if kind == "FSTRING_END":
            fstring_depth -= 1
            kind = "STRING" if fstring_depth == 0 else None
        if fstring_depth or kind is None or kind in ("COMMENT", "NL", "NEWLINE", "ENCODING", "ENDMARKER"):
            continue
        if kind == "STRING":
            if out and out[-1] == ("STRING", ""):
                continue
            out.append(("STRING", ""))
        elif kind == "NAME" and tok.string.startswith("__ipython_magic_"):
            out.append(("MAGIC", magics[int(tok.string.split("_")[-3])]))
        else:
            out.append((kind, tok.string))
    return out


def first_difference(english: str, russian: str) -> str:
    a, b = code_skeleton(english), code_skeleton(russian)
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"token {i}: English {a[i][1] if i < len(a) else 'end'!r}, Russian {b[i][1] if i < len(b) else 'end'!r}"


def cell_kinds(nb) -> list[tuple[str, tuple, str]]:
    """(kind, tags, the rest of the metadata) of each cell."""
    return [(c.cell_type, tuple(c.metadata.get("tags", [])),
             repr(sorted((k, v) for k, v in c.metadata.items() if k != "tags"))) for c in nb.cells]


# ---- prose -------------------------------------------------------------------------------------------------

_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\s]*\)")
# A quoted or italic span with no Cyrillic letter is a title or a name ("Learning representations by ...",
# *Deep Learning*), which the reading lists cite as published.
_LATIN_TITLE = re.compile(r'"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|\*[^*\n]+\*')


def russian_prose(source: str) -> str:
    """A Russian markdown cell as ``latin_runs`` should scan it: images (badges) and Latin-only titles blanked."""
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    source = _IMAGE.sub(blank, source)
    return _LATIN_TITLE.sub(lambda m: m.group(0) if re.search("[А-Яа-яЁё]", m.group(0)) else blank(m), source)
