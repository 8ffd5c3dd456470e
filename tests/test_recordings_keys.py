"""The key ring: rotation, rewrapping without touching the audio, refusing to run keyless."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from recordings import checks, keyring
from recordings.models import EventKind, Recording
from recordings.storage import recordings_storage

from .factories import DutyManagerFactory
from .recordings_flows import recorded_call

pytestmark = pytest.mark.django_db

DEV = settings.RECORDING_KEYS


def listen(recording) -> bytes:
    browser = Client()
    browser.force_login(DutyManagerFactory())
    answer = browser.get(reverse("recording-audio", args=[recording.public_id]))
    assert answer.status_code == 200
    return b"".join(answer.streaming_content)


def test_rotate_then_rekey_keeps_every_recording_readable_and_the_old_key_can_go(settings):
    made = [recorded_call() for _ in range(3)]
    sealed_before = {
        r.pk: Path(recordings_storage().path(r.blob_name)).read_bytes() for _c, _s, r, _p in made
    }
    new = keyring.new_entry("2026-12")
    settings.RECORDING_KEYS = f"{new},{DEV}"
    out = io.StringIO()
    call_command("recordings_rekey", stdout=out)
    assert "3 data keys rewrapped with key '2026-12'" in out.getvalue()
    assert "Keys still in use: 2026-12." in out.getvalue()
    assert set(Recording.objects.values_list("key_id", flat=True)) == {"2026-12"}
    assert Recording.objects.filter(events__kind=EventKind.REKEYED).count() == 3

    settings.RECORDING_KEYS = new  # the old key removed from the ring
    for _call, _session, recording, plain in made:
        recording.refresh_from_db()
        assert listen(recording) == plain
        # The audio itself was not rewritten.
        assert (
            Path(recordings_storage().path(recording.blob_name)).read_bytes()
            == (sealed_before[recording.pk])
        )
    again = io.StringIO()
    call_command("recordings_rekey", stdout=again)
    assert "0 data keys rewrapped" in again.getvalue()


def test_without_rekey_removing_the_old_key_makes_its_recordings_unreadable(settings):
    _call, _session, recording, _plain = recorded_call()
    settings.RECORDING_KEYS = keyring.new_entry("lonely")
    with pytest.raises(keyring.KeyRingError):
        listen(recording)


def test_new_recordings_are_wrapped_by_the_newest_key(settings):
    settings.RECORDING_KEYS = f"{keyring.new_entry('newest')},{DEV}"
    _call, _session, recording, plain = recorded_call()
    assert recording.key_id == "newest"
    assert listen(recording) == plain


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "empty"),
        ("no-colon", "id:base64key"),
        ("a:c2hvcnQ", "32 bytes"),
        ("a:!!!notbase64!!!", "not base64"),
    ],
)
def test_a_malformed_ring_is_a_system_check_error(settings, value, problem):
    settings.RECORDING_KEYS = value
    errors = checks.check_recording_keys()
    assert [e.id for e in errors] == ["recordings.E001"]
    assert problem in errors[0].msg
    assert value.partition(":")[2] not in errors[0].msg or not value.partition(":")[2]


def test_production_refuses_the_public_development_key(settings):
    settings.IS_PRODUCTION = True
    assert [e.id for e in checks.check_recording_keys()] == ["recordings.E002"]


@pytest.mark.parametrize("keys", [None, DEV], ids=["no key", "the development key"])
def test_production_settings_refuse_to_load_without_a_key_of_their_own(keys):
    env = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "SITE_URL": "https://example.org",
        "DATABASE_URL": "postgres://u:p@localhost/db",
        "CACHE_URL": "locmemcache://",
        "CELERY_BROKER_URL": "memory://",
        "PATH": "/usr/bin:/bin",
    }
    if keys:
        env["RECORDING_KEYS"] = keys
    done = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "RECORDING_KEYS" in done.stderr
