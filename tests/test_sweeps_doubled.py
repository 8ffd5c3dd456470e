"""Two beats and several workers against one database: nothing done twice.

PostgreSQL, real transactions, each thread its own connection (as two worker
processes would have). The sweeps themselves are safe twice at once (unique
message keys, the workflow's row locks); the beat task adds a claim per tick
and an advisory lock so a second beat's task does no work at all.
"""

import time
from collections import Counter
from datetime import timedelta

import psycopg2
import pytest
import time_machine
from django.core.cache import cache
from django.db import connection

from calls.models import CallState, CallTransition, SessionStatus, SessionTransition
from notifications import sweep_lock, sweeps, tasks
from notifications.models import Notification, OperatorTask

from .concurrency import run_concurrently
from .factories import DutyManagerFactory, InterpreterFactory, OperatorFactory, aware
from .flows import book, confirm, schedule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AT = aware(2030, 3, 4, 15, 0)  # when the sweeps run
BOOKED = AT - timedelta(days=3)


@pytest.fixture
def due_work(monkeypatch):
    """Something due for every sweep: 3 reminders, 2 overdue, 2 missed, an
    agent to chase, one to escalate. Deliveries are not run (nothing is sent)."""
    monkeypatch.setattr(tasks.deliver, "delay", lambda pk: None)
    cache.clear()  # the tick claims of other tests
    operator = OperatorFactory()
    DutyManagerFactory()
    starts = {
        "reminder": [AT + timedelta(minutes=50 + i) for i in range(3)],
        "overdue": [AT - timedelta(minutes=15 + i) for i in range(2)],
        "missed": [AT - timedelta(minutes=40 + i) for i in range(2)],
    }
    sessions = {}
    for what, times in starts.items():
        sessions[what] = []
        for starts_at in times:
            call = book(now=BOOKED)
            confirm(call, now=BOOKED)
            sessions[what].append(
                schedule(
                    call,
                    operator=operator,
                    interpreter=InterpreterFactory(),
                    starts_at=starts_at,
                    now=BOOKED,
                )
            )
    chased = book(now=AT - timedelta(hours=13))
    escalated = book(now=AT - timedelta(hours=49))
    assert chased.state == escalated.state == CallState.AWAITING_AGENT
    return {**sessions, "chased": chased, "escalated": escalated}


def what_was_done(due_work) -> dict:
    """Every message, audit row and task of this sweep, counted per thing it is about."""
    return {
        "reminders per session": Counter(
            Notification.objects.filter(kind="reminder60").values_list("session_id", flat=True)
        ),
        "overdue per session": Counter(
            SessionTransition.objects.filter(to_status=SessionStatus.OVERDUE).values_list(
                "session_id", flat=True
            )
        ),
        "missed per call": Counter(
            CallTransition.objects.filter(to_state=CallState.MISSED).values_list(
                "call_id", flat=True
            )
        ),
        "chases": Counter(
            Notification.objects.filter(kind="agent_chase").values_list("call_id", flat=True)
        ),
        "escalations": Counter(
            OperatorTask.objects.filter(kind="agent_no_answer").values_list("call_id", flat=True)
        ),
        "messages": Notification.objects.count(),
        "keys": Notification.objects.values("key").distinct().count(),
    }


def assert_each_done_once(done, due_work):
    # Each reminder: client, agent, interpreter, once each; every due session has them.
    assert done["reminders per session"] == {s.pk: 3 for s in due_work["reminder"]}
    assert done["overdue per session"] == {s.pk: 1 for s in due_work["overdue"]}
    assert done["missed per call"] == {s.call_id: 1 for s in due_work["missed"]}
    assert done["chases"] == {due_work["chased"].pk: 1, due_work["escalated"].pk: 1}
    assert done["escalations"] == {due_work["escalated"].pk: 1}
    assert done["messages"] == done["keys"]


def test_two_sweeps_at_once_do_everything_once(due_work):
    before = Notification.objects.count()
    results = run_concurrently(lambda: sweeps.sweep_due(now=AT), lambda: sweeps.sweep_due(now=AT))
    assert not [r for r in results if isinstance(r, BaseException)], results
    done = what_was_done(due_work)
    assert_each_done_once(done, due_work)
    assert done["messages"] > before
    # Between them the two sweeps moved each session once: what one moved, the
    # other found moved. (Reminders count the sessions looked at, recorded or not.)
    first, second = results
    assert first["overdue"] + second["overdue"] == 2
    assert first["missed"] + second["missed"] == 2


def test_two_beats_firing_the_same_tick_sweep_once(due_work):
    """Two beat processes each send the task for the tick; two workers take them."""
    with time_machine.travel(AT, tick=False):
        results = run_concurrently(tasks.sweep_due, tasks.sweep_due)
    assert not [r for r in results if isinstance(r, BaseException)], results
    skipped = [r for r in results if "skipped" in r]
    swept = [r for r in results if "skipped" not in r]
    assert len(skipped) == 1 and len(swept) == 1, results
    assert swept[0]["reminders"] == 3 and swept[0]["missed"] == 2
    assert_each_done_once(what_was_done(due_work), due_work)
    # The next tick is swept again (the claim is per tick), and finds nothing new.
    with time_machine.travel(AT + timedelta(minutes=1), tick=False):
        again = tasks.sweep_due()
    assert "skipped" not in again
    assert again["reminders"] == again["missed"] == again["overdue"] == 0


def test_a_sweep_running_elsewhere_makes_the_task_step_aside(due_work):
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [sweep_lock.lock_key("sweep_due")])
        with time_machine.travel(AT, tick=False):
            assert tasks.sweep_due() == {"skipped": "another sweep is running"}
        assert not Notification.objects.filter(kind="reminder60").exists()
    finally:
        # The holder dies (a killed worker): PostgreSQL frees its lock with its connection.
        other.close()
    wait_until_lock_free(sweep_lock.lock_key("sweep_due"))
    with time_machine.travel(AT + timedelta(minutes=1), tick=False):
        result = tasks.sweep_due()
    assert result["reminders"] == 3
    assert_each_done_once(what_was_done(due_work), due_work)


def wait_until_lock_free(key: int, seconds: float = 10) -> None:
    """The server ends a closed connection's backend (and frees its locks) a moment later."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s",
                [key & 0xFFFFFFFF],
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the advisory lock outlived its connection")


def test_a_sweep_killed_mid_way_loses_nothing(due_work, monkeypatch):
    """A worker dies in the middle of the sweep (here: in the reminders, after
    missed and overdue committed): the next tick does the rest, once."""
    real = sweeps.messages.session_reminders_send

    def dies(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(sweeps.messages, "session_reminders_send", dies)
    with pytest.raises(SystemExit):
        sweeps.sweep_due(now=AT)
    assert not Notification.objects.filter(kind="reminder60").exists()
    monkeypatch.setattr(sweeps.messages, "session_reminders_send", real)
    sweeps.sweep_due(now=AT + timedelta(minutes=1))
    assert_each_done_once(what_was_done(due_work), due_work)
