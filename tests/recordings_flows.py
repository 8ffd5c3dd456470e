"""A call that ends with a sealed recording, for the recordings and privacy tests."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from calls.models import CallKind
from recordings import services as recording_services

from .factories import OperatorFactory
from .flows import book, confirm, end, schedule, start
from .recordings_support import wav_bytes


def recorded_call(
    *, starts_at=None, data_size=20_000, client=None, member=None, kind=CallKind.PHONE_INTERPRETED
):
    """A completed (settled) call with a recording. Returns (call, session, recording, plain)."""
    starts_at = starts_at or timezone.now() - timedelta(days=1)
    call = book(client=client, member=member, kind=kind, now=starts_at - timedelta(days=2))
    confirm(call, now=starts_at - timedelta(days=2))
    session = schedule(
        call, operator=OperatorFactory(), starts_at=starts_at, now=starts_at - timedelta(days=2)
    )
    start(session)
    plain = wav_bytes(data_size)
    recording = recording_services.recording_attach(
        session=session, file=SimpleUploadedFile("call.wav", plain), actor=session.interpreter
    )
    end(session, talk_seconds=600, no_recording_reason="")
    session.refresh_from_db()
    call.refresh_from_db()
    return call, session, recording, plain
