"""An outcome is settled once, whoever records it at the same moment (PostgreSQL)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from billing import selectors
from billing import services as billing_services
from billing.models import CallCharge, Entry, EntryKind, Outcome
from calls import services as call_services
from calls.models import Call, CallState
from common.errors import DomainError
from notifications.sweeps import sweep_missed

from .concurrency import run_concurrently
from .factories import OperatorFactory
from .flows import book, confirm, schedule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def scheduled_video():
    operator = OperatorFactory()
    call = book(kind="video", minutes=30)
    confirm(call)
    return call, schedule(call, operator=operator), operator


def test_the_interpreter_and_an_operator_recording_no_show_at_once_charge_once():
    call, session, operator = scheduled_video()

    def by(actor):
        return lambda: call_services.call_mark_missed(
            call=Call.objects.get(pk=call.pk),
            actor=actor,
            outcome=Outcome.CLIENT_NO_SHOW,
            now=session.starts_at + timedelta(minutes=12),
        )

    results = run_concurrently(by(session.interpreter), by(operator))

    done = [r for r in results if isinstance(r, Call)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(done), len(refused)) == (1, 1), results
    assert Entry.objects.filter(call_id=call.pk, kind=EntryKind.CHARGE).count() == 2  # one pair
    assert CallCharge.objects.get(call_id=call.pk).client_charge == Decimal("75.00")
    assert selectors.agency_commission_total(call.member.agency_id) == Decimal("45.00")
    assert selectors.ledger_problems() == []


def test_the_sweep_and_the_interpreter_at_once_settle_one_outcome():
    call, session, _operator = scheduled_video()
    later = session.starts_at + timedelta(minutes=31)

    results = run_concurrently(
        lambda: sweep_missed(now=later),
        lambda: call_services.call_mark_missed(
            call=Call.objects.get(pk=call.pk),
            actor=session.interpreter,
            outcome=Outcome.CLIENT_NO_SHOW,
            now=later,
        ),
    )

    call.refresh_from_db()
    assert call.state == CallState.MISSED
    charge = CallCharge.objects.get(call_id=call.pk)
    assert charge.outcome == call.outcome
    assert Entry.objects.filter(call_id=call.pk, kind=EntryKind.RELEASE).count() == 2, results
    assert selectors.ledger_problems() == []


def test_settling_an_outcome_from_three_places_at_once_charges_once():
    call, _session, _operator = scheduled_video()
    settle = lambda: billing_services.call_settle(  # noqa: E731
        call_id=call.pk, outcome=Outcome.LATE_CANCEL, agency_id=call.member.agency_id, actor=None
    )

    results = run_concurrently(settle, settle, settle)

    assert all(isinstance(r, CallCharge) for r in results), results
    assert Entry.objects.filter(call_id=call.pk, kind=EntryKind.CHARGE).count() == 2
    assert Entry.objects.filter(call_id=call.pk, kind=EntryKind.COMMISSION).count() == 2
    assert selectors.client_balance(call.client) == Decimal("0.00")
    assert selectors.ledger_problems() == []
