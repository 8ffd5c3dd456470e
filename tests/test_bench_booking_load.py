"""`bench_booking_load` at a small size: gunicorn on the test database, real HTTP.

Clients book, an agent confirms, operators schedule for a few seconds; the
command's own summary must show bookings, no error other than 409s, a clean
ledger and no deadlock.
"""

import io
import socket

import pytest
from django.core.management import call_command

from benchmarks.management.commands.bench_booking_load import Command
from billing.defaults import ensure_spec_terms
from calls.models import Call, CallState

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_few_seconds_of_booking_and_scheduling_go_through_cleanly():
    ensure_spec_terms()  # an earlier transactional test's flush took the tariffs away
    command, out = Command(), io.StringIO()

    call_command(
        command,
        seconds=5,
        clients=2,
        operators=2,
        agents=1,
        workers=2,
        port=_free_port(),
        stdout=out,
        stderr=io.StringIO(),
    )

    summary = command.summary
    assert summary.bookings > 0, out.getvalue()
    assert summary.errors == [], out.getvalue()
    assert summary.ledger_ok, out.getvalue()
    assert summary.deadlocks == 0, out.getvalue()
    assert summary.schedules > 0, out.getvalue()
    assert Call.objects.filter(client__username__startswith="load-client-").count() == (
        summary.bookings
    )
    assert Call.objects.filter(state=CallState.SCHEDULED).exists()
    assert "ledger_check" in out.getvalue() and "ledger OK" in out.getvalue()
