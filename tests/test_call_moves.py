"""Moving a scheduled call (calls.services.moves): at once outside the
late-change window, as an office task inside it or when asked by the agency.

The clock is pinned to Monday 7 June 2027, 06:00 UTC. The client (New York)
can talk 13:00-16:00 UTC, the member (Kyiv) 12:00-17:00 UTC, the
interpreters (Kyiv) work 06:00-15:00 UTC on weekdays: the proposals of a day
are 13:00, 13:15, ... 14:xx UTC. The late-change window is 24 hours.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from billing.models import Entry
from calls import services
from calls.models import CallState, Session, SessionStatus
from calls.services.moves import call_move_request
from calls.services.slots import call_slot_book, call_slot_search
from common.errors import Conflict, DomainError
from notifications.models import Notification, OperatorTask, OperatorTaskKind
from scheduling.models import WorkingTime

from .concurrency import run_concurrently
from .factories import InterpreterFactory, OperatorFactory
from .flows import confirmed_weekday_call as confirmed_call

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 6, 7, 6, 0, tzinfo=UTC)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def at(day, hour, minute=0):
    return datetime(2027, 6, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def interpreter(languages="en, ru"):
    person = InterpreterFactory(languages=languages, time_zone="Europe/Kyiv")
    WorkingTime.objects.create(
        interpreter=person, hours=[{"days": WEEKDAYS, "from": "09:00", "to": "18:00"}]
    )
    return person


def scheduled_call(starts_at):
    call = confirmed_call()
    call_slot_book(call=call, starts_at=starts_at, interpreter_id=None, actor=call.client)
    call.refresh_from_db()
    return call


def live_session(call):
    return Session.objects.get(call=call, status=SessionStatus.PLANNED)


def test_a_client_moves_a_call_outside_the_window_at_once():
    olena = interpreter()
    call = scheduled_call(at(9, 13))  # Wednesday, 55 hours ahead
    old = live_session(call)
    entries = Entry.objects.count()
    messages = set(Notification.objects.values_list("pk", flat=True))

    result = call_move_request(
        call=call, actor=call.client, starts_at=at(10, 13), reason="a meeting"
    )

    assert result.moved and not result.asked_office
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED and call.outcome == ""
    session = live_session(call)
    assert (session.starts_at, session.interpreter) == (at(10, 13), olena)
    old.refresh_from_db()
    assert old.status == SessionStatus.SUPERSEDED
    assert call.transitions.last().actor == call.client
    assert call.transitions.last().reason == "moved: a meeting"
    assert Entry.objects.count() == entries  # no money moves, no late-cancel fee
    # The old time is free again: the finder offers Wednesday 13:00.
    assert at(9, 13) in {p.starts_at for p in call_slot_search(call, limit=1000).proposals}
    # The "moved" messages, written once: client, agent, interpreter.
    new = Notification.objects.exclude(pk__in=messages)
    agent = call.member.agency.staff.first()
    assert sorted(new.values_list("kind", "recipient_id")) == sorted(
        [("scheduled", call.client.pk), ("scheduled", agent.pk), ("scheduled", olena.pk)]
    )
    assert not OperatorTask.objects.filter(kind=OperatorTaskKind.MOVE_REQUESTED).exists()


def test_the_same_interpreter_keeps_the_call_when_free():
    interpreter()
    call = scheduled_call(at(9, 13))
    kept = live_session(call).interpreter
    interpreter()  # another who would also do
    call_move_request(call=call, actor=call.client, starts_at=at(11, 14))
    assert live_session(call).interpreter == kept


def test_a_time_that_is_not_proposed_is_refused_and_nothing_changes():
    interpreter()
    call = scheduled_call(at(9, 13))
    with pytest.raises(Conflict) as info:
        call_move_request(call=call, actor=call.client, starts_at=at(10, 3))  # nobody works then
    assert info.value.code == "slot_gone"
    assert live_session(call).starts_at == at(9, 13)


def test_inside_the_window_it_becomes_an_office_task_and_nothing_is_charged():
    interpreter()
    call = scheduled_call(at(7, 13))  # 7 hours ahead
    entries = Entry.objects.count()

    result = call_move_request(call=call, actor=call.client, starts_at=at(10, 13), reason="ill")

    assert result.asked_office and not result.moved
    session = live_session(call)
    assert session.starts_at == at(7, 13)
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED and call.outcome == ""
    task = OperatorTask.objects.get(kind=OperatorTaskKind.MOVE_REQUESTED)
    assert task.call == call and task.session == session
    assert "the client" in task.summary and "ill" in task.summary
    assert "Less than 24 hours ahead" in task.summary
    assert Entry.objects.count() == entries


def test_the_workflow_refuses_a_clients_late_reschedule_at_any_door():
    """The guard is the workflow's: the session cannot be superseded by the client late."""
    interpreter()
    call = scheduled_call(at(7, 13))
    with pytest.raises(Conflict) as info:
        services.session_schedule(
            call=call,
            starts_at=at(10, 13),
            interpreter=live_session(call).interpreter,
            actor=call.client,
        )
    assert info.value.code == "late_change"
    assert live_session(call).starts_at == at(7, 13)


