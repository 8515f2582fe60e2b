"""Another language's edition of an assignment: the English builder's cells with their words replaced.

A translation file ``tools/build_assignments/<lang>/<id>.toml`` turns the builder of assignment ``<id>`` into
the builder of ``<id>_<lang>`` (``05_regularisation`` -> ``05_regularisation_ru``): the same cells in the same
order with the same nbgrader metadata and points, and the same code; only words change:

* ``title`` — the notebook's title;
* ``[[markdown]]`` — one entry per markdown cell of the English notebook, in order: ``sha`` fingerprints the
  English text it translates (:func:`fingerprint`), ``starts`` quotes its first line for the reader, ``ru``
  (the language code) is the translation. An English cell that changed no longer matches its ``sha``, and the
  build fails naming the cell, its new text and its new fingerprint: nothing is silently left stale;
* ``[code]`` — string literals and comments of code cells, English body -> translated body. A body is what
  stands between the quotes (prefix and quotes are kept: ``f"…{x:.3f}…"`` stays an f-string) or after ``# ``.
  Equal English literals get equal translations everywhere, so the code compares the same strings as before.
  An entry no code cell uses fails the build (stale), so the catalogue cannot drift either.

The code of the edition is therefore the English code after removing comments and strings — the parity the
lectures keep (tests/assignments/test_russian_assignments.py checks it). Running
``python -m tools.build_assignments.translation <id> <lang>`` prints a skeleton file to translate.
"""
from __future__ import annotations

import ast
import hashlib
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat
import tomllib

from course_lib.language import check_language

HERE = Path(__file__).parent
_STRING = re.compile(r"^(?P<prefix>[rRbBuUfF]*)(?P<quote>'''|\"\"\"|'|\")(?P<body>.*)(?P=quote)$", re.DOTALL)


class TranslationError(ValueError):
    """The translation file does not fit the English notebook (stale, missing or malformed)."""


def fingerprint(text: str) -> str:
    """The first 10 hex digits of the SHA-256 of an English markdown cell's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def translation_path(base_id: str, lang: str) -> Path:
    return HERE / lang / f"{base_id}.toml"


def editions(base_ids) -> list[tuple[str, str]]:
    """``(base_id, lang)`` of every translation file of a known assignment, sorted."""
    return sorted((p.stem, p.parent.name) for p in HERE.glob("*/*.toml") if p.stem in base_ids)


@dataclass
class Edition:
    """A builder (``ID``, ``TITLE``, ``FORBIDDEN``, ``LANGUAGE``, ``cells()``) of a translated assignment."""

    base: object  # the English builder module
    LANGUAGE: str
    path: Path | None = None  # the translation file; default translation_path(base.ID, LANGUAGE)

    def __post_init__(self):
        check_language(self.LANGUAGE)
        self.path = Path(self.path or translation_path(self.base.ID, self.LANGUAGE))
        try:
            self.spec = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise TranslationError(f"{self.path}: not valid TOML ({exc})") from exc
        self.ID = f"{self.base.ID}_{self.LANGUAGE}"
        self.BASE_ID = self.base.ID
        self.TITLE = self.spec.get("title") or self._fail("no `title`")
        self.FORBIDDEN = self.base.FORBIDDEN
        self.HELD_OUT = getattr(self.base, "HELD_OUT", None)

    def _fail(self, what: str):
        raise TranslationError(f"{self.path}: {what}")

    def cells(self) -> list:
        """The English cells (lists flattened as the builder gives them), translated in place of copies."""
        english = self.base.cells()
        out, markdown = [], list(self.spec.get("markdown", []))
        strings = dict(self.spec.get("code", {}))
        used, index = set(), 0
        for item in english:
            group = item if isinstance(item, list) else [item]
            translated = []
            for cell in group:
                cell = nbformat.from_dict(cell)  # a copy: the English builder's cells stay English
                if cell.cell_type == "markdown":
                    cell.source = self._markdown(cell.source, markdown, index)
                    index += 1
                elif "colab-setup" not in cell.metadata.get("tags", []):
                    cell.source = translate_code(cell.source, strings, used)
                translated.append(cell)
            out.append(translated if isinstance(item, list) else translated[0])
        if index != len(markdown):
            self._fail(f"{len(markdown)} [[markdown]] entries for {index} English markdown cells; remove the "
                       f"entries after the {index}th")
        stale = sorted(set(strings) - used)
        if stale:
            self._fail(f"[code] entries that no code cell uses any more (the English changed?): {stale}")
        return out

    def _markdown(self, english: str, entries: list, i: int) -> str:
        sha, first = fingerprint(english), english.splitlines()[0] if english else ""
        if i >= len(entries):
            self._fail(f"markdown cell {i} (starts {first!r}) has no [[markdown]] entry; add one with "
                       f"sha = {sha!r}, translating:\n{english}")
        entry = entries[i]
        if entry.get("sha") != sha:
            self._fail(f"[[markdown]] entry {i} (starts {entry.get('starts', '?')!r}) translates an older text: the "
                       f"English cell {i} now reads (sha = {sha!r}):\n{english}")
        text = entry.get(self.LANGUAGE, "")
        if not text.strip():
            self._fail(f"[[markdown]] entry {i} (starts {first!r}) has no `{self.LANGUAGE}` text")
        return text.strip("\n")


def translate_code(source: str, strings: dict, used: set) -> str:
    """``source`` with every string literal and comment whose body is a key of ``strings`` replaced."""
    edits = []  # (start, end, text) as character offsets into source
    offsets = _line_offsets(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source  # magics etc.: left as they are (a parity test still compares the code)
    lines = source.splitlines(keepends=True)
    for node in string_nodes(tree):
        start = offsets[node.lineno - 1] + _char_col(lines[node.lineno - 1], node.col_offset)
        end = offsets[node.end_lineno - 1] + _char_col(lines[node.end_lineno - 1], node.end_col_offset)
        m = _STRING.match(source[start:end])
        if m and m["body"] in strings:
            used.add(m["body"])
            edits.append((start, end, m["prefix"] + m["quote"] + strings[m["body"]] + m["quote"]))
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and tok.string.startswith("# ") and tok.string[2:] in strings:
            used.add(tok.string[2:])
            start = offsets[tok.start[0] - 1] + tok.start[1]
            edits.append((start, start + len(tok.string), "# " + strings[tok.string[2:]]))
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    return source


def string_nodes(tree):
    """String literals and f-strings of a parsed cell, not the parts inside an f-string."""
    inner = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inner.update(id(n) for n in ast.walk(node) if n is not node)
    return [n for n in ast.walk(tree) if id(n) not in inner and (
        isinstance(n, ast.JoinedStr) or (isinstance(n, ast.Constant) and isinstance(n.value, str)))]


def texts(source: str) -> list[str]:
    """The bodies of a code cell's string literals and comments, in order: what a translation replaces (and
    what a test scans for words left untranslated). A cell that does not parse (a magic) has none."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in string_nodes(tree):
        m = _STRING.match(ast.get_source_segment(source, node) or "")
        if m:
            found.append(m["body"])
    found += [tok.string[2:] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
              if tok.type == tokenize.COMMENT and tok.string.startswith("# ")]
    return found


