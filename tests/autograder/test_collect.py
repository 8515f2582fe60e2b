"""Collect: LMS zips and student folders into submitted/, with problems reported and originals untouched."""
import hashlib
import zipfile

import nbformat
import pytest
from tiny_course import ASSIGNMENT, NOTEBOOK, answer, make_course

from autograder.collect import collect, match_student
from autograder.release import release
from autograder.roster import Student, import_roster


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("collect"), roster=("alice", "bob", "carol", "dave"))
    release(course)
    import_roster(course, course.root / "roster.csv")
    return course


@pytest.fixture(scope="module")
def lms_zip(course):
    good = nbformat.writes(answer(course.path("release", ASSIGNMENT, NOTEBOOK), "return 2 * x"))
    path = course.root / "canvas.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("testeralice_123_456_ps1.ipynb", good)        # last+first, Canvas style
        zf.writestr("bob_777_888_ps1.ipynb", good)                 # the id
        zf.writestr("carol_1_2_ps1.ipynb", good)                   # two files for carol
        zf.writestr("carol_1_3_ps1-1.ipynb", good)
        zf.writestr("zed_9_9_ps1.ipynb", good)                      # nobody on the roster
        zf.writestr("bob_777_889_notes.txt", "hello")               # not a notebook
    return path


def test_lms_zip_is_mapped_through_the_roster_and_problems_are_named(course, lms_zip):
    before = hashlib.sha256(lms_zip.read_bytes()).hexdigest()
    report = collect(course, ASSIGNMENT, lms_zip)
    assert sorted(report.new) == ["alice", "bob"], str(report)
    problems = "\n".join(report.problems)
    for expected in ("zed_9_9_ps1.ipynb: matches no roster student", "bob_777_889_notes.txt: not a notebook",
                     "student 'carol' has 2 files", "carol_1_2_ps1.ipynb", "carol_1_3_ps1-1.ipynb"):
        assert expected in problems, f"expected {expected!r} in the report:\n{problems}"
    assert sorted(report.missing) == ["carol", "dave"], report.missing
    assert hashlib.sha256(lms_zip.read_bytes()).hexdigest() == before, "collect modified the zip"
    dest = course.path("submitted", "alice", ASSIGNMENT)
    assert (dest / NOTEBOOK).read_bytes() == zipfile.ZipFile(lms_zip).read("testeralice_123_456_ps1.ipynb")
    stamp = (dest / "timestamp.txt").read_text()
    assert stamp.endswith(" UTC") and stamp[:4].isdigit(), f"timestamp.txt should hold a UTC time, got {stamp!r}"


def test_collecting_again_changes_nothing(course, lms_zip):
    collect(course, ASSIGNMENT, lms_zip)
    stamp = course.path("submitted", "alice", ASSIGNMENT, "timestamp.txt").read_text()
    again = collect(course, ASSIGNMENT, lms_zip)
    assert (again.new, again.updated, sorted(again.unchanged)) == ([], [], ["alice", "bob"]), str(again)
    assert course.path("submitted", "alice", ASSIGNMENT, "timestamp.txt").read_text() == stamp


def test_folder_of_student_folders_replaces_a_changed_submission(course, tmp_path):
    folder = tmp_path / "incoming" / "dave"
    folder.mkdir(parents=True)
    nb = answer(course.path("release", ASSIGNMENT, NOTEBOOK), "return x + x")
    nbformat.write(nb, folder / "my work.ipynb")
    original = (folder / "my work.ipynb").read_bytes()
    assert collect(course, ASSIGNMENT, tmp_path / "incoming").new == ["dave"]
    nb.cells[1].source += "\n# second thoughts\n"
    nbformat.write(nb, folder / "my work.ipynb")
    report = collect(course, ASSIGNMENT, tmp_path / "incoming")
    assert report.updated == ["dave"], str(report)
    assert b"second thoughts" in course.path("submitted", "dave", ASSIGNMENT, NOTEBOOK).read_bytes()
    assert original != (folder / "my work.ipynb").read_bytes()  # sanity: the change reached the source


@pytest.mark.parametrize("name, expected", [
    ("smithj_12345_67890_ps1.ipynb", ["smithj"]),
    ("John Smith_4242_assignsubmission_file_ps1.ipynb", ["smithj"]),
    ("smithjohn_LATE_1_2_ps1.ipynb", ["smithj"]),
    ("x_1_2_ps1.ipynb", []),
])
def test_lms_names_match_the_roster(name, expected):
    roster = [Student("smithj", "John", "Smith", "john.smith@example.org"), Student("lee", "Ann", "Lee")]
    assert [s.id for s in match_student(name, roster)] == expected, name


def test_uncollectable_sources_say_what_to_do(course, tmp_path):
    with pytest.raises(FileNotFoundError, match="give a folder of submissions or an LMS zip"):
        collect(course, ASSIGNMENT, tmp_path / "nowhere.zip")
    with pytest.raises(FileNotFoundError, match="run `course release ps2` first"):
        collect(course, "ps2", tmp_path)
