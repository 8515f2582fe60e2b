r"""Find English left behind in Russian text: runs of Latin-alphabet words outside code, math, names and API.

``latin_runs(text, allowed=ALLOWED, min_words=1)`` returns the offending runs, each the stretch of ``text`` from
its first to its last English word. A *run* is a sequence of Latin words with no Cyrillic letter between them;
these words do not count (they neither start a run nor count towards ``min_words``, but do not break one):

* anything inside inline code (`` `...` ``), fenced code blocks, math (``$...$``, ``$$...$$``, ``\(...\)``),
  HTML tags and entities, and URLs;
* a single letter or a two-letter token that is not an everyday word (a symbol: ``x``, ``P``, ``dx``, ``Wx``),
  and a token with a digit, an underscore or a dot inside
  (``x1``, ``L2``, ``f_min``, ``leaky_relu``, ``0.weight``, ``course_lib.plotting``): identifiers, not prose;
* a word in ``allowed`` (case-insensitive): names of people, methods and products, formula functions and
  abbreviations, ``ALLOWED`` by default; pass ``ALLOWED | {...}`` to add to it.

Inline math may continue on the next line of its paragraph (``$f(x) =`` / ``x^2$``), but not past a blank line.

Figures use ``min_words=1`` (no English word at all); a notebook's "no English left behind" check may use a
larger ``min_words`` so that a term quoted once in brackets, "прореживание (dropout)", passes but a
sentence does not. ``printed_runs`` scans what code printed (a stream or a ``text/plain`` result), where reprs,
Python literals and quoted API values are code too. Import from the tests: ``from no_english import latin_runs,
ALLOWED``.
"""
from __future__ import annotations

import re

# Names (people, methods, networks, software), formula functions, abbreviations and activation names that the
# Russian lectures themselves write in Latin letters. Lower case; everyday English words do not belong here.
ALLOWED = frozenset("""
    adam adagrad adadelta adamw rmsprop sgd nesterov nadam
    relu leaky prelu rrelu elu selu celu gelu silu swish mish softplus softsign softshrink hardshrink hardtanh
    tanhshrink tanh sigmoid softmax logsigmoid sin cos exp log ln max min argmax argmin sgn sup inf
    xor mlp mse mae bce nll ce cnn rnn gpu cpu flops macs gflops relu6
    rosenbrock xavier glorot kaiming he lecun cybenko hornik rumelhart hinton williams mcculloch pitts
    rosenblatt werbos bartsev okhonin minsky papert ioffe szegedy srivastava kingma ba
    resnet vgg googlenet alexnet lenet imagenet mnist cifar tensorflow keras pytorch torch numpy scipy
    matplotlib ipywidgets jupyter colab binder nbgrader python dartmouth maxout gmacs
""".split())

# Two-letter tokens are symbols (dx, Wx, lr) unless they are one of these everyday words.
SHORT_WORDS = frozenset("""
    am an as at be by do go he if in is it me my no of on or so to up us we
""".split())

