"""Issue 25, item 16: the files the office hands out and takes in.

The statement CSV has ISO 8601 dates and a totals row a spreadsheet can sum;
a recording sent with a form that is refused is not kept (neither the row
nor the sealed file); and every door that takes a recording checks what the
file is, not what it is called.
"""

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing import services as billing_services
from billing.statements import agent_statement, write_statement_csv
from calls import services
from calls.models import CallState, SessionStatus
from recordings.models import Recording

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import AgencyFactory, MemberFactory, OperatorFactory
from .flows import book
from .recordings_support import stored_files, wav_upload
from .test_pages_interpreter import interpreter, scheduled_call, signed_in  # noqa: F401

pytestmark = pytest.mark.django_db

NUMERIC = ("talk time (seconds)", "billed minutes", "client paid", "commission")


def _statement_rows():
    agency = AgencyFactory()
    call = book(member=MemberFactory(agency=agency), kind="phone_direct", minutes=25)
    billing_services.call_settle(
        call_id=call.pk,
        talk_seconds=1500,
        agency_id=agency.pk,
        actor=OperatorFactory(),
        now=datetime(2026, 10, 3, 14, 5, tzinfo=UTC),
    )
    buffer = io.StringIO()
    write_statement_csv(agent_statement(agency_id=agency.pk, year=2026, month=10), buffer)
    return list(csv.reader(io.StringIO(buffer.getvalue())))


def test_statement_dates_are_iso_8601():
    rows = _statement_rows()
    assert rows[1][0] == "2026-10-03T14:05:00Z"


def test_statement_totals_have_numbers_only_under_numeric_columns():
    rows = _statement_rows()
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert total["date (UTC)"] == ""
    assert total["call"] == "total"
    for column in NUMERIC:
        if total[column]:
            try:
                Decimal(total[column])
            except InvalidOperation:
                pytest.fail(f"{column}: {total[column]!r} is not a number")
    assert total["billed minutes"] == "25" and total["commission"] == "5.00"


# --- recordings ----------------------------------------------------------------


def _started(person):
    call, session = scheduled_call(person)
    services.session_start(session=session, actor=person)
    return call, session


def _sealed_files():
    return stored_files(settings.STORAGES["recordings"]["OPTIONS"]["location"])


def test_a_refused_end_keeps_no_recording(signed_in, interpreter):  # noqa: F811
    call, session = _started(interpreter)
    response = signed_in.post(
        reverse("interpreter-session-end", args=[call.public_id]),
        # More talk time than was measured: the end is refused.
        {"file": wav_upload(), "talk_seconds": "10:00", "talk_reason": "the line says so"},
    )
    assert response.status_code == 400
    assert not Recording.objects.filter(session=session).exists()
    assert _sealed_files() == []
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    # The same form with a time that fits ends the session and keeps the file.
    response = signed_in.post(
        reverse("interpreter-session-end", args=[call.public_id]), {"file": wav_upload()}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.COMPLETED
    assert Recording.objects.filter(session=session).count() == 1


NOT_AUDIO = b"%PDF-1.7 this is a document, not a recording"


def test_every_upload_door_checks_what_the_file_is(signed_in, interpreter):  # noqa: F811
    call, session = _started(interpreter)

    def fake():
        return SimpleUploadedFile("call.mp3", NOT_AUDIO, content_type="audio/mpeg")

    end = reverse("interpreter-session-end", args=[call.public_id])
    doors = [signed_in.post(end, {"file": fake()})]
    # The attach door is the one for a session that ended without its file.
    signed_in.post(end, {"no_recording_reason": "uploading it later"})
    doors += [
        signed_in.post(
            reverse("interpreter-recording-attach", args=[call.public_id]), {"file": fake()}
        ),
        api_as(interpreter).post(
            f"/api/v1/sessions/{call.public_id}/recording/", {"file": fake()}, format="multipart"
        ),
    ]
    for door, answer in zip(("end", "attach", "api"), doors, strict=True):
        assert answer.status_code == 400, door
        text = answer.content.decode()
        assert "not a recording we can keep" in text, (door, re.findall(r"error[^<]{0,200}", text))
    assert not Recording.objects.filter(session=session).exists()
    assert _sealed_files() == []


def test_the_file_inputs_ask_for_audio(signed_in, interpreter):  # noqa: F811
    call, _session = _started(interpreter)
    page = signed_in.get(reverse("interpreter-session", args=[call.public_id])).content.decode()
    assert re.search(r'type="file"[^>]*accept="audio/', page)
