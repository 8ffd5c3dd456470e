"""Reminders, chasing agents and the missed-call chain (SPEC "Reminders and escalations").

Time is passed in as `now`; nothing sleeps.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from agents.links import agent_link_read
from calls import services as call_services
from calls.models import CallState, SessionStatus
from common.phones import readable
from notifications import services, sweeps
from notifications.models import Notification, OperatorTask, OperatorTaskKind

from . import notifications_support as support
from .factories import (
    DutyManagerFactory,
    InterpreterFactory,
    OperatorFactory,
    aware,
)
from .flows import book, confirm, own_number, schedule

pytestmark = pytest.mark.django_db

agent_link_view = support.agent_link_view  # fixture
queued = support.queued  # fixture

NOW = aware(2030, 3, 1, 9, 0)
START = aware(2030, 3, 4, 15, 0)


@pytest.fixture
def people(db):
    return {
        "operator": OperatorFactory(),
        "duty": DutyManagerFactory(
            first_name="Dmytro", last_name="Chernenko", phone="+380445556677"
        ),
        "interpreter": InterpreterFactory(
            first_name="Iryna",
            last_name="Koval",
            phone="+380441234567",
            email="iryna@example.org",
        ),
    }


@pytest.fixture
def scheduled(people, queued, agent_link_view, django_capture_on_commit_callbacks):
    """A call confirmed by its agent and scheduled at START with Iryna Koval."""
    with django_capture_on_commit_callbacks(execute=True):
        call = book(now=NOW)
        confirm(call, now=NOW)
        session = schedule(
            call,
            operator=people["operator"],
            interpreter=people["interpreter"],
            starts_at=START,
            now=NOW,
        )
    queued.run()
    mail.outbox.clear()
    call.refresh_from_db()
    return call, session


def sweep(function, now, capture):
    with capture(execute=True):
        return function(now=now)


def kinds_for(session):
    return sorted(
        Notification.objects.filter(session=session).values_list("kind", "recipient__role")
    )


def delivered(session, kind, role):
    """The message as it left: reminders are recorded in bulk and their text is
    written when they are delivered (here at the time they were recorded)."""
    row = Notification.objects.get(session=session, kind=kind, recipient__role=role)
    services.notification_deliver(notification_id=row.pk, now=row.next_attempt_at)
    row.refresh_from_db()
    return row


def body_for(session, kind, role):
    return delivered(session, kind, role).body


# --- Reminders ---------------------------------------------------------------------


def test_24h_reminder_goes_to_client_agent_and_interpreter_once(
    scheduled, queued, django_capture_on_commit_callbacks
):
    call, session = scheduled
    at = START - timedelta(hours=24) + timedelta(minutes=1)
    assert sweep(sweeps.sweep_reminders, at, django_capture_on_commit_callbacks) == 1
    assert sweep(sweeps.sweep_reminders, at, django_capture_on_commit_callbacks) == 0
    reminders = Notification.objects.filter(session=session, kind="reminder1440")
    assert sorted(reminders.values_list("recipient__role", flat=True)) == [
        "agent",
        "client",
        "interpreter",
    ]
    assert queued.run() == ["sent"] * 3
    assert len(mail.outbox) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.address for r in reminders)


def test_no_reminder_before_it_is_due(scheduled, django_capture_on_commit_callbacks):
    _call, session = scheduled
    at = START - timedelta(hours=24) - timedelta(minutes=1)
    assert sweep(sweeps.sweep_reminders, at, django_capture_on_commit_callbacks) == 0
    assert not Notification.objects.filter(session=session, kind__startswith="reminder").exists()


def test_1h_reminder_follows_the_24h_one(scheduled, django_capture_on_commit_callbacks):
    _call, session = scheduled
    sweep(sweeps.sweep_reminders, START - timedelta(hours=23), django_capture_on_commit_callbacks)
    sweep(sweeps.sweep_reminders, START - timedelta(minutes=59), django_capture_on_commit_callbacks)
    assert [k for k, _ in kinds_for(session) if k.startswith("reminder")] == (
        ["reminder1440"] * 3 + ["reminder60"] * 3
    )


def test_a_session_first_seen_inside_the_last_hour_gets_only_the_1h_reminder(
    scheduled, django_capture_on_commit_callbacks
):
    _call, session = scheduled
    sweep(sweeps.sweep_reminders, START - timedelta(minutes=30), django_capture_on_commit_callbacks)
    assert {k for k, _ in kinds_for(session) if k.startswith("reminder")} == {"reminder60"}


def test_reminder_offsets_are_configurable(scheduled, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_REMINDER_MINUTES = [180]
    _call, session = scheduled
    sweep(sweeps.sweep_reminders, START - timedelta(hours=2), django_capture_on_commit_callbacks)
    assert {k for k, _ in kinds_for(session) if k.startswith("reminder")} == {"reminder180"}


def test_agents_reminder_names_the_interpreter_the_duty_manager_and_the_numbers(
    scheduled, django_capture_on_commit_callbacks
):
    call, session = scheduled
    sweep(sweeps.sweep_reminders, START - timedelta(minutes=59), django_capture_on_commit_callbacks)
    body = body_for(session, "reminder60", "agent")
    assert "Iryna Koval" in body
    # Numbers as people read them (common/phones.py), not raw E.164.
    assert "+380 44 123 4567" in body and "iryna@example.org" in body
    assert "Dmytro Chernenko" in body and "+380 44 555 6677" in body
    for number in (readable(own_number(call.member)), "+380 50 765 4321", "+380 44 222 3344"):
        assert number in body
    assert "Olena Petrenko" in body  # the responsible employee
    assert "&#x27;" not in body  # plain text, not HTML-escaped


def test_interpreters_reminder_has_the_number_to_dial(
    scheduled, django_capture_on_commit_callbacks
):
    call, session = scheduled
    sweep(sweeps.sweep_reminders, START - timedelta(minutes=59), django_capture_on_commit_callbacks)
    body = body_for(session, "reminder60", "interpreter")
    assert readable(own_number(call.member)) in body


def test_video_reminder_gives_the_interpreter_the_video_handle(
    people, queued, agent_link_view, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call = book(kind="video", now=NOW)
        confirm(call, now=NOW)
        session = schedule(
            call, operator=people["operator"], interpreter=people["interpreter"], starts_at=START
        )
    sweep(sweeps.sweep_reminders, START - timedelta(minutes=59), django_capture_on_commit_callbacks)
    assert "olena.skype" in body_for(session, "reminder60", "interpreter")


def test_messages_are_in_the_recipients_language_and_time_zone(
    scheduled, django_capture_on_commit_callbacks
):
    """The agent (factory: Russian, Kyiv) reads a Russian date in Kyiv time;
    the client (English, New York) an English one in New York time."""
    _call, session = scheduled
    sweep(sweeps.sweep_reminders, START - timedelta(minutes=59), django_capture_on_commit_callbacks)
    agent = delivered(session, "reminder60", "agent")
    client = delivered(session, "reminder60", "client")
    assert agent.language == "ru"
    assert "4 марта 2030 в 17:00 (Europe/Kyiv)" in agent.body  # 15:00 UTC
    assert "Ваш переводчик: Iryna Koval" in agent.body
    assert client.language == "en"
    assert "Mar 4, 2030 at 10:00 AM (America/New_York)" in client.body
    assert client.subject.startswith("Reminder:")


def test_a_rescheduled_session_gets_fresh_reminders_and_the_old_one_none(
    scheduled, people, django_capture_on_commit_callbacks
):
    call, old = scheduled
    with django_capture_on_commit_callbacks(execute=True):
        new = schedule(
            call,
            operator=people["operator"],
            interpreter=people["interpreter"],
            starts_at=START + timedelta(hours=2),
            now=NOW,
        )
    # Both sessions are "in the next hour" for this sweep; only the live one counts.
    sweep(
        sweeps.sweep_reminders,
        START + timedelta(hours=1, minutes=30),
        django_capture_on_commit_callbacks,
    )
    assert not Notification.objects.filter(session=old, kind__startswith="reminder").exists()
    assert Notification.objects.filter(session=new, kind="reminder60").count() == 3
    # The people heard of the new time.
    assert Notification.objects.filter(session=new, kind="scheduled").count() == 3


def test_a_cancelled_session_gets_no_reminders_and_its_people_are_told(
    scheduled, django_capture_on_commit_callbacks
):
    call, session = scheduled
    with django_capture_on_commit_callbacks(execute=True):
        call_services.call_cancel(call=call, actor=call.client, reason="plans changed")
    sweep(sweeps.sweep_reminders, START - timedelta(minutes=59), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(session=session, kind__startswith="reminder").exists()
    told = Notification.objects.filter(call=call, kind="cancelled")
    # The client too, though they cancelled: the CANCEL takes the call out of their calendar.
    assert sorted(told.values_list("recipient__role", flat=True)) == [
        "agent",
        "client",
        "interpreter",
    ]


def test_scheduling_tells_client_agent_and_interpreter(scheduled):
    _call, session = scheduled
    assert kinds_for(session) == [
        ("scheduled", "agent"),
        ("scheduled", "client"),
        ("scheduled", "interpreter"),
    ]
    assert "Iryna Koval" in body_for(session, "scheduled", "agent")


# --- Not started in time -------------------------------------------------------------


def test_ten_minutes_late_marks_overdue_and_alerts_agent_interpreter_and_duty_manager(
    scheduled, django_capture_on_commit_callbacks
):
    _call, session = scheduled
    at = START + timedelta(minutes=10, seconds=1)
    assert sweep(sweeps.sweep_overdue, at, django_capture_on_commit_callbacks) == 1
    assert sweep(sweeps.sweep_overdue, at, django_capture_on_commit_callbacks) == 0
    session.refresh_from_db()
    assert session.status == SessionStatus.OVERDUE
    overdue = Notification.objects.filter(session=session, kind="overdue")
    assert sorted(overdue.values_list("recipient__role", flat=True)) == [
        "agent",
        "duty_manager",
        "interpreter",
    ]
    agent_text = body_for(session, "overdue", "agent")
    assert "Iryna Koval" in agent_text and "+380 44 123 4567" in agent_text
    assert "Dmytro Chernenko" in agent_text and "+380 44 555 6677" in agent_text


def test_nine_minutes_late_is_not_yet_overdue(scheduled, django_capture_on_commit_callbacks):
    _call, session = scheduled
    sweep(sweeps.sweep_overdue, START + timedelta(minutes=9), django_capture_on_commit_callbacks)
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED


def test_a_started_session_is_never_overdue(scheduled, people, django_capture_on_commit_callbacks):
    _call, session = scheduled
    call_services.session_start(
        session=session, actor=people["interpreter"], now=START + timedelta(minutes=5)
    )
    result = sweep(
        sweeps.sweep_due, START + timedelta(minutes=45), django_capture_on_commit_callbacks
    )
    assert result["overdue"] == result["missed"] == 0
    assert not Notification.objects.filter(session=session, kind__in=["overdue", "missed"]).exists()


def test_thirty_minutes_late_the_call_is_missed_client_told_and_a_task_opened(
    scheduled, django_capture_on_commit_callbacks
):
    from billing.selectors import client_held

    call, session = scheduled
    assert client_held(call.client) > 0
    sweep(sweeps.sweep_due, START + timedelta(minutes=11), django_capture_on_commit_callbacks)
    at = START + timedelta(minutes=30, seconds=1)
    assert sweep(sweeps.sweep_missed, at, django_capture_on_commit_callbacks) == 1
    assert sweep(sweeps.sweep_missed, at, django_capture_on_commit_callbacks) == 0
    call.refresh_from_db()
    session.refresh_from_db()
    assert call.state == CallState.MISSED
    assert session.status == SessionStatus.MISSED
    assert client_held(call.client) == 0  # the workflow released the hold through billing
    last = call.transitions.last()
    assert (last.to_state, last.actor) == (CallState.MISSED, None)
    task = OperatorTask.objects.get(call=call)
    assert task.kind == OperatorTaskKind.RESCHEDULE_MISSED and task.status == "open"
    assert Notification.objects.filter(call=call, kind="missed", recipient=call.client).count() == 1
    told = set(
        Notification.objects.filter(call=call, kind="missed").values_list(
            "recipient__role", flat=True
        )
    )
    assert told == {"client", "operator", "duty_manager"}


def test_thresholds_are_configurable(scheduled, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_OVERDUE_AFTER_MINUTES = 5
    settings.NOTIFY_MISSED_AFTER_MINUTES = 15
    call, session = scheduled
    sweep(sweeps.sweep_due, START + timedelta(minutes=6), django_capture_on_commit_callbacks)
    session.refresh_from_db()
    assert session.status == SessionStatus.OVERDUE
    sweep(sweeps.sweep_due, START + timedelta(minutes=16), django_capture_on_commit_callbacks)
    call.refresh_from_db()
    assert call.state == CallState.MISSED


def test_found_long_after_its_time_a_session_goes_straight_to_missed(
    scheduled, django_capture_on_commit_callbacks
):
    call, session = scheduled
    result = sweep(sweeps.sweep_due, START + timedelta(hours=5), django_capture_on_commit_callbacks)
    assert result["missed"] == 1 and result["overdue"] == 0
    assert not Notification.objects.filter(session=session, kind="overdue").exists()


# --- Agents who don't answer -------------------------------------------------------------


@pytest.fixture
def awaiting(people, queued, agent_link_view, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call = book(now=NOW)
    return call


def test_the_agent_is_asked_with_a_signed_link(awaiting, queued):
    queued.run()  # the request's text (and its personal link) is written as it leaves
    assert len(mail.outbox) == 1
    request = Notification.objects.get(call=awaiting, kind="agent_request")
    assert request.recipient.role == "agent"
    assert mail.outbox[0].body == request.body  # what was sent is what is shown
    token = request.body.split("/link/")[1].split("/")[0]
    link = agent_link_read(token)
    assert link is not None
    assert (link.call_public_id, link.agent_id) == (str(awaiting.public_id), request.recipient_id)


def test_the_request_is_written_with_the_state_change_and_never_again_by_the_sweep(
    awaiting, django_capture_on_commit_callbacks
):
    """One path: the change to "awaiting agent" writes the request in its own
    transaction (it can't be lost), so the sweep has nothing to make good."""
    assert Notification.objects.filter(call=awaiting, kind="agent_request").count() == 1
    Notification.objects.filter(call=awaiting).delete()
    sweep(sweeps.sweep_agents, NOW + timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(call=awaiting, kind="agent_request").exists()


def test_an_unanswered_request_is_chased_then_escalated(
    awaiting, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_AGENT_REMINDER_AFTER_HOURS = 12
    settings.NOTIFY_AGENT_DEADLINE_HOURS = 48
    sweep(sweeps.sweep_agents, NOW + timedelta(hours=11), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(call=awaiting, kind="agent_chase").exists()
    for _ in range(2):
        sweep(sweeps.sweep_agents, NOW + timedelta(hours=12), django_capture_on_commit_callbacks)
    assert Notification.objects.filter(call=awaiting, kind="agent_chase").count() == 1
    assert not OperatorTask.objects.exists()
    for _ in range(2):
        sweep(sweeps.sweep_agents, NOW + timedelta(hours=48), django_capture_on_commit_callbacks)
    task = OperatorTask.objects.get(call=awaiting)
    assert task.kind == OperatorTaskKind.AGENT_NO_ANSWER
    escalated = Notification.objects.filter(call=awaiting, kind="agent_escalated")
    assert escalated.exists()
    assert set(escalated.values_list("recipient__role", flat=True)) == {"operator"}


def test_the_escalation_closes_itself_when_the_agent_answers_late(
    awaiting, django_capture_on_commit_callbacks
):
    sweep(sweeps.sweep_agents, NOW + timedelta(hours=49), django_capture_on_commit_callbacks)
    assert OperatorTask.objects.get(call=awaiting).status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        confirm(awaiting, now=NOW + timedelta(hours=50))
    task = OperatorTask.objects.get(call=awaiting)
    assert task.status == "done" and task.done_by is None
    assert "confirmed" in task.note


def test_an_answered_request_is_not_chased(awaiting, django_capture_on_commit_callbacks):
    confirm(awaiting, now=NOW + timedelta(hours=1))
    sweep(sweeps.sweep_agents, NOW + timedelta(hours=72), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(call=awaiting, kind="agent_chase").exists()
    assert not OperatorTask.objects.exists()


def test_a_declined_request_is_reported_to_the_client(awaiting, django_capture_on_commit_callbacks):
    agent = Notification.objects.get(call=awaiting, kind="agent_request").recipient
    with django_capture_on_commit_callbacks(execute=True):
        call_services.call_decline(call=awaiting, actor=agent, reason="not interested")
    declined = Notification.objects.get(call=awaiting, kind="declined")
    assert declined.recipient == awaiting.client


# --- Scale ----------------------------------------------------------------------------


def test_sessions_far_ahead_cost_the_sweep_nothing(
    people, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """Queries don't grow with sessions that are not due (the sweep never lists them)."""
    for i in range(6):
        call = book(now=NOW)
        confirm(call, now=NOW)
        schedule(
            call,
            operator=people["operator"],
            interpreter=InterpreterFactory(),
            starts_at=START + timedelta(days=5 + i),
            now=NOW,
        )
    with django_assert_max_num_queries(12):
        result = sweeps.sweep_due(now=START)
    assert result == {"missed": 0, "overdue": 0, "reminders": 0, "agents": 0}


def test_a_reminder_still_waiting_when_the_session_moves_is_not_sent(
    scheduled, people, queued, django_capture_on_commit_callbacks
):
    """Recorded for the old time, not yet delivered (a broker outage): after the
    reschedule it would give the wrong time, so it is dropped, not sent."""
    call, old = scheduled
    sweep(sweeps.sweep_reminders, START - timedelta(hours=23), django_capture_on_commit_callbacks)
    stale_ids = list(queued)
    queued.clear()
    schedule(
        call,
        operator=people["operator"],
        interpreter=people["interpreter"],
        starts_at=START + timedelta(days=1),
        now=NOW,
    )
    assert [services.notification_deliver(notification_id=pk).outcome for pk in stale_ids] == [
        "stale"
    ] * 3
    assert mail.outbox == []
    assert set(Notification.objects.filter(session=old).values_list("status", flat=True)) == {
        "sent",  # the "scheduled" messages, sent before
        "stale",
    }


def test_an_overdue_alert_is_dropped_if_the_session_started_meanwhile(
    scheduled, people, queued, django_capture_on_commit_callbacks
):
    _call, session = scheduled
    sweep(sweeps.sweep_overdue, START + timedelta(minutes=11), django_capture_on_commit_callbacks)
    call_services.session_start(
        session=session, actor=people["interpreter"], now=START + timedelta(minutes=12)
    )
    assert queued.run() == ["stale"] * 3
    assert mail.outbox == []


def _scheduled_ahead(people, ahead, capture):
    """A call scheduled, on the clock, `ahead` of its start."""
    with time_machine.travel(NOW, tick=False), capture(execute=True):
        call = book(now=NOW)
        confirm(call, now=NOW)
        return schedule(
            call,
            operator=people["operator"],
            interpreter=people["interpreter"],
            starts_at=NOW + ahead,
            now=NOW,
        )


def reminder_kinds(session):
    return sorted({k for k, _ in kinds_for(session) if k.startswith("reminder")})


def test_scheduled_ten_hours_ahead_gets_no_24h_reminder_only_the_1h_one(
    people, django_capture_on_commit_callbacks
):
    """Issue 25 item 6: the 24 h reminder's time had passed when the session
    was scheduled; its "scheduled" message said it already."""
    capture = django_capture_on_commit_callbacks
    session = _scheduled_ahead(people, timedelta(hours=10), capture)
    assert {k for k, _ in kinds_for(session)} == {"scheduled"}
    sweep(sweeps.sweep_reminders, NOW + timedelta(minutes=1), capture)
    assert reminder_kinds(session) == []
    sweep(sweeps.sweep_reminders, session.starts_at - timedelta(minutes=59), capture)
    assert reminder_kinds(session) == ["reminder60"]


def test_scheduled_half_an_hour_ahead_gets_no_reminder_at_all(
    people, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    session = _scheduled_ahead(people, timedelta(minutes=30), capture)
    for minutes in (1, 10, 29):
        sweep(sweeps.sweep_reminders, NOW + timedelta(minutes=minutes), capture)
    assert reminder_kinds(session) == []
