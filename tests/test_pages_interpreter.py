"""The interpreter's day: sessions, numbers, start, end, the recording."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from calls.models import CallState, SessionStatus
from common.phones import readable

from .factories import InterpreterFactory, OperatorFactory
from .flows import book, confirm, own_number, schedule
from .pages_helpers import reset_language  # noqa: F401

# The day page is where the hour matters ("today" is the interpreter's own
# calendar day): it runs at every pinned instant; the flows run once.
pytestmark = pytest.mark.django_db


@pytest.fixture
def interpreter():
    return InterpreterFactory(language="en", time_zone="UTC")


@pytest.fixture
def signed_in(client, interpreter):
    client.force_login(interpreter)
    return client


def scheduled_call(interpreter, *, in_minutes=10):
    call = book()
    confirm(call)
    session = schedule(
        call,
        operator=OperatorFactory(),
        interpreter=interpreter,
        starts_at=timezone.now() + timedelta(minutes=in_minutes),
    )
    return call, session


@pytest.mark.usefixtures("pinned_clock")
def test_day_shows_sessions_with_number_and_both_local_times(
    signed_in, interpreter, django_assert_max_num_queries
):
    call, session = scheduled_call(interpreter, in_minutes=5)
    scheduled_call(interpreter, in_minutes=3 * 24 * 60)
    with django_assert_max_num_queries(8):
        response = signed_in.get(reverse("interpreter-day"))
    page = response.content.decode()
    assert readable(own_number(call.member)) in page  # the number to dial
    assert "+380 50 765 4321" in page  # and the others
    assert call.member.time_zone in page
    assert call.client.time_zone in page
    for minutes in (6 * 60, 7 * 60, 8 * 60):
        scheduled_call(interpreter, in_minutes=3 * 24 * 60 + minutes)
    with django_assert_max_num_queries(8):
        signed_in.get(reverse("interpreter-day"))


def test_session_page_lists_every_number(signed_in, interpreter, django_assert_max_num_queries):
    call, _ = scheduled_call(interpreter)
    with django_assert_max_num_queries(8):
        page = signed_in.get(reverse("interpreter-session", args=[call.public_id]))
    page = page.content.decode()
    for number in (readable(own_number(call.member)), "+380 50 765 4321", "+380 44 222 3344"):
        assert number in page
    assert "Olena Petrenko" in page


def test_start_then_end_without_recording_needs_a_reason(signed_in, interpreter):
    call, session = scheduled_call(interpreter)
    signed_in.post(reverse("interpreter-session-start", args=[call.public_id]))
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    response = signed_in.post(reverse("interpreter-session-end", args=[call.public_id]), {})
    assert response.status_code == 400
    assert 'id="id_no_recording_reason_error"' in response.content.decode()
    response = signed_in.post(
        reverse("interpreter-session-end", args=[call.public_id]),
        {"no_recording_reason": "the recorder failed"},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.COMPLETED


def test_end_with_recording_then_download_it(signed_in, interpreter, client):
    call, session = scheduled_call(interpreter)
    signed_in.post(reverse("interpreter-session-start", args=[call.public_id]))
    audio = SimpleUploadedFile("call.mp3", b"ID3fake-audio", content_type="audio/mpeg")
    response = signed_in.post(
        reverse("interpreter-session-end", args=[call.public_id]), {"file": audio}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.COMPLETED
    download = signed_in.get(reverse("interpreter-recording-download", args=[call.public_id]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"ID3fake-audio"
    assert "attachment" in download["Content-Disposition"]


def test_recording_can_be_attached_after_the_end(signed_in, interpreter):
    call, session = scheduled_call(interpreter)
    signed_in.post(reverse("interpreter-session-start", args=[call.public_id]))
    signed_in.post(
        reverse("interpreter-session-end", args=[call.public_id]),
        {"no_recording_reason": "uploading later"},
    )
    bad = SimpleUploadedFile("call.exe", b"MZ", content_type="application/octet-stream")
    response = signed_in.post(
        reverse("interpreter-recording-attach", args=[call.public_id]), {"file": bad}
    )
    assert response.status_code == 400
    assert 'id="id_file_error"' in response.content.decode()
    good = SimpleUploadedFile("call.ogg", b"OggS", content_type="audio/ogg")
    response = signed_in.post(
        reverse("interpreter-recording-attach", args=[call.public_id]), {"file": good}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.recording.is_sealed and session.recording.blob_name.endswith(".sealed")
