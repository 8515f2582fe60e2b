"""Fixtures of the course_lib tests."""
import pytest

from course_lib import language


@pytest.fixture(autouse=True)
def _restore_language():
    """A test that calls ``course_lib.set_language`` must not change the language of the tests after it."""
    before = language.get_language()
    yield
    language.set_language(before)