def test_without_a_time_a_reason_is_needed_and_the_office_is_asked():
    interpreter()
    call = scheduled_call(at(9, 13))
    with pytest.raises(DomainError) as info:
        call_move_request(call=call, actor=call.client)
    assert info.value.field == "reason"
    call_move_request(call=call, actor=call.client, reason="none of the times suit")
    assert OperatorTask.objects.filter(call=call, kind=OperatorTaskKind.MOVE_REQUESTED).count() == 1


def test_beyond_the_move_limit_refused(settings):
    settings.CALL_MOVES_MAX = 2
    interpreter()
    call = scheduled_call(at(9, 13))
    call_move_request(call=call, actor=call.client, starts_at=at(10, 13))
    call_move_request(call=call, actor=call.client, starts_at=at(11, 13))
    with pytest.raises(DomainError) as info:
        call_move_request(call=call, actor=call.client, starts_at=at(14, 13))
    assert info.value.code == "move_limit"
    assert "moved 2 times" in info.value.message
    assert live_session(call).starts_at == at(11, 13)
    # The office may still move it.
    call_move_request(call=call, actor=OperatorFactory(), starts_at=at(14, 13))
    assert live_session(call).starts_at == at(14, 13)


def test_an_agencys_request_becomes_a_task():
    interpreter()
    call = scheduled_call(at(9, 13))
    agent = call.member.agency.staff.first()
    result = call_move_request(
        call=call, actor=agent, starts_at=at(10, 13), reason="the member works that day"
    )
    assert result.asked_office
    assert live_session(call).starts_at == at(9, 13)
    task = OperatorTask.objects.get(call=call, kind=OperatorTaskKind.MOVE_REQUESTED)
    assert "the agency" in task.summary and "the member works that day" in task.summary
    assert "Jun 10, 2027, 1:00 PM (UTC)" in task.summary


def test_a_call_that_is_not_scheduled_cannot_be_moved():
    interpreter()
    call = confirmed_call()
    with pytest.raises(Conflict):
        call_move_request(call=call, actor=call.client, starts_at=NOW + timedelta(days=3))


# --- The doors: the client's page, the agent's page, the API ---------------------


def test_the_client_moves_from_the_call_page(client):
    interpreter()
    call = scheduled_call(at(9, 13))
    client.force_login(call.client)
    page = client.get(reverse("client-call", args=[call.public_id])).content.decode()
    assert 'data-testid="move"' in page and "Move this call" in page
    assert "None of these: ask the office" in page
    # Wednesday 13:00 UTC is the call's own time; Monday 13:00 is offered (09:00 in
    # New York), on the earliest day of the move's calendar.
    assert 'data-testid="day-2027-06-07"' in page and ">9:00 AM<" in page
    olena = live_session(call).interpreter
    response = client.post(
        reverse("client-call-move", args=[call.public_id]),
        {"slot": f"{at(10, 13):%Y-%m-%dT%H:%M:%SZ}|{olena.pk}", "reason": ""},
    )
    assert response.status_code == 302
    assert live_session(call).starts_at == at(10, 13)


