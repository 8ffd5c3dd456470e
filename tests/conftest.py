"""Shared test setup.

Tests marked `postgres` need DATABASE_URL to point at PostgreSQL and tests
marked `redis` need TEST_REDIS_URL; without them they are skipped with the
reason shown, unless REQUIRE_SERVICES=1 (as in .ci/run), where a missing
service fails the run instead of silently skipping.
"""

import os

import pytest
from django.conf import settings
from django.utils import timezone, translation

from config.celery import app as celery_app
from tests.factories import *  # noqa: F401,F403  (factories as fixtures' helpers)

# Tasks queued by tests go to an in-memory broker, never into var/broker of a
# developer's running product. Tests that need a real broker (Redis) make their
# own connection. (The Django namespace reads the CELERY_-prefixed keys.)
celery_app.conf.CELERY_BROKER_URL = "memory://"
celery_app.conf.CELERY_BROKER_TRANSPORT_OPTIONS = {}


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    require = os.environ.get("REQUIRE_SERVICES") == "1"
    missing = []
    if not _on_postgres():
        missing.append(("postgres", "needs PostgreSQL: set DATABASE_URL=postgres://..."))
    if not os.environ.get("TEST_REDIS_URL"):
        missing.append(("redis", "needs Redis: set TEST_REDIS_URL=redis://..."))
    for marker, reason in missing:
        if require and any(marker in item.keywords for item in items):
            raise pytest.UsageError(f"REQUIRE_SERVICES=1 but the suite {reason}")
        for item in items:
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _default_language_and_time_zone():
    """A request leaves its language and time zone active in the test's thread;
    don't let one test's Russian agent decide the language of the next test."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AXES_ENABLED = False
    # Hashing is not under test; the fast hasher keeps factories quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
