"""Scheduling across daylight-saving changes, through the API and the admin form.

For Europe/Kyiv, Europe/Berlin and America/New_York, at their next spring and
autumn change (found from the zone data, so the tests work in any year): a
session keeps the length asked for, the interpreter can't be double-booked
over the change, and a local time that does not exist (spring) or exists
twice (autumn) is refused on the field with a message that says why.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from calls.models import CallState, Session

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .dst import gap_wall, next_change, offsets, repeat_wall
from .factories import InterpreterFactory, OperatorFactory
from .flows import book, confirm

pytestmark = pytest.mark.django_db

ZONES = ["Europe/Kyiv", "Europe/Berlin", "America/New_York"]
SEASONS = ["spring", "autumn"]
MINUTES = 120


def confirmed_call():
    call = book(minutes=MINUTES)
    confirm(call)
    return call


def offset_text(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def api_schedule(operator, call, starts_at: str, interpreter, minutes=MINUTES):
    return api_as(operator).post(
        f"/api/v1/office/calls/{call.public_id}/schedule/",
        {"starts_at": starts_at, "interpreter": interpreter.pk, "minutes": minutes},
        format="json",
    )


@pytest.mark.parametrize("season", SEASONS)
@pytest.mark.parametrize("zone", ZONES)
def test_api_session_across_the_change_keeps_its_length_and_its_interpreter(zone, season):
    change = next_change(zone, season)
    operator = OperatorFactory(time_zone=zone)
    interpreter = InterpreterFactory()
    first = confirmed_call()
    # Half an hour before the change, given as a UTC instant.
    starts = change - timedelta(minutes=30)
    answer = api_schedule(operator, first, starts.strftime("%Y-%m-%dT%H:%M:%SZ"), interpreter)
    assert answer.status_code == 200, answer.json()
    session = Session.objects.get(call=first)
    assert session.starts_at == starts
    assert session.planned_end - session.starts_at == timedelta(minutes=MINUTES)
    # The answer shows the times in the operator's zone, with the right offsets.
    before, after = offsets(zone, change)
    assert answer.json()["starts_at"].endswith(offset_text(before))
    assert answer.json()["planned_end"].endswith(offset_text(after))

    # 90 minutes later is inside the first session on either side of the change.
    second = confirmed_call()
    clash = api_schedule(
        operator,
        second,
        (starts + timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        interpreter,
        minutes=30,
    )
    assert clash.status_code == 409, clash.json()
    assert clash.json()["code"] == "interpreter_busy"
    second.refresh_from_db()
    assert second.state == CallState.CONFIRMED


@pytest.mark.postgres
@pytest.mark.parametrize("season", SEASONS)
@pytest.mark.parametrize("zone", ZONES)
def test_database_refuses_an_overlap_across_the_change(zone, season):
    change = next_change(zone, season)
    operator = OperatorFactory(time_zone=zone)
    interpreter = InterpreterFactory()
    starts = change - timedelta(minutes=30)
    answer = api_schedule(
        operator, confirmed_call(), starts.strftime("%Y-%m-%dT%H:%M:%SZ"), interpreter
    )
    assert answer.status_code == 200, answer.json()
    first = Session.objects.get(interpreter=interpreter)
    # The last hour of the first session, written past the service's check.
    with pytest.raises(IntegrityError, match="session_interpreter_no_overlap"):
        with transaction.atomic():
            Session.objects.create(
                call=confirmed_call(),
                interpreter=interpreter,
                starts_at=first.planned_end - timedelta(minutes=60),
                planned_end=first.planned_end,
                blocked_from=first.planned_end - timedelta(minutes=60),
                blocked_until=first.planned_end + timedelta(minutes=15),
            )


@pytest.mark.parametrize("zone", ZONES)
def test_api_refuses_a_local_time_in_the_spring_gap(zone):
    wall = gap_wall(zone, next_change(zone, "spring"))
    operator = OperatorFactory(time_zone=zone)
    call = confirmed_call()
    answer = api_schedule(operator, call, wall.strftime("%Y-%m-%dT%H:%M"), InterpreterFactory())
    assert answer.status_code == 400, answer.json()
    message = answer.json()["errors"]["starts_at"][0]
    assert "does not exist" in message
    assert zone in message
    assert wall.strftime("%Y-%m-%d %H:%M") in message
    assert not Session.objects.filter(call=call).exists()


@pytest.mark.parametrize("zone", ZONES)
def test_api_refuses_an_autumn_local_time_that_happens_twice_naming_both_offsets(zone):
    change = next_change(zone, "autumn")
    wall = repeat_wall(zone, change)
    operator = OperatorFactory(time_zone=zone)
    call = confirmed_call()
    answer = api_schedule(operator, call, wall.strftime("%Y-%m-%dT%H:%M"), InterpreterFactory())
    assert answer.status_code == 400, answer.json()
    message = answer.json()["errors"]["starts_at"][0]
    assert "happens twice" in message
    for offset in offsets(zone, change):
        assert offset_text(offset) in message
    # With its offset, the same wall-clock time is one instant and is accepted.
    before, _after = offsets(zone, change)
    explicit = wall.strftime("%Y-%m-%dT%H:%M") + offset_text(before)
    accepted = api_schedule(operator, call, explicit, InterpreterFactory())
    assert accepted.status_code == 200, accepted.json()
    assert Session.objects.get(call=call).starts_at == (wall - before).replace(tzinfo=change.tzinfo)


# --- the admin form -----------------------------------------------------------


@pytest.fixture
def operator_client(client):
    operator = OperatorFactory(time_zone="UTC")
    client.force_login(operator)
    return client


def admin_schedule(client, call, wall, zone, interpreter, minutes=MINUTES):
    return client.post(
        reverse("admin:calls_call_schedule", args=[call.pk]),
        {
            "starts_at": wall.strftime("%Y-%m-%dT%H:%M"),
            "time_zone": zone,
            "interpreter": interpreter.pk,
            "minutes": minutes,
            "reason": "",
        },
    )


@pytest.mark.parametrize("season", SEASONS)
@pytest.mark.parametrize("zone", ZONES)
def test_admin_form_session_across_the_change_keeps_its_length(operator_client, zone, season):
    change = next_change(zone, season)
    before, _after = offsets(zone, change)
    # 90 minutes before the change: a wall-clock time that exists once in both
    # seasons (in autumn the last hour before the change comes round again).
    starts = change - timedelta(minutes=90)
    wall = (starts + before).replace(tzinfo=None)
    interpreter = InterpreterFactory()
    call = confirmed_call()
    response = admin_schedule(operator_client, call, wall, zone, interpreter)
    assert response.status_code == 302, response.content.decode()[-3000:]
    session = Session.objects.get(call=call)
    assert session.starts_at == starts
    assert session.planned_end - session.starts_at == timedelta(minutes=MINUTES)
    # Another call for the same interpreter in the session's second hour is
    # refused (typed in UTC: in autumn that hour's wall clock happens twice).
    other = confirmed_call()
    second_hour = (starts + timedelta(minutes=70)).replace(tzinfo=None)
    clash = admin_schedule(operator_client, other, second_hour, "UTC", interpreter, minutes=30)
    assert clash.status_code == 200
    assert "already has a session" in clash.content.decode()
    assert not Session.objects.filter(call=other).exists()


@pytest.mark.parametrize("zone", ZONES)
def test_admin_form_refuses_a_time_in_the_spring_gap_on_the_field(operator_client, zone):
    wall = gap_wall(zone, next_change(zone, "spring"))
    call = confirmed_call()
    response = admin_schedule(operator_client, call, wall, zone, InterpreterFactory())
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "does not exist" in errors["starts_at"][0]
    assert "does not exist" in response.content.decode()
    assert not Session.objects.filter(call=call).exists()


@pytest.mark.parametrize("zone", ZONES)
def test_admin_form_refuses_an_autumn_time_that_happens_twice(operator_client, zone):
    change = next_change(zone, "autumn")
    call = confirmed_call()
    response = admin_schedule(
        operator_client, call, repeat_wall(zone, change), zone, InterpreterFactory()
    )
    assert response.status_code == 200
    message = response.context["form"].errors["starts_at"][0]
    assert "happens twice" in message
    for offset in offsets(zone, change):
        assert offset_text(offset) in message
    assert not Session.objects.filter(call=call).exists()
