"""The missed and overdue sweeps move a whole batch at once through the workflow
(workflow.transition_many, session_transition_many): each row checked and
audited, its messages written in the same transaction, a refused row left
alone, a failing batch redone row by row, and a query count that does not
grow with the batch.

Time is passed in as `now`; nothing sleeps.
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from billing.models import CallCharge, ChargeStatus
from calls import services as call_services
from calls import workflow
from calls.models import CallState, CallTransition, SessionStatus, SessionTransition
from notifications import sweeps
from notifications.models import Notification, OperatorTask, OperatorTaskKind

from .factories import (
    DutyManagerFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
    aware,
)
from .flows import book, confirm, schedule

pytestmark = pytest.mark.django_db

NOW = aware(2030, 3, 1, 9, 0)
START = aware(2030, 3, 4, 15, 0)


@pytest.fixture
def operator(db):
    DutyManagerFactory(phone="+380445556677")
    return OperatorFactory()


def scheduled_calls(operator, count, *, member=None):
    """`count` calls scheduled an hour apart from START, each with its own interpreter."""
    made = []
    for i in range(count):
        call = book(now=NOW, member=member)
        confirm(call, now=NOW)
        session = schedule(
            call,
            operator=operator,
            interpreter=InterpreterFactory(),
            starts_at=START + timedelta(hours=i),
            now=NOW,
        )
        call.refresh_from_db()
        made.append((call, session))
    return made


def after_all(made, minutes):
    return max(session.starts_at for _call, session in made) + timedelta(minutes=minutes)


def test_a_batch_is_audited_call_by_call_with_its_sessions_money_and_messages(operator):
    made = scheduled_calls(operator, 3)
    at = after_all(made, 31)

    moved = workflow.transition_many([call.pk for call, _s in made], CallState.MISSED, now=at)

    assert sorted(moved.ids) == sorted(call.pk for call, _s in made) and not moved.refused
    for call, session in made:
        call.refresh_from_db()
        session.refresh_from_db()
        assert (call.state, call.state_changed_at) == (CallState.MISSED, at)
        audit = CallTransition.objects.filter(call=call, to_state=CallState.MISSED).get()
        assert (audit.from_state, audit.actor, audit.at) == (CallState.SCHEDULED, None, at)
        assert audit.outcome == call.outcome
        assert session.status == SessionStatus.MISSED
        assert SessionTransition.objects.filter(
            session=session, from_status=SessionStatus.PLANNED, to_status=SessionStatus.MISSED
        ).exists()
        assert CallCharge.objects.get(call_id=call.pk).status == ChargeStatus.SETTLED
        assert OperatorTask.objects.filter(
            call=call, session=session, kind=OperatorTaskKind.RESCHEDULE_MISSED
        ).exists()
        told = set(
            Notification.objects.filter(call=call, session=session, kind="missed").values_list(
                "recipient__role", flat=True
            )
        )
        assert told == {"client", "operator", "duty_manager"}


def test_a_batch_rolled_back_leaves_no_state_change_and_no_message(operator):
    made = scheduled_calls(operator, 2)
    at = after_all(made, 31)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        workflow.transition_many([call.pk for call, _s in made], CallState.MISSED, now=at)
        raise Abort

    for call, _session in made:
        call.refresh_from_db()
        assert call.state == CallState.SCHEDULED
    assert not Notification.objects.filter(kind="missed").exists()
    assert not OperatorTask.objects.exists()
    assert not CallTransition.objects.filter(to_state=CallState.MISSED).exists()


def test_a_call_that_moved_on_is_refused_and_the_rest_of_the_batch_moves(operator):
    made = scheduled_calls(operator, 3)
    (first, _s1), (cancelled, _s2), (third, _s3) = made
    call_services.call_cancel(call=cancelled, actor=operator, reason="client phoned", now=NOW)
    at = after_all(made, 31)

    moved = workflow.transition_many([first.pk, cancelled.pk, third.pk], CallState.MISSED, now=at)

    assert sorted(moved.ids) == sorted([first.pk, third.pk])
    assert moved.refused[cancelled.pk].code == "illegal_transition"
    cancelled.refresh_from_db()
    assert cancelled.state == CallState.CANCELLED
    assert not Notification.objects.filter(call=cancelled, kind="missed").exists()


def test_a_failing_row_falls_back_to_one_by_one_and_does_not_stop_the_others(operator, caplog):
    made = scheduled_calls(operator, 3)
    broken, _session = made[1]
    # A call whose hold has gone: settling it fails, and with it the whole batch.
    CallCharge.objects.filter(call_id=broken.pk).delete()

    assert sweeps.sweep_missed(now=after_all(made, 31)) == 2

    for call, _session in made:
        call.refresh_from_db()
        expected = CallState.SCHEDULED if call.pk == broken.pk else CallState.MISSED
        assert call.state == expected
        assert Notification.objects.filter(call=call, kind="missed").exists() == (
            call.pk != broken.pk
        )
    assert "one by one" in caplog.text


def test_overdue_batch_audits_each_session_and_writes_its_alerts(operator):
    made = scheduled_calls(operator, 2)
    at = after_all(made, 11) - timedelta(hours=1)  # the last one is not due yet

    assert sweeps.sweep_overdue(now=at) == 1
    assert sweeps.sweep_overdue(now=at) == 0  # the workflow refuses a second "overdue"

    (due_call, due), (later_call, later) = made
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, due.overdue_at) == (SessionStatus.OVERDUE, at)
    assert later.status == SessionStatus.PLANNED
    assert SessionTransition.objects.filter(
        session=due, to_status=SessionStatus.OVERDUE, actor=None, at=at
    ).exists()
    told = set(
        Notification.objects.filter(session=due, kind="overdue").values_list(
            "recipient__role", flat=True
        )
    )
    assert told == {"agent", "interpreter", "duty_manager"}
    assert not Notification.objects.filter(session=later).filter(kind="overdue").exists()


@pytest.mark.parametrize("sweep", [sweeps.sweep_missed, sweeps.sweep_overdue])
def test_the_query_count_does_not_grow_with_the_batch(operator, sweep, settings):
    settings.NOTIFY_SWEEP_BATCH = 50
    member = MemberFactory()  # one agency: its ledger account is made on first use
    late = timedelta(minutes=31 if sweep is sweeps.sweep_missed else 11)

    def queries_for(count):
        made = scheduled_calls(operator, count, member=member)
        with CaptureQueriesContext(connection) as captured:
            assert sweep(now=after_all(made, 0) + late) == count
        return len(captured)

    queries_for(1)  # first use of the agency's and the house's accounts
    few = queries_for(2)
    many = queries_for(6)
    assert many == few
