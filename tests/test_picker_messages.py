"""Told at the right moment, exactly once: the client when the member agrees
(with the link to pick), the agent when the client picked, client and agent
(and the interpreter) when a call moves. And the agency's move request with
the member's new windows: stored, and kept to by every later search.

The clock is pinned to Monday 7 June 2027, 06:00 UTC; the people and their
times are those of test_slot_calendar (starts 13:00-14:30 UTC on weekdays).
"""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from billing.models import Entry
from calls.models import Session, SessionStatus
from calls.services.moves import call_move_request
from calls.services.slots import call_slot_book, call_slot_days
from common.errors import DomainError
from notifications.models import Notification, OperatorTask, OperatorTaskKind

from .test_slot_calendar import (  # noqa: F401 (pinned_clock is this module's clock too)
    at,
    confirmed_call,
    interpreter,
    pinned_clock,
)

pytestmark = pytest.mark.django_db

# Thursdays 16:00-17:00 in Kyiv = 13:00-14:00 UTC: starts 13:00, 13:15, 13:30.
THURSDAY_AFTERNOONS = [{"days": ["thu"], "from": "16:00", "to": "17:00"}]


def new_rows(before):
    return Notification.objects.exclude(pk__in=before)


def test_the_client_is_told_once_when_the_member_agrees_with_the_link_to_pick():
    call = confirmed_call(language="ru")
    (told,) = Notification.objects.filter(call=call, kind="confirmed")
    assert told.recipient == call.client and told.language == "ru"
    assert told.subject.endswith("выберите время")
    assert reverse("client-call", args=[call.public_id]) in told.body


def test_the_agent_is_told_once_in_their_language_when_the_client_picked():
    olena = interpreter()
    call = confirmed_call()
    agent = call.member.agency.staff.get()
    assert agent.language == "ru"
    before = set(Notification.objects.values_list("pk", flat=True))
    call_slot_book(call=call, starts_at=at(9, 13), interpreter_id=None, actor=call.client)
    rows = new_rows(before)
    assert sorted(rows.values_list("kind", "recipient_id")) == sorted(
        [("scheduled", call.client.pk), ("scheduled", agent.pk), ("scheduled", olena.pk)]
    )
    to_agent = rows.get(recipient=agent)
    assert to_agent.language == "ru"
    assert "Клиент выбрал это время из предложенных." in to_agent.body
    assert "выбрал" not in rows.get(recipient=call.client).body  # the client knows
    # A second pick is refused and tells nobody again.
    with pytest.raises(DomainError):
        call_slot_book(call=call, starts_at=at(10, 13), interpreter_id=None, actor=call.client)
    assert new_rows(before).count() == 3


def test_each_move_tells_client_agent_and_interpreter_once():
    interpreter()
    call = confirmed_call()
    call_slot_book(call=call, starts_at=at(9, 13), interpreter_id=None, actor=call.client)
    agent = call.member.agency.staff.get()
    for new_day in (10, 14):
        before = set(Notification.objects.values_list("pk", flat=True))
        call_move_request(call=call, actor=call.client, starts_at=at(new_day, 13))
        rows = new_rows(before)
        assert rows.filter(kind="scheduled").count() == 3
        assert rows.filter(recipient=call.client).count() == 1
        to_agent = rows.get(recipient=agent)
        assert "Звонок перенесён" in to_agent.body and "Клиент перенёс его." in to_agent.body
        assert f"{new_day} июня" in to_agent.body


