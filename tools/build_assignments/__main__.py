"""Write (or with ``--check`` compare) the assignment source notebooks and their releases."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from . import _release, load_builders, notebook

ROOT = Path(__file__).resolve().parents[2]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.build_assignments", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="compare instead of writing; exit 1 on a difference")
    parser.add_argument("ids", nargs="*", help="assignment ids (default: all)")
    args = parser.parse_args(argv)
    stale, chosen = [], [m for m in load_builders() if not args.ids or m.ID in args.ids]
    for module in chosen:
        text = nbformat.writes(notebook(module)) + "\n"
        source = ROOT / "solutions" / module.ID / f"{module.ID}.ipynb"
        if args.check:
            if not source.exists() or source.read_text(encoding="utf-8") != text:
                stale.append(str(source.relative_to(ROOT)))
            continue
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(text, encoding="utf-8")
        print(f"wrote {source.relative_to(ROOT)}")
    ids = [m.ID for m in chosen]
    # one release run for all: nbgrader and its gradebook are set up once
    if args.check:
        stale += _release.stale_releases(ROOT, ids)
    else:
        for path in _release.release_into(ROOT, ids, ROOT / "assignments"):
            print(f"released {path.relative_to(ROOT)}")
    if stale:
        print("stale (run `python -m tools.build_assignments`):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