def test_the_client_asks_the_office_from_the_page_inside_the_window(client):
    interpreter()
    call = scheduled_call(at(7, 13))
    call.client.language = "ru"
    call.client.save(update_fields=["language"])
    client.force_login(call.client)
    page = client.get(reverse("client-call", args=[call.public_id])).content.decode()
    assert 'data-testid="move-late"' in page
    assert "Перенести звонок" in page and "До звонка меньше 24 часов" in page
    client.post(reverse("client-call-move", args=[call.public_id]), {"slot": "", "reason": "ill"})
    assert live_session(call).starts_at == at(7, 13)
    assert OperatorTask.objects.filter(call=call, kind=OperatorTaskKind.MOVE_REQUESTED).exists()


def test_the_agent_asks_from_the_call_page(client):
    interpreter()
    call = scheduled_call(at(9, 13))
    agent = call.member.agency.staff.first()
    client.force_login(agent)
    page = client.get(reverse("agent-call", args=[call.public_id])).content.decode()
    assert 'data-testid="move"' in page
    client.post(
        reverse("agent-call-move", args=[call.public_id]), {"reason": "free Thursday 15-17"}
    )
    task = OperatorTask.objects.get(call=call, kind=OperatorTaskKind.MOVE_REQUESTED)
    assert "free Thursday 15-17" in task.summary
    assert live_session(call).starts_at == at(9, 13)


def test_the_api_moves_for_the_client_and_asks_for_the_agency():
    interpreter()
    call = scheduled_call(at(9, 13))
    url = reverse("api-call-move", args=[call.public_id])
    api = APIClient()
    api.force_authenticate(call.client)
    response = api.post(url, {"starts_at": "2027-06-10T13:00:00Z"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["moved"], body["asked_office"]) == (True, False)
    assert datetime.fromisoformat(body["starts_at"]) == at(10, 13)
    # A time nobody can take: 409 with the readable sentence.
    response = api.post(url, {"starts_at": "2027-06-10T03:00:00Z"}, format="json")
    assert response.status_code == 409
    agent = APIClient()
    agent.force_authenticate(call.member.agency.staff.first())
    response = agent.post(url, {"reason": "the member is away"}, format="json")
    assert response.status_code == 200
    assert response.json()["asked_office"] is True
    assert datetime.fromisoformat(response.json()["starts_at"]) == at(10, 13)
    response = agent.post(url, {}, format="json")
    assert response.status_code == 400  # no time and no reason


def test_the_move_is_in_the_api_schema():
    api = APIClient()
    api.force_authenticate(OperatorFactory())
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/calls/{public_id}/move/"]["post"]
    assert operation["operationId"] == "calls_move"
    assert {"200", "400", "409"} <= set(operation["responses"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_move_and_a_pick_onto_one_interpreters_slot_one_wins_the_other_conflicts():
    """One interpreter, one free start wanted by two calls at once: the
    database's exclusion constraint (or the finder, if one committed first)
    lets one through; the other is a 409, never a double booking or a 500."""
    olena = interpreter()
    moving = scheduled_call(at(9, 13))
    picking = confirmed_call()
    wanted = at(10, 13)

    def move():
        return call_move_request(call=moving, actor=moving.client, starts_at=wanted)

    def pick():
        return call_slot_book(
            call=picking, starts_at=wanted, interpreter_id=None, actor=picking.client
        )

    results = run_concurrently(move, pick)
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1, results
    assert conflicts[0].status_code == 409 and conflicts[0].code == "slot_gone"
    assert not any(isinstance(r, Exception) and not isinstance(r, Conflict) for r in results)
    assert (
        Session.objects.filter(interpreter=olena, starts_at=wanted)
        .exclude(status=SessionStatus.SUPERSEDED)
        .count()
        == 1
    )