def _line_offsets(source: str) -> list[int]:
    offsets, total = [], 0
    for line in source.splitlines(keepends=True) + [""]:
        offsets.append(total)
        total += len(line)
    return offsets


def _char_col(line: str, byte_col: int) -> int:
    """ast counts columns in UTF-8 bytes; strings are indexed by characters."""
    return len(line.encode("utf-8")[:byte_col].decode("utf-8"))


def skeleton(base, lang: str) -> str:
    """A translation file to fill in: every English markdown cell with its fingerprint, every string literal
    and comment of the code cells (delete the entries that need no translation: names, dtypes, keys)."""
    check_language(lang)
    lines = [f"# {lang} edition of assignment {base.ID}: see tools/build_assignments/translation.py",
             f"title = {_toml(base.TITLE)}", ""]
    bodies = []
    for item in base.cells():
        for cell in item if isinstance(item, list) else [item]:
            if cell.cell_type == "markdown":
                first = cell.source.splitlines()[0] if cell.source else ""
                lines += ["[[markdown]]", f"sha = {_toml(fingerprint(cell.source))}", f"starts = {_toml(first)}",
                          f"{lang} = {_toml_block(cell.source)}", ""]
            else:
                for body in texts(cell.source):  # one key per body, a repeat within one cell too (TOML)
                    if body not in bodies:
                        bodies.append(body)
    lines.append("[code]")
    lines += [f"{_toml(b)} = {_toml(b)}" for b in bodies]
    return "\n".join(lines) + "\n"


def _toml_block(text: str) -> str:
    """A multi-line TOML string holding ``text``: a literal one (backslashes of LaTeX as they are) unless the
    text has three single quotes, which would end it; then a basic one, backslashes and quotes escaped."""
    if "'''" not in text:
        return "'''\n" + text + "\n'''"
    return '"""\n' + text.replace("\\", "\\\\").replace('"', '\\"') + '\n"""'


def _toml(text: str) -> str:
    if "'" not in text and "\n" not in text:
        return f"'{text}'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":
    import importlib

    from tools.build_assignments import BUILDERS

    if len(sys.argv) != 3:
        sys.exit("usage: python -m tools.build_assignments.translation ASSIGNMENT_ID LANG > FILE.toml")
    module = next((importlib.import_module(f"tools.build_assignments.{n}") for n in BUILDERS
                   if importlib.import_module(f"tools.build_assignments.{n}").ID == sys.argv[1]), None)
    if module is None:
        sys.exit(f"unknown assignment {sys.argv[1]!r}")
    sys.stdout.write(skeleton(module, sys.argv[2]))
