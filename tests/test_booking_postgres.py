"""The same order sent twice at the same moment books and holds once (PostgreSQL)."""

import uuid
from decimal import Decimal

import pytest

from billing.selectors import client_held
from calls import services
from calls.models import Call

from .concurrency import run_concurrently
from .factories import AgentFactory, ClientFactory, MemberFactory
from .flows import CLIENT_WINDOWS, fund_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_identical_orders_at_once_book_one_call():
    client = ClientFactory()
    fund_client(client, Decimal("500.00"))
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    key = uuid.uuid4()

    def order():
        return services.call_request_create(
            client=client,
            member=member,
            kind="phone_interpreted",
            planned_minutes=30,
            client_windows=CLIENT_WINDOWS,
            created_by=client,
            request_key=key,
        )

    results = run_concurrently(order, order)
    assert all(isinstance(r, Call) for r in results), results
    assert results[0].pk == results[1].pk
    assert Call.objects.filter(client=client).count() == 1
    assert client_held(client) == Decimal("54.00")
