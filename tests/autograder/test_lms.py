"""Grades back to the LMS: are the Canvas and Moodle files what their imports read, built from the export's rows?"""
import csv
import io

import pytest

from autograder.lms import LmsExportError, canvas_csv, lms_file, moodle_csv, parse_assignment_ids


def row(student, assignment, score, max_score, status="graded", reason="graded", email=None, first="", last=""):
    return {"student": student, "first": first, "last": last, "email": f"{student}@uni.example" if email is None
            else email, "assignment": assignment, "score": score, "max_score": max_score, "status": status,
            "reason": reason}


ROWS = [
    row("alice", "01_neurons", 13.0, 13.0, first="Alice", last="Liddell"),
    row("bob", "01_neurons", 6.5, 13.0, first="Bob", last="Builder"),
    row("carol", "01_neurons", 0.0, None, "missing", "no submission collected"),
    row("alice", "02_backprop", 15.0, 17.0, "needs_manual", "needs manual grading"),
    row("bob", "02_backprop", None, None, "ungraded", "submitted but not graded: run `course grade 02_backprop`"),
    row("carol", "02_backprop", 17.0, 17.0),
]


def parse(text):
    return list(csv.reader(io.StringIO(text)))


def test_canvas_file_has_the_identity_columns_points_possible_and_one_column_per_assignment():
    table = canvas_csv(ROWS, {"02_backprop": "4711"})
    lines = parse(table.text)
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01_neurons", "02_backprop (4711)"]
    assert lines[1] == ["Points Possible", "", "", "", "", "13", "17"]
    body = {line[2]: line for line in lines[2:]}
    assert body["alice"][:5] == ["Liddell, Alice", "", "alice", "alice", ""]
    assert body["carol"][0] == "carol", "a student without a name is named by id"
    assert [body[s][5:] for s in ("alice", "bob", "carol")] == [["13", ""], ["6.5", ""], ["0", "17"]]


def test_grades_that_are_not_final_are_left_empty_and_counted_never_zeroed():
    table = canvas_csv(ROWS)
    assert table.blank == {"needs_manual": 1, "ungraded": 1}
    summary = table.summary("canvas", "c.csv")
    assert "3 student(s) and 2 assignment(s)" in summary and "1 needs manual, 1 ungraded" in summary, summary


def test_canvas_login_can_be_the_email_and_refuses_a_student_without_one():
    lines = parse(canvas_csv(ROWS, login="email").text)
    assert lines[2][3] == "alice@uni.example"
    no_mail = [dict(r, email="") if r["student"] == "bob" else r for r in ROWS]
    with pytest.raises(LmsExportError, match=r"1 student\(s\) have no email: bob; add the emails"):
        canvas_csv(no_mail, login="email")
    assert parse(canvas_csv(no_mail).text)[3][3] == "bob", "the default login (the id) needs no email"


def test_canvas_ids_for_assignments_not_exported_are_refused():
    with pytest.raises(LmsExportError, match=r"\['03_activations'\].*not in the export"):
        canvas_csv(ROWS, {"03_activations": "12"})


@pytest.mark.parametrize("bad", ["01_neurons", "01_neurons=", "=12", "01_neurons=abc"])
def test_assignment_id_pairs_are_checked(bad):
    with pytest.raises(LmsExportError, match="ASSIGNMENT=CANVAS_ID"):
        parse_assignment_ids([bad])
    assert parse_assignment_ids([" 01_neurons = 42 "]) == {"01_neurons": "42"}


def test_moodle_file_has_user_columns_and_a_grade_and_feedback_column_per_assignment():
    table = moodle_csv(ROWS)
    lines = parse(table.text)
    assert lines[0] == ["First name", "Last name", "ID number", "Email address",
                        "01_neurons", "01_neurons feedback", "02_backprop", "02_backprop feedback"]
    body = {line[2]: line for line in lines[1:]}
    assert body["bob"] == ["Bob", "Builder", "bob", "bob@uni.example", "6.5", "graded", "",
                           "submitted but not graded: run `course grade 02_backprop`"]
    assert body["carol"][4:6] == ["0", "no submission collected"]
    assert table.blank == {"needs_manual": 1, "ungraded": 1}


def test_moodle_refuses_rows_its_import_would_abort_on():
    """Moodle aborts the whole import at the first row whose user it cannot find: no such file is written."""
    no_mail = [dict(r, email="") if r["student"] == "carol" else r for r in ROWS]
    with pytest.raises(LmsExportError, match=r"carol.*--moodle-match idnumber"):
        moodle_csv(no_mail)
    assert parse(moodle_csv(no_mail, match="idnumber").text)[3][2] == "carol"
    shared = [dict(r, email="same@uni.example") if r["student"] in ("alice", "bob") else r for r in ROWS]
    with pytest.raises(LmsExportError, match=r"'alice' and 'bob' share the email address"):
        moodle_csv(shared)


def test_scores_with_commas_quotes_and_names_survive_csv_quoting():
    rows = [row("dan", "a1", 1 / 3, 1.0, first='Dan "the man"', last="O'Neil, Jr", reason="graded, late")]
    line = parse(moodle_csv(rows).text)[1]
    assert line[:2] == ['Dan "the man"', "O'Neil, Jr"] and line[4:] == ["0.3333333333", "graded, late"]


def test_unknown_format_is_refused_with_the_choices():
    with pytest.raises(LmsExportError, match="canvas, moodle"):
        lms_file("blackboard", ROWS)