def test_the_agencys_request_with_windows_is_stored_and_searched_within():
    interpreter()
    call = confirmed_call()
    call_slot_book(call=call, starts_at=at(9, 13), interpreter_id=None, actor=call.client)
    agent = call.member.agency.staff.get()
    entries = Entry.objects.count()
    before = set(Notification.objects.values_list("pk", flat=True))

    result = call_move_request(
        call=call, actor=agent, member_windows=THURSDAY_AFTERNOONS, reason=""
    )

    assert result.asked_office and not result.moved
    call.confirmation.refresh_from_db()
    assert call.confirmation.member_windows == THURSDAY_AFTERNOONS
    task = OperatorTask.objects.get(call=call, kind=OperatorTaskKind.MOVE_REQUESTED)
    assert "thu 16:00-17:00 (Europe/Kyiv)" in task.summary
    assert "were: mon-fri 15:00-20:00" in task.summary
    # Nothing moved, nothing charged, nobody but the office told.
    assert Session.objects.get(call=call, status=SessionStatus.PLANNED).starts_at == at(9, 13)
    assert Entry.objects.count() == entries and not new_rows(before).exists()
    # The office's and the client's searches now keep to the member's new times.
    found = call_slot_days(call, viewer_zone="Europe/Kyiv")
    assert [d.day for d in found.days] == [date(2027, 6, 10), date(2027, 6, 17)]
    assert [p.starts_at for p in found.days[0].proposals] == [
        at(10, 13),
        at(10, 13, 15),
        at(10, 13, 30),
    ]
    moved = call_move_request(call=call, actor=call.client, starts_at=at(17, 13, 30))
    assert moved.moved and moved.session.starts_at == at(17, 13, 30)


def test_windows_are_the_agencys_to_give_and_are_checked():
    interpreter()
    call = confirmed_call()
    call_slot_book(call=call, starts_at=at(9, 13), interpreter_id=None, actor=call.client)
    agent = call.member.agency.staff.get()
    with pytest.raises(DomainError) as info:
        call_move_request(call=call, actor=call.client, member_windows=THURSDAY_AFTERNOONS)
    assert info.value.errors == {"member_windows": [info.value.message]}
    for bad in (
        [{"days": ["thu"], "from": "17:00", "to": "16:00"}],
        [{"from": "2027-06-01T10:00", "to": "2027-06-01T12:00"}],
    ):
        with pytest.raises(DomainError) as info:
            call_move_request(call=call, actor=agent, member_windows=bad)
        assert "member_windows" in info.value.errors
    call.confirmation.refresh_from_db()
    assert call.confirmation.member_windows == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "15:00", "to": "20:00"}
    ]
    assert not OperatorTask.objects.filter(call=call).exists()


def test_the_agent_gives_new_windows_on_the_call_page(client):
    interpreter()
    call = confirmed_call()
    call_slot_book(call=call, starts_at=at(9, 13), interpreter_id=None, actor=call.client)
    agent = call.member.agency.staff.get()
    client.force_login(agent)
    url = reverse("agent-call", args=[call.public_id])
    page = client.get(url).content.decode()
    assert 'name="member_windows"' in page and "Europe/Kyiv" in page
    move = reverse("agent-call-move", args=[call.public_id])
    refused = client.post(move, {"member_windows": "чт 17:00-16:00", "reason": ""})
    assert refused.status_code == 400
    assert "чт 17:00-16:00" in refused.content.decode()  # what was typed is kept
    assert not OperatorTask.objects.filter(call=call).exists()
    response = client.post(move, {"member_windows": "чт 16:00-17:00", "reason": ""})
    assert response.status_code == 302
    call.confirmation.refresh_from_db()
    assert call.confirmation.member_windows == THURSDAY_AFTERNOONS
    assert OperatorTask.objects.filter(call=call, kind=OperatorTaskKind.MOVE_REQUESTED).exists()


def test_the_api_takes_the_members_windows_from_the_agency_only():
    interpreter()
    call = confirmed_call()
    call_slot_book(call=call, starts_at=at(9, 13), interpreter_id=None, actor=call.client)
    url = reverse("api-call-move", args=[call.public_id])
    agent = APIClient()
    agent.force_authenticate(call.member.agency.staff.get())
    bad = agent.post(
        url, {"member_windows": [{"days": ["xyz"], "from": "16:00", "to": "17:00"}]}, format="json"
    )
    assert bad.status_code == 400
    response = agent.post(url, {"member_windows": THURSDAY_AFTERNOONS}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["asked_office"] is True
    call.confirmation.refresh_from_db()
    assert call.confirmation.member_windows == THURSDAY_AFTERNOONS
    owner = APIClient()
    owner.force_authenticate(call.client)
    refused = owner.post(url, {"member_windows": THURSDAY_AFTERNOONS, "reason": "x"}, format="json")
    assert refused.status_code == 400
