"""The operators' admin: only operators get in; every button goes through the services."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from calls.models import CallState, CallTransition
from common import dates
from common.phones import readable

from .factories import (
    AgentFactory,
    ClientFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
)
from .flows import book, confirm, own_number, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = OperatorFactory(time_zone="Europe/Berlin")
    client.force_login(operator)
    client.operator = operator
    return client


@pytest.mark.parametrize("factory", [ClientFactory, AgentFactory, InterpreterFactory])
def test_nobody_but_operators_gets_into_the_admin(client, factory):
    user = factory()
    user.is_staff = True  # even a stray staff flag does not open the door
    user.save()
    client.force_login(user)
    response = client.get(reverse("admin:calls_call_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_operator_sees_the_call_list_with_filters(operator_client, django_assert_max_num_queries):
    for _ in range(5):
        call = book()
        confirm(call)
    url = reverse("admin:calls_call_changelist")
    with django_assert_max_num_queries(25):
        response = operator_client.get(url, {"state": "confirmed"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 5


@pytest.mark.parametrize("old", ["admin:calls_call_book", "admin:calls_call_add"])
def test_the_old_booking_addresses_open_the_office_screen_with_their_query(operator_client, old):
    """Links and buttons made for the admin's own booking form still work: the
    office's one-screen booking is the only one, and keeps what the link asked."""
    response = operator_client.get(reverse(old), {"again": "12", "client": "7"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:office_book')}?again=12&client=7"
    plain = operator_client.get(reverse(old))
    assert plain["Location"] == reverse("admin:office_book")


def test_schedule_in_the_operators_time_zone(operator_client):
    call = book()
    confirm(call)
    interpreter = InterpreterFactory()
    local = (timezone.now() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Berlin"))
    response = operator_client.post(
        reverse("admin:calls_call_schedule", args=[call.pk]),
        {
            "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
            "time_zone": "Europe/Berlin",
            "interpreter": interpreter.pk,
            "minutes": 30,
            "reason": "",
        },
    )
    assert response.status_code == 302, response.content
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED
    session = call.sessions.get()
    assert session.starts_at == local.replace(second=0, microsecond=0)


def test_schedule_conflict_is_a_readable_message(operator_client):
    interpreter = InterpreterFactory()
    start = timezone.now() + timedelta(days=2)
    first = book()
    confirm(first)
    schedule(first, operator=operator_client.operator, interpreter=interpreter, starts_at=start)
    second = book()
    confirm(second)
    response = operator_client.post(
        reverse("admin:calls_call_schedule", args=[second.pk]),
        {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "time_zone": "UTC",
            "interpreter": interpreter.pk,
            "minutes": 30,
        },
    )
    assert response.status_code == 200
    assert "already has a session" in response.content.decode()
    second.refresh_from_db()
    assert second.state == CallState.CONFIRMED


def test_operator_confirms_for_the_agent_with_the_same_rules(operator_client):
    call = book()
    url = reverse("admin:calls_call_confirm", args=[call.pk])
    bad = operator_client.post(
        url, {"member_number": "+380671234567", "agent_mobile": "12", "dial": "member"}
    )
    assert bad.status_code == 200
    assert "not a valid phone number" in bad.content.decode()
    good = operator_client.post(
        url,
        {
            "member_number": "+380671234567",
            "agent_mobile": "+380507654321",
            "responsible_name": "Olena",
            "responsible_number": "+380442223344",
            "dial": "member",
            "availability": "evenings",
        },
    )
    assert good.status_code == 302, good.content
    call.refresh_from_db()
    assert call.state == CallState.CONFIRMED
    assert str(call.confirmation.dial_number) == "+380671234567"


def test_call_page_shows_buttons_contacts_and_audit(operator_client):
    call = book()
    confirm(call)
    session = schedule(call, operator=operator_client.operator)
    response = operator_client.get(reverse("admin:calls_call_change", args=[call.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin:calls_call_transition", args=[call.pk, "cancelled"]) in body
    assert readable(own_number(call.member)) in body  # the agent's numbers, as people read them
    assert readable(session.interpreter.phone) in body  # the interpreter's contact
    assert "Audit trail" in body


def test_cancel_button_goes_through_the_workflow(operator_client):
    call = book()
    response = operator_client.post(
        reverse("admin:calls_call_transition", args=[call.pk, "cancelled"]),
        {"reason": "client phoned"},
    )
    assert response.status_code == 302
    last = CallTransition.objects.filter(call=call).last()
    assert (last.to_state, last.actor, last.reason) == (
        "cancelled",
        operator_client.operator,
        "client phoned",
    )


def test_illegal_button_shows_the_refusal(operator_client):
    call = book()
    response = operator_client.post(
        reverse("admin:calls_call_transition", args=[call.pk, "completed"]), {"reason": ""}
    )
    assert response.status_code == 200
    assert "cannot become" in response.content.decode()


def test_bulk_cancel_reports_each_refusal(operator_client):
    ok = book()
    done = book()
    operator_client.post(
        reverse("admin:calls_call_transition", args=[done.pk, "cancelled"]), {"reason": "x"}
    )
    url = reverse("admin:calls_call_changelist")
    chosen = {"action": "cancel_selected", "_selected_action": [ok.pk, done.pk]}
    # First the operator is asked, with the calls listed; nothing changes yet.
    asked = operator_client.post(url, chosen)
    assert asked.status_code == 200
    assert ok.number in asked.content.decode() and 'name="confirmed"' in asked.content.decode()
    ok.refresh_from_db()
    assert ok.state != CallState.CANCELLED
    response = operator_client.post(url, {**chosen, "confirmed": "yes"}, follow=True)
    body = response.content.decode()
    assert "1 call(s) cancelled." in body
    assert "cannot become" in body


def test_operator_reads_session_times_in_their_own_time_zone(operator_client):
    call = book()
    confirm(call)
    start = (timezone.now() + timedelta(days=3)).replace(hour=16, minute=0, second=0, microsecond=0)
    schedule(call, operator=operator_client.operator, starts_at=start)
    response = operator_client.get(reverse("admin:calls_call_changelist"))
    with timezone.override(ZoneInfo("Europe/Berlin")), translation.override("en"):
        berlin = dates.format_datetime(start)  # the date policy, in the operator's zone
    # 16:00 UTC on Berlin's wall clock on that day: 17:00 in winter, 18:00 in summer.
    wall = start.astimezone(ZoneInfo("Europe/Berlin"))
    assert berlin.endswith(f", {wall.strftime('%-I:%M %p')}")
    assert wall.hour in (17, 18)
    assert berlin in response.content.decode()
    assert start.strftime("%Y-%m-%d %H:%M") != berlin


def test_a_missed_call_is_booked_again_with_its_details(operator_client):
    call = book(minutes=45)
    confirm(call)
    session = schedule(call, operator=operator_client.operator)
    # Signed in again at the time (the admin's session has an idle limit).
    with time_machine.travel(session.starts_at + timedelta(minutes=31), tick=False):
        operator_client.force_login(operator_client.operator)
        operator_client.post(
            reverse("admin:calls_call_transition", args=[call.pk, "missed"]),
            {"reason": "no answer", "outcome": "office_fault"},
        )
        page = operator_client.get(reverse("admin:calls_call_change", args=[call.pk]))
        again_url = f"{reverse('admin:office_book')}?again={call.pk}"
        assert again_url in page.content.decode()
        form = operator_client.get(again_url).context["form"]
    assert form["client"].value() == call.client_id
    assert form["member"].value() == f"{call.member.reference} · {call.member.agency.name}"
    assert form["planned_minutes"].value() == 45


def test_operator_confirming_for_an_agent_who_is_responsible_names_the_agent(operator_client):
    call = book()
    agent = call.member.agency.staff.get()
    response = operator_client.post(
        reverse("admin:calls_call_confirm", args=[call.pk]),
        {
            "member_number": "+380671234567",
            "agent_mobile": "+380507654321",
            "agent_second": "+380442223344",
            "agent_is_responsible": "on",
            "dial": "member",
            "availability": "",
        },
    )
    assert response.status_code == 302, response.content
    call.refresh_from_db()
    assert call.confirmation.responsible_name == agent.get_full_name()


def test_schedule_form_shows_the_time_for_client_member_and_interpreter_before_saving(
    operator_client,
):
    """A New York client is not booked at 03:00 unawares: the preview says "at night"."""
    client = ClientFactory(time_zone="America/New_York")
    member = MemberFactory(time_zone="Europe/Kyiv")
    call = book(client=client, member=member)
    confirm(call)
    interpreter = InterpreterFactory(time_zone="Europe/Berlin")
    start = (timezone.now() + timedelta(days=3)).astimezone(ZoneInfo("Europe/Kyiv"))
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)  # 10:00 in Kyiv
    url = reverse("admin:calls_call_schedule", args=[call.pk])
    response = operator_client.post(
        url,
        {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "time_zone": "Europe/Kyiv",
            "interpreter": interpreter.pk,
            "minutes": 30,
            "reason": "",
            "preview": "Show the time for everyone",
        },
    )
    assert response.status_code == 200
    call.refresh_from_db()
    assert call.state == CallState.CONFIRMED  # a preview saves nothing
    rows = {row["label"]: row for row in response.context["zone_times"]}
    new_york = start.astimezone(ZoneInfo("America/New_York"))
    berlin = start.astimezone(ZoneInfo("Europe/Berlin"))
    assert rows["Client"]["text"].endswith(new_york.strftime("%-I:%M %p"))
    assert rows["Client"]["night"] is True  # 03:00 (or 02:00) in New York
    assert rows["Member"]["text"].endswith("10:00 AM") and not rows["Member"]["night"]
    assert rows["Interpreter"]["text"].endswith(berlin.strftime("%-I:%M %p"))
    assert "at night" in response.content.decode()
