"""nbgrader configuration of the course: nbgrader itself uses solutions/ as source and assignments/ as release."""
import os

c = get_config()  # noqa: F821 - provided by nbgrader's config loader

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "nn-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.assignment_id = ""
# Feedback must never show hidden tests (see autograder/feedback.py for the full pipeline).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    # A failed hidden test's traceback quotes its own source line: cut it to "ename: evalue".
    "autograder.feedback.ShortenTestTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
