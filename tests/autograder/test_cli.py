"""The `course` command: every step wired, bad input answered with a clear message and exit status 2."""
import pytest
from tiny_course import make_course

from autograder.cli import build_parser, main


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("cli"))


@pytest.mark.parametrize("command", ["roster", "release", "collect", "grade", "feedback", "export", "check",
                                     "demo", "setup"])
def test_every_step_has_a_subcommand(command):
    choices = build_parser()._subparsers._group_actions[0].choices
    assert command in choices, f"`course {command}` missing; have {sorted(choices)}"


def test_roster_import_then_release_then_export_through_the_command_line(course, capsys):
    root = str(course.root)
    assert main(["--course", root, "roster", "import", str(course.root / "roster.csv")]) == 0
    assert main(["--course", root, "release"]) == 0
    assert main(["--course", root, "export", "--out", str(course.root / "g.csv"), "--table"]) == 0
    out = capsys.readouterr().out
    assert "3 added" in out and "released ps1" in out and "exported 3 row(s)" in out, out
    assert "alice    ps1" in out, out


@pytest.mark.parametrize("argv, message", [
    (["grade", "ps9"], "unknown assignment 'ps9'"),
    (["collect", "ps1", "nowhere.zip"], "give a folder of submissions or an LMS zip"),
    (["roster", "import", "missing.csv"], "roster missing.csv does not exist"),
    (["roster", "import"], "needs the roster CSV"),
])
def test_bad_input_exits_2_with_a_clear_message(course, capsys, argv, message):
    assert main(["--course", str(course.root), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err, f"expected {message!r} in stderr, got {err!r}"


def test_a_missing_course_folder_is_named(tmp_path, capsys):
    assert main(["--course", str(tmp_path / "nope"), "export"]) == 2
    assert "course folder" in capsys.readouterr().err


def test_export_for_canvas_and_moodle_writes_the_same_grades_as_the_course_csv(course, capsys):
    import csv

    root = str(course.root)
    assert main(["--course", root, "roster", "import", str(course.root / "roster.csv")]) == 0
    assert main(["--course", root, "release"]) == 0
    plain, canvas = course.root / "g.csv", course.root / "canvas.csv"
    assert main(["--course", root, "export", "--out", str(plain)]) == 0
    assert main(["--course", root, "export", "--format", "canvas", "--out", str(canvas),
                 "--canvas-assignment", "ps1=4711"]) == 0
    assert "wrote canvas grades for 3 student(s) and 1 assignment(s)" in capsys.readouterr().out
    grades = {r["student"]: r["score"] for r in csv.DictReader(plain.open())}
    lines = list(csv.DictReader(canvas.open()))
    assert lines[0]["Student"] == "Points Possible"
    assert {r["SIS User ID"]: r["ps1 (4711)"] for r in lines[1:]} == {s: f"{float(g):g}" for s, g in grades.items()}
    moodle = course.root / "m.csv"
    assert main(["--course", root, "export", "--format", "moodle", "--out", str(moodle)]) == 0
    lines = list(csv.DictReader(moodle.open()))
    assert {r["Email address"]: r["ps1"] for r in lines} == {f"{s}@example.org": f"{float(g):g}"
                                                            for s, g in grades.items()}
