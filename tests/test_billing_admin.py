"""The operators' money desk in the admin: read-only ledger, reasoned top-ups, statements."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from billing import selectors, services
from billing.models import Account, AccountKind, CommissionRule, Entry, EntryKind, Tariff
from tests.factories import AgencyFactory, ClientFactory, MemberFactory, OperatorFactory, aware

from .flows import book, fund_client

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def operator_client(client):
    operator = OperatorFactory()
    client.force_login(operator)
    client.operator = operator
    return client


def test_top_up_through_the_admin_needs_a_reason_and_is_audited(operator_client):
    customer = ClientFactory()
    url = reverse("admin:billing_account_top_up")
    assert operator_client.get(url).status_code == 200
    response = operator_client.post(url, {"client": customer.pk, "amount": "25.00", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not Entry.objects.exists()
    response = operator_client.post(
        url, {"client": customer.pk, "amount": "25.00", "reason": "invoice 2026-17"}
    )
    assert response.status_code == 302
    entry = selectors.client_entries(customer).get()
    assert (entry.kind, entry.amount, entry.reason) == (
        EntryKind.TOP_UP,
        D("25.00"),
        "invoice 2026-17",
    )
    assert entry.actor == operator_client.operator


def test_an_adjustment_refused_by_the_service_shows_on_the_form(operator_client):
    customer = ClientFactory()
    fund_client(customer, D("5"))
    account = Account.objects.get(kind=AccountKind.CLIENT_CREDIT, user=customer)
    url = reverse("admin:billing_account_adjust")
    response = operator_client.post(
        url, {"account": account.pk, "amount": "-10.00", "reason": "refund"}
    )
    assert response.status_code == 200
    assert "below zero" in str(response.context["form"].errors["amount"])
    response = operator_client.post(
        url, {"account": account.pk, "amount": "-2.00", "reason": "refund", "call_id": ""}
    )
    assert response.status_code == 302
    assert selectors.client_balance(customer) == D("3.00")


def test_ledger_entries_and_accounts_are_read_only(operator_client):
    fund_client(ClientFactory(), D("5"))
    entry = Entry.objects.first()
    assert operator_client.get(reverse("admin:billing_entry_changelist")).status_code == 200
    assert operator_client.get(reverse("admin:billing_entry_add")).status_code == 403
    response = operator_client.post(
        reverse("admin:billing_entry_change", args=[entry.pk]), {"amount": "500"}
    )
    assert response.status_code == 403
    assert (
        operator_client.post(reverse("admin:billing_entry_delete", args=[entry.pk])).status_code
        == 403
    )
    assert operator_client.get(reverse("admin:billing_account_add")).status_code == 403


def test_overdrawn_accounts_are_flagged_for_operators(operator_client):
    customer = ClientFactory()
    call = book(client=customer, kind="phone_direct", minutes=5)
    services.call_settle(
        call_id=call.pk, talk_seconds=600, agency_id=call.member.agency_id, actor=None
    )
    response = operator_client.get(
        reverse("admin:billing_account_changelist"), {"overdrawn": "yes"}
    )
    assert response.status_code == 200
    assert [a.user for a in response.context["cl"].result_list] == [customer]
    response = operator_client.get(
        reverse("admin:billing_callcharge_changelist"), {"overrun__exact": "1"}
    )
    assert [c.call_id for c in response.context["cl"].result_list] == [call.pk]


def test_ledger_check_from_the_admin(operator_client):
    fund_client(ClientFactory(), D("5"))
    response = operator_client.get(reverse("admin:billing_account_check"), follow=True)
    assert "The ledger is sound" in response.content.decode()


def test_a_tariff_that_priced_a_call_is_frozen(operator_client):
    book(kind="phone_direct", minutes=10)
    used = Tariff.objects.get(kind="phone_direct")
    url = reverse("admin:billing_tariff_change", args=[used.pk])
    response = operator_client.post(
        url,
        {
            "kind": "phone_direct",
            "price_per_minute": "9.00",
            "minimum_minutes": "0",
            "effective_from_0": "2000-01-01",
            "effective_from_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert "have priced calls" in response.content.decode()
    used.refresh_from_db()
    assert used.price_per_minute == D("1.00")
    delete = reverse("admin:billing_tariff_delete", args=[used.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert Tariff.objects.filter(pk=used.pk).exists()


def test_a_new_tariff_that_would_need_rounding_is_refused(operator_client):
    response = operator_client.post(
        reverse("admin:billing_tariff_add"),
        {
            "kind": "phone_direct",
            "price_per_minute": "1.83",  # 20 % of it is 0.366 per minute
            "minimum_minutes": "0",
            "effective_from_0": "2030-01-01",
            "effective_from_1": "00:00:00",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "not a whole number of cents" in str(
        response.context["adminform"].form.non_field_errors()
    )
    assert not Tariff.objects.filter(price_per_minute=D("1.83")).exists()


def test_a_new_commission_rule_with_too_high_a_minimum_is_refused(operator_client):
    response = operator_client.post(
        reverse("admin:billing_commissionrule_add"),
        {
            "kind": "video",
            "percent": "60",
            "minimum_amount": "80.00",  # more than the 75-credit minimum charge
            "effective_from_0": "2030-01-01",
            "effective_from_1": "00:00:00",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert not CommissionRule.objects.filter(minimum_amount=D("80")).exists()


def test_statement_action_on_agencies_asks_the_month_then_downloads_csv(operator_client):
    agency = AgencyFactory()
    call = book(member=MemberFactory(agency=agency), kind="video", minutes=30)
    services.call_settle(
        call_id=call.pk, talk_seconds=2700, agency_id=agency.pk, actor=None, now=aware(2026, 9, 9)
    )
    url = reverse("admin:agents_agency_changelist")
    data = {"action": "download_commission_statement", helpers.ACTION_CHECKBOX_NAME: [agency.pk]}
    response = operator_client.post(url, data)
    assert response.status_code == 200
    assert b'name="month"' in response.content
    response = operator_client.post(url, {**data, "month": "2026-09"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][1:9] == [
        call.number,
        f"{call.member.full_name} ({call.member.reference})",
        "Video call",
        "Completed",
        "2700",
        "45",
        "112.50",
        "67.50",
    ]
    assert rows[-1][:4] == ["", "total", "", "calls: 1"]
