"""A session holds only its real time: the start lead, the buffer once, the release at the end."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from calls import services
from calls.models import CallState, Session, SessionStatus
from common import dates
from common.errors import Conflict

from .factories import InterpreterFactory, OperatorFactory
from .flows import book, confirm, end, start

# The rules work on instants; the tests that show a time to a person (a day
# boundary or a clock change may fall in between) run at every pinned instant.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fifteen_minutes(settings):
    settings.SESSION_BUFFER_MINUTES = 15
    settings.SESSION_START_LEAD_MINUTES = 15


def at(hour, minute=0):
    """A time on a day well ahead, in UTC (the rules work on instants)."""
    day = (timezone.now() + timedelta(days=3)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def booked(minutes=30):
    call = book(minutes=minutes)
    confirm(call)
    return call


def put(interpreter, starts_at, minutes, *, now=None):
    call = booked(minutes)
    return services.session_schedule(
        call=call,
        starts_at=starts_at,
        interpreter=interpreter,
        actor=OperatorFactory(),
        minutes=minutes,
        now=now,
    )


def test_the_buffer_is_the_gap_between_two_sessions_counted_once():
    interpreter = InterpreterFactory()
    put(interpreter, at(17, 0), 25)  # 17:00–17:25
    with pytest.raises(Conflict) as info:
        put(interpreter, at(17, 39), 30)
    assert "15 minutes between them" in info.value.message
    assert put(interpreter, at(17, 40), 30).starts_at == at(17, 40)
    # And before it: a session ending at 16:45 leaves the 15 minutes up to 17:00.
    with pytest.raises(Conflict):
        put(interpreter, at(16, 16), 30)
    assert put(interpreter, at(16, 15), 30).planned_end == at(16, 45)


def test_the_held_range_is_start_to_end_plus_the_buffer():
    session = put(InterpreterFactory(), at(17, 0), 25)
    assert (session.blocked_from, session.blocked_until) == (at(17, 0), at(17, 40))


@pytest.mark.usefixtures("pinned_clock")
def test_a_session_starts_only_from_the_lead_before_its_time():
    session = put(InterpreterFactory(), at(10, 0), 30)
    with pytest.raises(Conflict) as info:
        start(session, now=at(9, 44))
    assert info.value.code == "too_early"
    assert dates.format_time(at(9, 45)) in info.value.message
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED
    assert session.call.state == CallState.SCHEDULED
    started = start(session, now=at(9, 45))
    assert started.started_at == at(9, 45)


def test_the_lead_is_a_setting(settings):
    settings.SESSION_START_LEAD_MINUTES = 60
    session = put(InterpreterFactory(), at(10, 0), 30)
    assert start(session, now=at(9, 0)).status == SessionStatus.IN_PROGRESS


def test_an_ended_session_frees_its_interpreter_from_the_actual_end_plus_the_buffer():
    interpreter = InterpreterFactory()
    session = put(interpreter, at(17, 0), 60)  # 17:00–18:00
    with pytest.raises(Conflict):
        put(interpreter, at(17, 35), 30, now=at(16, 0))
    start(session, now=at(17, 0))
    end(session, now=at(17, 20))
    session.refresh_from_db()
    assert session.blocked_until == at(17, 35)
    assert session.ended_at == at(17, 20)
    follow = put(interpreter, at(17, 35), 30, now=at(17, 21))
    assert follow.starts_at == at(17, 35)


def test_a_session_ending_late_keeps_the_buffer_after_its_real_end():
    interpreter = InterpreterFactory()
    session = put(interpreter, at(17, 0), 30)
    start(session, now=at(17, 0))
    end(session, now=at(17, 50))
    session.refresh_from_db()
    assert session.blocked_until == at(18, 5)
    with pytest.raises(Conflict):
        put(interpreter, at(18, 0), 30, now=at(17, 51))


@pytest.mark.usefixtures("pinned_clock")
def test_the_interpreter_page_says_when_the_session_can_start(client):
    interpreter = InterpreterFactory(language="en", time_zone="UTC")
    session = put(interpreter, timezone.now() + timedelta(hours=2), 30)
    client.force_login(interpreter)
    page = client.get(reverse("interpreter-session", args=[session.call.public_id]))
    html = page.content.decode()
    assert 'data-testid="startable-from"' in html
    assert "Start the session</button>" not in html
    refused = client.post(reverse("interpreter-session-start", args=[session.call.public_id]))
    assert refused.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED


def test_the_api_refuses_an_early_start_with_409():
    from .api_helpers import api_as

    interpreter = InterpreterFactory()
    session = put(interpreter, timezone.now() + timedelta(hours=2), 30)
    answer = api_as(interpreter).post(f"/api/v1/sessions/{session.call.public_id}/start/")
    assert answer.status_code == 409
    assert answer.json()["code"] == "too_early"


def test_existing_rows_are_migrated_to_the_real_time(settings):
    migration = importlib.import_module("calls.migrations.0011_session_held_time")
    interpreter = InterpreterFactory()
    planned = put(interpreter, at(10, 0), 60)
    ended = put(interpreter, at(14, 0), 60)
    start(ended, now=at(14, 0))
    end(ended, now=at(14, 20))
    buffer = timedelta(minutes=15)
    # As the old rule stored them: the buffer before the start and after the planned end.
    for session in (planned, ended):
        Session.objects.filter(pk=session.pk).update(
            blocked_from=session.starts_at - buffer, blocked_until=session.planned_end + buffer
        )
    migration.hold_real_time(apps, None)
    planned.refresh_from_db()
    ended.refresh_from_db()
    assert (planned.blocked_from, planned.blocked_until) == (at(10, 0), at(11, 15))
    assert (ended.blocked_from, ended.blocked_until) == (at(14, 0), at(14, 35))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_allows_exactly_the_buffer_and_refuses_a_minute_less():
    interpreter = InterpreterFactory()
    first = put(interpreter, at(17, 0), 25)

    def insert(starts_at):
        return Session.objects.create(
            call=booked(),
            interpreter=interpreter,
            starts_at=starts_at,
            planned_end=starts_at + timedelta(minutes=30),
            blocked_from=starts_at,
            blocked_until=starts_at + timedelta(minutes=45),
        )

    with pytest.raises(IntegrityError, match="session_interpreter_no_overlap"):
        with transaction.atomic():
            insert(first.planned_end + timedelta(minutes=14))
    assert insert(first.planned_end + timedelta(minutes=15)).pk
