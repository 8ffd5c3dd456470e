"""Shared test setup.

The default run (`bin/test`, no test named) leaves out the tests marked `slow`
or `browser` (fuzzing, schemathesis, gunicorn, Chromium walks) so that it
stays a few minutes; RUN_SLOW=1 runs them (`.ci/run` sets it), and so does
naming them on the command line or choosing with `-m`.

Tests marked `postgres` need DATABASE_URL to point at PostgreSQL and tests
marked `redis` need TEST_REDIS_URL; without them they are skipped with the
reason shown, unless REQUIRE_SERVICES=1 (as in .ci/run), where a missing
service fails the run instead of silently skipping.
"""

import io
import os

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone, translation

from config.celery import app as celery_app
from tests.clock import clock_from_environment, pinned_instants
from tests.factories import *  # noqa: F401,F403  (factories as fixtures' helpers)

# Tasks queued by tests go to an in-memory broker, never into var/broker of a
# developer's running product. Tests that need a real broker (Redis) make their
# own connection. (The Django namespace reads the CELERY_-prefixed keys.)
celery_app.conf.CELERY_BROKER_URL = "memory://"
celery_app.conf.CELERY_BROKER_TRANSPORT_OPTIONS = {}


_session_clock = None


def pytest_configure(config):
    """TEST_CLOCK=<instant>: the whole run starts at that instant (tests/clock.py)."""
    global _session_clock
    moment = clock_from_environment()
    if moment is not None:
        _session_clock = time_machine.travel(moment, tick=True)
        _session_clock.start()


def pytest_sessionstart(session):
    """Compile the translations before any test reads Russian: a checkout has
    only the .po files, and a test must not depend on who ran bin/test before."""
    from django.core.management import call_command

    call_command("compile_translations", stdout=io.StringIO())


def pytest_unconfigure(config):
    if _session_clock is not None:
        _session_clock.stop()


def pytest_report_header(config):
    lines = []
    moment = clock_from_environment()
    if moment:
        lines.append(f"clock: TEST_CLOCK={moment.isoformat()}")
    if not _runs_slow(config):
        lines.append("slow and browser tests left out: RUN_SLOW=1 runs them (.ci/run does)")
    return lines


SLOW_MARKERS = ("slow", "browser")


def _runs_slow(config) -> bool:
    if os.environ.get("RUN_SLOW") == "1" or config.getoption("markexpr"):
        return True
    # Tests named on the command line run whatever their marks.
    return config.args_source == pytest.Config.ArgsSource.ARGS


PINNED = pinned_instants()


@pytest.fixture(params=[None, *PINNED], ids=["real-clock", *PINNED])
def pinned_clock(request):
    """Runs the test on the real clock and at each instant of tests/clock.py."""
    if request.param is None:
        yield None
        return
    with time_machine.travel(PINNED[request.param], tick=True):
        yield PINNED[request.param]


@pytest.fixture(params=list(PINNED), ids=list(PINNED))
def pinned_instant(request):
    """Only the pinned instants (for slow tests that run on the real clock anyway)."""
    with time_machine.travel(PINNED[request.param], tick=True):
        yield PINNED[request.param]


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    if not _runs_slow(config):
        slow = [item for item in items if any(m in item.keywords for m in SLOW_MARKERS)]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [item for item in items if item not in slow]
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
    # Sealed recordings in the test's own folder (the alias, as production names it).
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "recordings")},
        },
    }
    settings.AXES_ENABLED = False
    # Hashing is not under test; the fast hasher keeps factories quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
