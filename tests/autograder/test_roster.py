"""Roster import: checked rows, clear errors, idempotent import into nbgrader's gradebook."""
import pytest
from tiny_course import make_course

from autograder.roster import RosterError, gradebook_students, import_roster, read_roster


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("roster"))


def test_reads_id_names_and_email(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("ID,First_Name,Last_Name,Email\nsmithj,John,Smith,j@x.org\n\nlee,,Lee,\n")
    students = read_roster(path)
    assert [(s.id, s.first, s.last, s.email) for s in students] == [
        ("smithj", "John", "Smith", "j@x.org"), ("lee", "", "Lee", "")]


def test_every_bad_row_is_reported_with_its_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,first,last,email\nok,A,B,a@b.org\n../x,C,D,\nok,E,F,\nz,G,H,not-an-email\n")
    with pytest.raises(RosterError) as err:
        read_roster(path)
    msg = str(err.value)
    for expected in ("3 bad row(s)", "line 3: invalid student id '../x'", "line 4: student id 'ok' already on line 2",
                     "line 5: email 'not-an-email'"):
        assert expected in msg, f"expected {expected!r} in:\n{msg}"


def test_missing_file_and_missing_id_column_say_what_to_do(tmp_path):
    with pytest.raises(RosterError, match="does not exist.*columns id, first, last, email"):
        read_roster(tmp_path / "nope.csv")
    (tmp_path / "r.csv").write_text("name,mail\nx,y\n")
    with pytest.raises(RosterError, match="no id column"):
        read_roster(tmp_path / "r.csv")


def test_empty_gradebook_asks_for_a_roster(tmp_path):
    course = make_course(tmp_path)
    with pytest.raises(RosterError, match="no students in the gradebook.*course roster import"):
        gradebook_students(course)


def test_import_is_idempotent_and_updates_changed_rows(course, tmp_path):
    first = import_roster(course, course.root / "roster.csv")
    assert "3 added, 0 updated, 0 unchanged" in first, first
    again = import_roster(course, course.root / "roster.csv")
    assert "0 added, 0 updated, 3 unchanged" in again, again
    changed = tmp_path / "r.csv"
    changed.write_text("id,first,last,email\nalice,Alicia,Tester,alice@example.org\n")
    assert "0 added, 1 updated" in import_roster(course, changed)
    got = {s.id: s.first for s in gradebook_students(course)}
    assert got == {"alice": "Alicia", "bob": "Bob", "carol": "Carol"}, got
