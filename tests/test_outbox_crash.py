"""A message whose cause committed is in the outbox, even if the process dies
right after the commit (the transactional outbox, SPEC "Reminders and
escalations").

Each test runs the change in a separate Python process on the same PostgreSQL
database. That process registers an after-commit hook first, so it is the
first to run once COMMIT returns: it kills the process (os._exit, no cleanup)
before any other after-commit work (signals of old, queueing the delivery).
What the change wrote in its transaction must be there; what waits for
"after commit" is lost, so nothing on a message's path may wait for it.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from calls.models import CallState
from notifications.models import Notification, NotificationStatus

from .factories import OperatorFactory
from .flows import book, confirm, schedule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import os, sys
from datetime import timedelta

import django

django.setup()

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from calls import services
from calls.models import Call

call = Call.objects.get(pk=int(sys.argv[1]))
action = sys.argv[2]
operator = User.objects.filter(role=Role.OPERATOR).first()
with transaction.atomic():
    # Registered first, so run first after COMMIT: nothing after-commit survives.
    transaction.on_commit(lambda: os._exit(0))
    if action == "cancel":
        services.call_cancel(call=call, actor=call.client, reason="plans changed")
    elif action == "decline":
        agent = call.member.agency.staff.first()
        services.call_decline(call=call, actor=agent, reason="member is away")
    elif action == "schedule":
        services.session_schedule(
            call=call,
            starts_at=timezone.now() + timedelta(days=1),
            interpreter=User.objects.filter(role=Role.INTERPRETER).first(),
            actor=operator,
        )
    elif action == "missed":
        session = call.sessions.get()
        services.call_mark_missed(
            call=call, actor=None, now=session.starts_at + timedelta(minutes=31)
        )
raise SystemExit("the process should have died right after the commit")
"""


def run_and_die_after_commit(call, action: str) -> None:
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(call.pk), action],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def kinds(call) -> set[str]:
    return set(
        Notification.objects.filter(call=call, status=NotificationStatus.PENDING).values_list(
            "kind", flat=True
        )
    )


@pytest.fixture
def operator():
    return OperatorFactory()


def scheduled_call(operator, *, starts_at=None):
    call = book()
    confirm(call)
    schedule(call, operator=operator, starts_at=starts_at)
    Notification.objects.filter(call=call).delete()  # only what the change itself writes
    return call


def test_a_cancellation_that_committed_has_its_messages(operator):
    call = scheduled_call(operator)
    run_and_die_after_commit(call, "cancel")
    call.refresh_from_db()
    assert call.state == CallState.CANCELLED
    assert kinds(call) == {"cancelled"}


def test_a_decline_that_committed_has_its_message(operator):
    call = book()
    Notification.objects.filter(call=call).delete()
    run_and_die_after_commit(call, "decline")
    call.refresh_from_db()
    assert call.state == CallState.DECLINED
    assert kinds(call) == {"declined"}


def test_a_schedule_that_committed_has_its_messages(operator):
    from .factories import InterpreterFactory

    InterpreterFactory()
    call = book()
    confirm(call)
    Notification.objects.filter(call=call).delete()
    run_and_die_after_commit(call, "schedule")
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED
    assert kinds(call) == {"scheduled"}


def test_a_missed_call_that_committed_has_its_messages(operator):
    call = scheduled_call(operator, starts_at=timezone.now() + timedelta(minutes=1))
    run_and_die_after_commit(call, "missed")
    call.refresh_from_db()
    assert call.state == CallState.MISSED
    assert kinds(call) == {"missed"}
