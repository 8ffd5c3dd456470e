"""Reads about recordings: who may listen, the listening log."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import Role, User

from .models import Recording, RecordingAccess

# SPEC "Privacy": duty managers and operators always; the session's
# interpreter for RECORDING_INTERPRETER_DAYS after it; clients and agents never.
LISTENING_ROLES = (Role.DUTY_MANAGER, Role.OPERATOR)


def interpreter_may_listen_until(recording: Recording) -> datetime:
    session = recording.session
    ended = session.ended_at or session.planned_end
    return ended + timedelta(days=settings.RECORDING_INTERPRETER_DAYS)


def may_listen(user: User, recording: Recording, *, now: datetime) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.role in LISTENING_ROLES or user.is_superuser:
        return True
    if user.role == Role.INTERPRETER and recording.session.interpreter_id == user.pk:
        return now < interpreter_may_listen_until(recording)
    return False


def recording_of_call(call) -> Recording | None:
    """The recording of the call's latest session (the one the duty desk shows)."""
    return (
        Recording.objects.filter(session__call=call)
        .select_related("session")
        .order_by("-session__created_at")
        .first()
    )


def accesses(*, recording: Recording | None = None) -> QuerySet[RecordingAccess]:
    rows = RecordingAccess.objects.select_related("user", "recording__session__call").order_by(
        "-at", "-id"
    )
    return rows.filter(recording=recording) if recording is not None else rows


def recording_facts(recording: Recording) -> dict:
    """What a page shows next to the player: the active hold, the retention end, the log."""
    from .retention import expiry_of

    return {
        "recording": recording,
        "hold": recording.holds.filter(released_at__isnull=True).select_related("set_by").first(),
        "kept_until": expiry_of(recording),
        "accesses": list(accesses(recording=recording)[:20]),
    }
