"""Shared fixtures of the page tests (imported by tests/test_pages_*.py)."""

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def reset_language():
    """A request leaves its language active in the test's thread: don't leak it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