_SKIPPED = re.compile(
    r"```.*?```|~~~.*?~~~"              # fenced code
    r"|`[^`\n]*`"                        # inline code
    r"|\$\$.*?\$\$"                      # display math
    r"|\$(?:[^$\n]|\n(?![ \t]*\n))*\$"   # inline math, possibly broken across the lines of a paragraph
    r"|\\\(.*?\\\)|\\\[.*?\\\]"
    r"|<[^<>\n]*>|&[a-zA-Z]+;|&#\d+;"    # HTML tags and entities
    r"|https?://\S+|www\.\S+",           # URLs
    re.DOTALL,
)
_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[.'’\-][A-Za-z0-9_]+)*")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def prose(text: str) -> str:
    """``text`` with code, math, HTML and URLs blanked out (replaced by spaces, so offsets stay the same)."""
    return _SKIPPED.sub(lambda m: " " * len(m.group(0)), text)


def is_english_word(token: str, allowed=ALLOWED) -> bool:
    """Whether ``token`` (a match of the token pattern) reads as an English word rather than a name, symbol
    or identifier."""
    if not re.search(r"[A-Za-z]", token) or re.search(r"[0-9_.]", token):
        return False
    if token.lower() in allowed:
        return False
    if len(token) == 1 or (len(token) == 2 and token.lower() not in SHORT_WORDS):
        return False
    # a hyphenated name ("Leaky-ReLU") passes if every part is allowed
    parts = re.split(r"[-'’]", token)
    return not all(len(p) <= 1 or p.lower() in allowed for p in parts)


def latin_runs(text: str, allowed=ALLOWED, min_words: int = 1) -> list:
    """The runs of at least ``min_words`` English words in ``text`` (see the module docstring); ``[]`` if none."""
    if min_words < 1:
        raise ValueError(f"latin_runs: min_words must be at least 1, got {min_words}")
    text = str(text)
    clean = prose(text)
    runs, current, last_end = [], [], 0
    for m in _TOKEN.finditer(clean):
        if not is_english_word(m.group(0), allowed):
            continue
        if current and _CYRILLIC.search(clean, last_end, m.start()):
            current = _close(current, runs, text, min_words)
        current.append(m)
        last_end = m.end()
    _close(current, runs, text, min_words)
    return runs


def _close(current, runs, text, min_words):
    if len(current) >= min_words:
        runs.append(text[current[0].start():current[-1].end()])
    return []


# What a printout shows that is code, not English: a call or repr with its arguments, ``Linear(4→3)``,
# ``array([1, 1])``, ``PReLU(alpha=0.25)`` (to the end of the line when a long repr is cut short with "…"), a
# Python or numpy literal, a Latin-only quoted string (a dict key, an API value: 'relu', «step»), a word in
# capitals (AND, XOR: a name or a constant) and a CamelCase one (BuggyTanh: a class). A word is matched whole,
# not as part of a dotted name (layers.Maxout stays one identifier).
_CALL = re.compile(r"\b[A-Za-z_][\w.]*\(")
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|«[^»\n]*»")
_CODE_WORDS = [r"True|False|None|nan|NaN|inf", r"[A-Z]{2,}", r"[A-Z]?[a-z]+(?:[A-Z][a-z0-9]*)+"]


def _whole_word(pattern: str):
    return re.compile(rf"(?<![\w.])(?:{pattern})(?![\w.])")


def _blank_calls(text: str) -> str:
    out, pos = [], 0
    for m in _CALL.finditer(text):
        if m.start() < pos:                    # inside a call already blanked
            continue
        depth, end = 0, m.end() - 1
        while end < len(text) and text[end] != "\n":
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
            if depth == 0:
                break
        out += [text[pos:m.start()], " " * (end - m.start())]
        pos = end
    return "".join(out) + text[pos:]


def printed_runs(text: str, allowed=ALLOWED, names=(), min_words: int = 1) -> list:
    """``latin_runs`` for text that code printed: reprs and calls, literals (``True``, ``nan``), Latin-only
    quoted strings, acronyms in capitals and CamelCase identifiers are code, and so is each word of ``names``
    (case-sensitive: class names such as ``Value``, which in lower case would be English). The runs are cut
    from the blanked text, their white space collapsed."""
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    text = _blank_calls(str(text))
    text = _QUOTED.sub(lambda m: m.group(0) if _CYRILLIC.search(m.group(0)) else blank(m), text)
    for pattern in (*_CODE_WORDS, *map(re.escape, names)):
        text = _whole_word(pattern).sub(blank, text)
    return [" ".join(run.split()) for run in latin_runs(text, allowed, min_words)]


def figure_texts(fig) -> list:
    """Every non-empty string a matplotlib figure shows: titles, axis and tick labels, legends, annotations.

    Draws the figure first (tick labels exist only after a draw)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def widget_texts(widget) -> list:
    """Every string an ipywidgets tree shows: descriptions, tooltips, option labels, Label/HTML values and
    button texts, walking ``children`` (ipywidgets 7.7 and 8)."""
    import ipywidgets as W

    out, stack = [], [widget]
    while stack:
        w = stack.pop()
        for attr in ("description", "tooltip", "placeholder"):
            value = getattr(w, attr, None)
            if isinstance(value, str) and value.strip():
                out.append(value)
        if hasattr(w, "_options_labels"):
            out.extend(str(o) for o in w._options_labels)
        if isinstance(w, (W.Label, W.HTML, W.HTMLMath)) and w.value.strip():
            out.append(w.value)
        stack.extend(getattr(w, "children", ()))
    return out
