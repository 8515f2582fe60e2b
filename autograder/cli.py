"""``course``: the instructor's command line (and the student's ``course check``).

Each subcommand is one step, implemented in its own module, idempotent, and ends with a one-paragraph summary::

    course roster import roster.csv        # students into nbgrader's gradebook        (roster.py)
    course release [A ...] [--check]       # assignments/ from solutions/, leak-checked (release.py)
    course collect A downloads.zip         # submitted/<student>/A/…                    (collect.py)
    course grade A [--workers N] [--force] # parallel, crash-safe autograding           (grade_class.py)
    course grade A --cluster ADDRESS       # the same on a Dask cluster                 (cluster.py)
    course feedback A                      # feedback/<student>/A/*.html, no hidden tests (feedback.py)
    course export [--out grades.csv]       # one row per student and assignment        (export.py)
    course export --format canvas|moodle   # the same grades as the LMS imports them    (lms.py)
    course check notebook.ipynb            # a student's self-check of visible tests    (selfcheck.py)
    course demo                            # all of the above on the bundled sample class (demo.py)

``--course DIR`` (default: the current folder, or ``$COURSE_ROOT``) picks the course; ``--db URL`` (or
``$COURSE_DB_URL``) a gradebook other than ``<course>/gradebook.db``, e.g. PostgreSQL.
Exit status: 0 done, 1 the step ran but something failed (a grading error, a failing self-check), 2 bad input.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder._startup import skip_unused_imports
from autograder.course import Course

skip_unused_imports()


def _course(args) -> Course:
    root = Path(args.course or os.environ.get("COURSE_ROOT") or Path.cwd())
    if not root.is_dir():
        raise FileNotFoundError(f"course folder {root} does not exist: pass --course DIR")
    return Course(root, db_url=args.db or os.environ.get("COURSE_DB_URL") or None)


def cmd_roster(args) -> int:
    from autograder.roster import gradebook_students, import_roster

    course = _course(args)
    if args.action == "import":
        print(import_roster(course, Path(args.csv)))
    else:
        for s in gradebook_students(course):
            print(f"{s.id}\t{s.first} {s.last}\t{s.email}")
    return 0


def cmd_release(args) -> int:
    from autograder.release import release

    for summary in release(_course(args), args.assignments or None, check_only=args.check):
        print(summary if not args.check else f"{summary.assignment}: the committed release is up to date")
    return 0


def cmd_collect(args) -> int:
    from autograder.collect import collect

    print(collect(_course(args), args.assignment, Path(args.source)))
    return 0


def cmd_grade(args) -> int:
    from autograder.grade_class import GRADER, grade_class

    limits = None
    if args.timeout or args.memory_mb:
        from autograder.grade_submission import Limits

        given = {"timeout_s": args.timeout, "memory_mb": args.memory_mb}
        limits = Limits(**{k: v for k, v in given.items() if v})
    summary = grade_class(_course(args), args.assignment, args.student or None, workers=args.workers,
                          force=args.force, seed=args.seed, limits=limits, grader=args.grader or GRADER,
                          cluster=args.cluster, progress="bar" if sys.stdout.isatty() else print)
    print(summary)
    return 1 if summary.errors else 0


def cmd_feedback(args) -> int:
    from autograder.feedback import generate_feedback

    print(generate_feedback(_course(args), args.assignment, args.student or None))
    return 0


def cmd_export(args) -> int:
    from autograder.export import export, grade_rows, grade_table

    course = _course(args)
    if args.format == "csv":
        print(export(course, Path(args.out or "grades.csv"), args.assignment or None))
    else:
        from autograder.lms import lms_file, parse_assignment_ids

        out = Path(args.out or f"{args.format}-grades.csv")
        table = lms_file(args.format, grade_rows(course, args.assignment or None),
                         assignment_ids=parse_assignment_ids(args.canvas_assignment), login=args.canvas_login,
                         match=args.moodle_match)
        out.write_text(table.text, encoding="utf-8")
        print(table.summary(args.format, out))
    if args.table:
        print(grade_table(grade_rows(course, args.assignment or None)))
    return 0


def cmd_check(args) -> int:
    from autograder.selfcheck import main

    return main([args.notebook, "--timeout", str(args.timeout)])


def cmd_demo(args) -> int:
    from autograder.demo import run_demo

    run_demo(workdir=Path(args.keep) if args.keep else None, workers=args.workers,
             db_url=args.db or os.environ.get("COURSE_DB_URL") or None, language=args.language,
             assignment=args.assignment)
    return 0


def cmd_setup(args) -> int:
    from autograder.jupyter_mode import main

    return main([args.mode])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", help="the course folder (default: $COURSE_ROOT or the current folder)")
    parser.add_argument("--db", help="gradebook database URL (default: sqlite:///<course>/gradebook.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("roster", help="import the class roster (CSV: id, first, last, email) or list it")
    p.add_argument("action", choices=("import", "list"))
    p.add_argument("csv", nargs="?", help="the roster CSV (for import)")
    p.set_defaults(func=cmd_roster)

    p = sub.add_parser("release", help="generate assignments/ from solutions/ (deterministic, leak-checked)")
    p.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--check", action="store_true", help="only verify the committed release is up to date")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("collect", help="copy submissions from a folder or an LMS zip into submitted/")
    p.add_argument("assignment")
    p.add_argument("source", help="a folder of per-student folders or files, or an LMS zip")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("grade", help="autograde the class (or --student) in parallel; resumes after a crash")
    p.add_argument("assignment")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 1)), help="worker processes")
    p.add_argument("--force", action="store_true", help="regrade students whose result is recorded")
    p.add_argument("--seed", type=int, help="grading seed for the hidden inputs (default: fresh per run)")
    p.add_argument("--timeout", type=float, help="seconds allowed per submission")
    p.add_argument("--memory-mb", type=int, help="memory limit per submission")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="grade on the Dask cluster whose scheduler is at ADDRESS, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--grader", help=argparse.SUPPRESS)  # module:function, for tests and other graders
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("feedback", help="write feedback HTML (hidden tests removed and checked)")
    p.add_argument("assignment")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="write the grade CSV: one row per student and assignment")
    p.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    p.add_argument("--format", choices=("csv", "canvas", "moodle"), default="csv",
                   help="csv: the course's own table; canvas / moodle: the CSV that LMS imports")
    p.add_argument("--out", help="the CSV to write (default grades.csv, canvas-grades.csv or moodle-grades.csv)")
    p.add_argument("--canvas-assignment", action="append", metavar="A=ID",
                   help="update the existing Canvas assignment ID with assignment A's grades (repeatable)")
    p.add_argument("--canvas-login", choices=("id", "email"), default="id",
                   help="what goes in Canvas's SIS Login ID column: the roster id (default) or email")
    p.add_argument("--moodle-match", choices=("email", "idnumber"), default="email",
                   help="the column Moodle maps users by: email address (default) or ID number (the roster id)")
    p.add_argument("--table", action="store_true", help="also print the grade table")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("check", help="student self-check: run a notebook's visible tests")
    p.add_argument("notebook")
    p.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("demo", help="run the whole pipeline on the bundled sample class")
    p.add_argument("--keep", metavar="DIR", help="build the demo course in DIR and keep it")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--language", choices=("en", "ru"), default="en",
                   help="grade the sample class's edition in this language (its feedback speaks it)")
    p.add_argument("--assignment", metavar="ID",
                   help="hand the sample class in on this assignment of solutions/ (default: the sample's own)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("setup", help="configure Jupyter for a student or an instructor")
    p.add_argument("mode", choices=("student", "instructor", "status"))
    p.set_defaults(func=cmd_setup)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "roster" and args.action == "import" and not args.csv:
        print("error: `course roster import` needs the roster CSV, e.g. `course roster import roster.csv`",
              file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:  # bad input and nbgrader failures
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished students are recorded; run the same command again to continue",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
