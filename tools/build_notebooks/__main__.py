"""Regenerate (or, with ``--check``, compare) the lecture notebooks from their builders."""
import argparse
import sys

import nbformat

from . import _common, load_builders


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.build_notebooks", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args(argv)
    stale = []
    for module in load_builders():
        if args.check:
            built = nbformat.writes(_common.build(module.FILENAME, module.TITLE, module.cells()))
            path = _common.NOTEBOOK_DIR / module.FILENAME
            on_disk = path.read_text(encoding="utf-8") if path.exists() else ""
            if built.strip() != on_disk.strip():
                stale.append(module.FILENAME)
        else:
            print(_common.write_notebook(module.FILENAME, module.TITLE, module.cells()))
    if stale:
        print("stale notebooks (run `python -m tools.build_notebooks`):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
