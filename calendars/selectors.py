"""Reads for calendars: a person's appointments, each call once, in one query.

A call's events in a calendar are one event (invites.event_uid): what a
calendar shows of a call is its latest session. Its SEQUENCE is derived, not
stored: the sessions the call has had up to it, less one, plus one if it was
cancelled. Every schedule and every move adds a session (calls.services.
session_schedule supersedes the old one) and a cancel marks the latest one
cancelled, so the number rises on each of them, can't go back, and any door
that reads it (an email's invite, the feed, a download) gets the same value.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils import timezone

from accounts.models import Role, User
from calls.models import Session, SessionStatus

from .invites import Appointment
from .models import CalendarFeed
from .services import token_digest

# SPEC is silent on the window: a month of the past (what was, for statements
# and disputes), cancelled calls shown as cancelled for a month after.
PAST = timedelta(days=30)
CANCELLED_SHOWN_FOR = timedelta(days=30)


def _sequence() -> Case:
    sessions_so_far = (
        Session.objects.filter(call=OuterRef("call"), pk__lte=OuterRef("pk"))
        .order_by()
        .values("call")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Case(
        When(status=SessionStatus.CANCELLED, then=Subquery(sessions_so_far)),
        default=Subquery(sessions_so_far) - 1,
        output_field=IntegerField(),
    )


def latest_sessions() -> QuerySet[Session]:
    """Each call's latest session with what an event shows, and its SEQUENCE."""
    later = Session.objects.filter(call=OuterRef("call"), pk__gt=OuterRef("pk"))
    return (
        Session.objects.filter(~Exists(later))
        .select_related(
            "call__client",
            "call__member__agency",
            "call__confirmation__confirmed_by",
            "interpreter",
        )
        # The room's link version, for each party's join link without a query a row.
        .annotate(calendar_sequence=_sequence(), room_link_version=F("room__link_version"))
    )


def _visible_to(qs: QuerySet[Session], person: User) -> QuerySet[Session]:
    """The calls a person's calendar holds (SPEC "Boundaries"): operators and the
    duty manager all, a client theirs, an agent their agency's, an interpreter
    every call they were ever given (a call taken from them shows as cancelled)."""
    if person.is_operator or person.role == Role.DUTY_MANAGER:
        return qs
    if person.role == Role.CLIENT:
        return qs.filter(call__client=person)
    if person.role == Role.AGENT and person.agency_id:
        return qs.filter(call__member__agency_id=person.agency_id)
    if person.role == Role.INTERPRETER:
        given = Session.objects.filter(call=OuterRef("call"), interpreter=person)
        return qs.filter(Exists(given))
    return qs.none()


def _taken_off(person: User) -> Q:
    """Rows that are cancelled for this person: the call was cancelled, or (an
    interpreter's) the call went to someone else."""
    cancelled = Q(status=SessionStatus.CANCELLED)
    if person.role == Role.INTERPRETER and not person.is_operator:
        return cancelled | ~Q(interpreter=person)
    return cancelled


def appointment_of(session: Session, person: User) -> Appointment:
    """A row of `latest_sessions` as `person` sees it."""
    cancelled = session.status == SessionStatus.CANCELLED or (
        person.role == Role.INTERPRETER
        and not person.is_operator
        and session.interpreter_id != person.pk
    )
    return Appointment(
        session=session,
        sequence=session.calendar_sequence,
        cancelled=cancelled,
        changed_at=max(session.created_at, session.call.state_changed_at),
    )


def feed_appointments(person: User, *, now: datetime | None = None) -> list[Appointment]:
    """The person's calendar: calls from a month back to the horizon, each once;
    cancelled ones for a month after they were cancelled (or taken off). One query."""
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.CALENDAR_FEED_HORIZON_DAYS)
    shown_since = now - CANCELLED_SHOWN_FOR
    off = _taken_off(person)
    # When it went off: the call's cancellation, or the move that gave it to someone else.
    went_off_recently = Q(status=SessionStatus.CANCELLED, call__state_changed_at__gte=shown_since)
    if person.role == Role.INTERPRETER and not person.is_operator:
        went_off_recently |= ~Q(status=SessionStatus.CANCELLED) & Q(created_at__gte=shown_since)
    rows = (
        _visible_to(latest_sessions(), person)
        .filter(starts_at__gte=now - PAST, starts_at__lte=horizon)
        .filter(~off | went_off_recently)
        .order_by("starts_at", "pk")
    )
    return [appointment_of(session, person) for session in rows]


def appointment_for_call(call_id: int, person: User) -> Appointment | None:
    """The call's event as `person` sees it, or None if their calendar has no place
    for it (not theirs, or never scheduled)."""
    session = _visible_to(latest_sessions(), person).filter(call_id=call_id).first()
    return appointment_of(session, person) if session is not None else None


def appointment_for_public_id(public_id, person: User) -> Appointment | None:
    """The same, by the call's public id (the pages' "add to calendar")."""
    session = _visible_to(latest_sessions(), person).filter(call__public_id=public_id).first()
    return appointment_of(session, person) if session is not None else None


def feed_owner(token: str) -> CalendarFeed | None:
    """The live feed whose URL carries `token` (with its person), or None."""
    return (
        CalendarFeed.objects.select_related("person")
        .filter(digest=token_digest(token), person__is_active=True)
        .first()
    )


def calendar_feed_of(person: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(person=person).first()


def horizon_days() -> int:
    return settings.CALENDAR_FEED_HORIZON_DAYS


def feed_last_modified(appointments: list[Appointment]) -> datetime | None:
    return max((a.changed_at for a in appointments), default=None)


def feed_version(appointments: list[Appointment], *, reader) -> str:
    """A weak ETag of the feed, from what its events change with (each
    session, its SEQUENCE, whether it is off, its last change) and the
    reader's language and zone, read before the feed is written: an app that
    has this version gets its 304 without the calendar being built (at 500
    events the build is most of a second). Weak: the same version may differ
    in a byte that changes no event (a renamed interpreter waits for the
    call's next change)."""
    facts = [reader.language, reader.time_zone, FEED_FORMAT]
    facts += (
        f"{a.session.pk}:{a.sequence}:{int(a.cancelled)}:{a.changed_at.isoformat()}"
        for a in appointments
    )
    return 'W/"' + hashlib.sha256("|".join(facts).encode()).hexdigest()[:32] + '"'


# Raised when what the feed writes for the same facts changes (a new field in
# the events), so that apps fetch it again.
FEED_FORMAT = "1"
