"""Money is never lost or doubled under concurrency: real transactions on PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

import pytest

from billing import selectors, services
from billing.models import CallCharge, Entry, EntryKind
from calls import services as call_services
from calls.models import Call, CallState, Session
from common.errors import Conflict, DomainError

from .concurrency import run_concurrently
from .factories import ClientFactory, MemberFactory, OperatorFactory
from .flows import CLIENT_WINDOWS, book, confirm, fund_client, schedule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

D = Decimal


def request(client, member, minutes):
    return lambda: call_services.call_request_create(
        client=client,
        member=member,
        kind="phone_direct",
        planned_minutes=minutes,
        client_windows=CLIENT_WINDOWS,
        created_by=client,
    )


def test_two_bookings_at_once_cannot_overdraw():
    client = ClientFactory()
    fund_client(client, D("30.00"))
    members = [MemberFactory(), MemberFactory()]

    results = run_concurrently(*[request(client, m, 20) for m in members])

    booked = [r for r in results if isinstance(r, Call)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(booked) == 1, results
    assert len(refused) == 1 and isinstance(refused[0], DomainError), results
    assert refused[0].code == "insufficient_credit"
    assert "10.00 credits more" in refused[0].message
    assert Call.objects.filter(client=client).count() == 1  # the refused call rolled back
    assert selectors.client_balance(client) == D("10.00")
    assert selectors.client_held(client) == D("20.00")
    assert selectors.ledger_problems() == []


def test_many_bookings_at_once_hold_exactly_what_is_there():
    client = ClientFactory()
    fund_client(client, D("50.00"))
    members = [MemberFactory() for _ in range(6)]

    results = run_concurrently(*[request(client, m, 20) for m in members])

    booked = [r for r in results if isinstance(r, Call)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(booked), len(refused)) == (2, 4), results
    assert selectors.client_balance(client) == D("10.00")
    assert selectors.client_held(client) == D("40.00")
    assert selectors.ledger_problems() == []


def running_call(client=None):
    operator = OperatorFactory()
    call = book(client=client or ClientFactory(), kind="phone_interpreted", minutes=30)
    confirm(call)
    session = schedule(call, operator=operator)
    call_services.session_start(session=session, actor=session.interpreter, now=session.starts_at)
    return call, session


def test_completing_the_same_call_twice_at_once_charges_once():
    call, session = running_call()
    end = lambda: call_services.session_end(  # noqa: E731
        session=session,
        actor=session.interpreter,
        no_recording_reason="recorder off",
        now=session.starts_at + timedelta(seconds=600),  # ten minutes measured
    )

    results = run_concurrently(end, end)

    ended = [r for r in results if isinstance(r, Session)]
    assert len(ended) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r not in ended), results
    call.refresh_from_db()
    assert call.state == CallState.COMPLETED
    assert Entry.objects.filter(call_id=call.pk, kind=EntryKind.CHARGE).count() == 2  # two legs
    assert CallCharge.objects.get(call_id=call.pk).client_charge == D("18.00")
    assert selectors.client_balance(call.client) == D("36.00")  # 54 held, 18 charged
    assert selectors.ledger_problems() == []


def test_settling_the_same_call_from_two_places_at_once_charges_once():
    """A retried task and an operator settle together, under the workflow's back."""
    client = ClientFactory()
    call = book(client=client, kind="phone_interpreted", minutes=30)
    settle = lambda: services.call_settle(  # noqa: E731
        call_id=call.pk, talk_seconds=600, agency_id=call.member.agency_id, actor=None
    )

    results = run_concurrently(settle, settle, settle)

    assert all(isinstance(r, CallCharge) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Entry.objects.filter(call_id=call.pk, kind=EntryKind.CHARGE).count() == 2
    assert Entry.objects.filter(call_id=call.pk, kind=EntryKind.COMMISSION).count() == 2
    assert selectors.client_balance(client) == D("36.00")
    assert selectors.ledger_problems() == []


def test_settling_many_calls_at_once_does_not_deadlock_on_shared_accounts():
    """Every settlement touches the house account; locks in one order let them queue."""
    calls = [book(kind="phone_direct", minutes=10) for _ in range(5)]
    settles = [
        (
            lambda c=c: services.call_settle(
                call_id=c.pk, talk_seconds=300, agency_id=calls[0].member.agency_id, actor=None
            )
        )
        for c in calls
    ]

    results = run_concurrently(*settles)

    assert all(isinstance(r, CallCharge) for r in results), results
    assert selectors.agency_commission_total(calls[0].member.agency_id) == D("5.00")
    assert selectors.ledger_problems() == []


def test_a_top_up_and_a_booking_at_once_lose_nothing():
    client = ClientFactory()
    fund_client(client, D("20.00"))
    operator = OperatorFactory()
    top_up = lambda: services.client_top_up(  # noqa: E731
        client=client, amount="15.00", reason="bank", actor=operator
    )

    results = run_concurrently(top_up, request(client, MemberFactory(), 20))

    assert not any(isinstance(r, Exception) for r in results), results
    assert selectors.client_balance(client) == D("15.00")
    assert selectors.client_held(client) == D("20.00")
    assert selectors.ledger_problems() == []
