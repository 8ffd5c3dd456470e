"""Retention as data: the purge shreds exactly what has expired, keeps what is held
or disputed, writes what it did, and changes nothing when run again."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from billing.models import CallCharge
from duty.services import dispute_raise
from recordings import services
from recordings.models import EventKind, Recording, RecordingEvent, RetentionPolicy
from recordings.retention import expiry_of

from .factories import DutyManagerFactory
from .recordings_flows import recorded_call

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def stored() -> set[str]:
    root = Path(settings.STORAGES["recordings"]["OPTIONS"]["location"])
    return {p.name for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def four(django_capture_on_commit_callbacks):
    """Four recordings settled on T0's day: one of them to expire, one held, one
    disputed, and one settled 100 days later (not yet due)."""
    expiring = recorded_call(starts_at=T0)[2]
    held = recorded_call(starts_at=T0)[2]
    disputed_call, _s, disputed, _p = recorded_call(starts_at=T0)
    recent = recorded_call(starts_at=T0 + timedelta(days=100))[2]
    duty = DutyManagerFactory()
    services.legal_hold_set(recording=held, actor=duty, reason="court order 12/2026", now=T0)
    dispute_raise(call=disputed_call, actor=disputed_call.client, reason="cut off", now=T0)
    return {"expiring": expiring, "held": held, "disputed": disputed, "recent": recent}


def purge(*args) -> str:
    out = io.StringIO()
    call_command("recordings_purge", *args, stdout=out)
    return out.getvalue()


def test_the_default_policy_keeps_180_days_after_settlement(four):
    charge = CallCharge.objects.get(call_id=four["expiring"].session.call_id)
    assert charge.closed_at is not None
    assert expiry_of(four["expiring"]) == charge.closed_at + timedelta(days=180)


def test_with_the_clock_past_the_policy_exactly_the_expired_ones_are_shredded(
    four, django_capture_on_commit_callbacks
):
    before = stored()
    assert len(before) == 4
    on_day_179 = (T0 + timedelta(days=179)).isoformat()
    assert "0 shredded" in purge("--now", on_day_179)

    day_181 = (T0 + timedelta(days=181)).isoformat()
    dry = purge("--dry-run", "--now", day_181)
    assert "1 would shred" in dry and "kept 1 under a legal hold and 1 under an open dispute" in dry
    assert stored() == before

    with django_capture_on_commit_callbacks(execute=True):
        out = purge("--now", day_181)
    assert "1 shredded" in out and str(four["expiring"].public_id) in out
    shredded = {r.pk for r in Recording.objects.filter(shredded_at__isnull=False)}
    assert shredded == {four["expiring"].pk}
    expiring = Recording.objects.get(pk=four["expiring"].pk)
    assert expiring.wrapped_key is None and expiring.blob_name not in stored()
    assert len(stored()) == 3
    event = RecordingEvent.objects.get(recording=expiring, kind=EventKind.PURGED)
    assert event.detail["keep_days"] == 180 and event.actor is None

    again = purge("--now", day_181)
    assert "0 shredded" in again
    assert RecordingEvent.objects.filter(kind=EventKind.PURGED).count() == 1


def test_a_shredded_recording_is_a_404_even_for_the_duty_manager(
    four, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        purge("--now", (T0 + timedelta(days=181)).isoformat())
    browser = Client()
    browser.force_login(DutyManagerFactory())
    url = reverse("recording-audio", args=[four["expiring"].public_id])
    assert browser.get(url).status_code == 404


def test_releasing_the_hold_lets_the_next_purge_shred_it(four):
    duty = DutyManagerFactory()
    services.legal_hold_release(
        recording=four["held"], actor=duty, reason="case closed", now=T0 + timedelta(days=190)
    )
    purge("--now", (T0 + timedelta(days=191)).isoformat())
    assert set(
        Recording.objects.filter(shredded_at__isnull=False).values_list("pk", flat=True)
    ) == {
        four["expiring"].pk,
        four["held"].pk,
    }


def test_a_later_policy_applies_to_calls_settled_after_it(four):
    RetentionPolicy.objects.create(effective_from=T0 + timedelta(days=50), keep_days=30)
    # The recent call was settled under the 30-day policy: due 30 days after it.
    due = purge("--dry-run", "--now", (T0 + timedelta(days=131)).isoformat())
    assert str(four["recent"].public_id) in due
    assert "1 would shred" in due  # the ones settled on T0 keep their 180 days
