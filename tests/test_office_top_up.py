"""The call page's top-up: posted through the ledger with a reason; a refused
one comes back with what was typed and the error under its field."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing import selectors as billing_selectors
from tests.factories import OperatorFactory
from tests.flows import book

pytestmark = pytest.mark.django_db


def _booked():
    return book()


@pytest.fixture
def operator_browser(client):
    client.force_login(OperatorFactory())
    return client


def test_a_top_up_with_a_reason_reaches_the_clients_balance(operator_browser):
    call = _booked()
    before = billing_selectors.client_balance(call.client)
    answer = operator_browser.post(
        reverse("admin:office_top_up", args=[call.pk]),
        {"amount": "25.00", "reason": "Paid by bank transfer"},
        follow=True,
    )
    assert answer.status_code == 200
    assert billing_selectors.client_balance(call.client) == before + Decimal("25.00")


def test_a_refused_top_up_keeps_what_was_typed_and_posts_nothing(operator_browser):
    call = _booked()
    before = billing_selectors.client_balance(call.client)
    answer = operator_browser.post(
        reverse("admin:office_top_up", args=[call.pk]),
        {"amount": "12.50", "reason": ""},
        follow=True,
    )
    page = answer.content.decode()
    assert billing_selectors.client_balance(call.client) == before
    assert 'value="12.50"' in page  # the amount typed is still there
    assert "errorlist" in page  # and the missing reason is said under its field
    # Shown once: the next visit is a clean form.
    again = operator_browser.get(reverse("admin:calls_call_change", args=[call.pk])).content
    assert b'value="12.50"' not in again
