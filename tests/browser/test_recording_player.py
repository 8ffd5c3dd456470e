"""A duty manager plays a recording on the dispute page (English and Russian); the
interpreter, 7 days on, and the client get nothing. Screenshots: docs/screenshots/i20/."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from duty.services import dispute_raise
from recordings.models import RecordingAccess

from ..factories import DutyManagerFactory
from ..recordings_flows import recorded_call
from .pictures import pictures_dir
from .test_call_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_duty_manager_plays_the_recording_on_the_dispute_page(new_page, language):
    # Ended 8 days ago: past the interpreter's 7 days.
    call, session, recording, _plain = recorded_call(
        starts_at=timezone.now() - timedelta(days=8), data_size=64_000
    )
    dispute_raise(call=call, actor=call.client, reason="The line dropped after 4 minutes")
    duty = DutyManagerFactory(language=language)
    locale = {"en": "en-GB", "ru": "ru-RU"}[language]
    audio_url = reverse("recording-audio", args=[recording.public_id])

    page = new_page(locale=locale)
    sign_in(page, duty)
    page.goto(reverse("duty-call", args=[call.public_id]) + "#decide")
    player = page.get_by_test_id("dispute-player")
    expect(player).to_be_visible()
    player.evaluate("audio => audio.play()")
    # Polled from here: wait_for_function evaluates a string, which the CSP forbids.
    for _ in range(100):
        if player.evaluate("audio => audio.currentTime") > 0.2:
            break
        page.wait_for_timeout(100)
    assert player.evaluate("audio => audio.currentTime") > 0.2, "the recording did not play"
    page.screenshot(path=str(pictures_dir("i20") / f"{language}-dispute-player.png"))
    assert RecordingAccess.objects.filter(recording=recording, user=duty).exists()

    for person in (session.interpreter, call.client):
        other = new_page(locale=locale)
        sign_in(other, person)
        assert other.request.get(audio_url).status == 404
    assert not RecordingAccess.objects.exclude(user=duty).exists()
