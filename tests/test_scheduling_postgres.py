"""The interpreter-overlap rule holds in the database, under concurrency (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from calls.models import Session
from common.errors import Conflict

from .concurrency import run_concurrently
from .factories import InterpreterFactory, OperatorFactory
from .flows import book, confirm, schedule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def confirmed_call():
    call = book(minutes=60)
    confirm(call)
    return call


def test_two_operators_booking_one_interpreter_at_once_get_one_session():
    operator = OperatorFactory()
    interpreter = InterpreterFactory()
    start = timezone.now() + timedelta(days=1)
    calls = [confirmed_call() for _ in range(2)]

    results = run_concurrently(
        *[
            (
                lambda c=c, minutes=i * 20: schedule(
                    c,
                    operator=operator,
                    interpreter=interpreter,
                    starts_at=start + timedelta(minutes=minutes),
                )
            )
            for i, c in enumerate(calls)
        ]
    )

    won = [r for r in results if isinstance(r, Session)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1, results
    assert len(lost) == 1 and isinstance(lost[0], Conflict), results
    assert lost[0].code == "interpreter_busy"
    assert Session.objects.filter(interpreter=interpreter).count() == 1


def test_database_refuses_overlap_even_without_the_service_check():
    operator = OperatorFactory()
    interpreter = InterpreterFactory()
    start = timezone.now() + timedelta(days=1)
    first = schedule(confirmed_call(), operator=operator, interpreter=interpreter, starts_at=start)
    other = confirmed_call()
    with pytest.raises(IntegrityError, match="session_interpreter_no_overlap"):
        with transaction.atomic():
            Session.objects.create(
                call=other,
                interpreter=interpreter,
                starts_at=first.planned_end + timedelta(minutes=5),
                planned_end=first.planned_end + timedelta(minutes=65),
                blocked_from=first.planned_end,  # inside first's buffer
                blocked_until=first.planned_end + timedelta(minutes=80),
            )


def test_superseded_sessions_free_the_interpreter():
    operator = OperatorFactory()
    interpreter = InterpreterFactory()
    start = timezone.now() + timedelta(days=1)
    call = confirmed_call()
    schedule(call, operator=operator, interpreter=interpreter, starts_at=start)
    schedule(call, operator=operator, interpreter=interpreter, starts_at=start + timedelta(days=1))
    other = confirmed_call()
    session = schedule(other, operator=operator, interpreter=interpreter, starts_at=start)
    assert session.starts_at == start
