"""A recording is attached under the README's lock order: the call, then the
session (then the recording), like every other write on a call, so an upload
racing an end or a cancel waits its turn instead of deadlocking."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recordings import services as recording_services

from .factories import OperatorFactory
from .flows import book, confirm, schedule, start
from .recordings_support import wav_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _locks(queries) -> list[str]:
    """The tables whose rows each FOR UPDATE statement locks, in the order sent."""
    tables = []
    for query in queries:
        sql = query["sql"]
        if "FOR UPDATE" in sql:
            tables.append(sql.split(" FROM ", 1)[1].split()[0].strip('"'))
    return tables


@pytest.mark.parametrize("replacing", [False, True], ids=["first-upload", "replacement"])
def test_attaching_a_recording_locks_the_call_before_the_session(replacing):
    starts_at = timezone.now() - timedelta(days=1)
    call = book(now=starts_at - timedelta(days=2))
    confirm(call, now=starts_at - timedelta(days=2))
    session = schedule(
        call, operator=OperatorFactory(), starts_at=starts_at, now=starts_at - timedelta(days=2)
    )
    start(session)
    if replacing:
        recording_services.recording_attach(
            session=session, file=SimpleUploadedFile("a.wav", wav_bytes(2000)), actor=None
        )
    with CaptureQueriesContext(connection) as queries:
        recording_services.recording_attach(
            session=session,
            file=SimpleUploadedFile("b.wav", wav_bytes(3000)),
            actor=session.interpreter,
            reason="the first file was cut" if replacing else "",
        )
    locks = _locks(queries.captured_queries)
    assert locks[:3] == ["calls_call", "calls_session", "recordings_recording"], locks
