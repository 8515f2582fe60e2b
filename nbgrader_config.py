"""nbgrader configuration of the course: nbgrader itself uses solutions/ as source and assignments/ as release.

The settings are the ones the ``course`` command uses (autograder/nbgrader_adapter.py): course id, code stub and
the feedback pipeline that never shows hidden tests.
"""
import os

from autograder.nbgrader_adapter import configure

c = get_config()  # noqa: F821 - provided by nbgrader's config loader

configure(c, os.path.dirname(os.path.abspath(__file__)))
c.CourseDirectory.assignment_id = ""
