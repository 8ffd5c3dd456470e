"""The money API: balance, ledger and the agency's statement (JSON and CSV)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import CallCharge

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import ClientFactory, InterpreterFactory, OperatorFactory
from .flows import agent_for, book, confirm, fund_client, run, schedule

pytestmark = pytest.mark.django_db


def completed_call(*, talk_seconds=600):
    call = book()
    confirm(call)
    interpreter = InterpreterFactory()
    session = schedule(call, operator=OperatorFactory(), interpreter=interpreter)
    run(session, talk_seconds=talk_seconds)
    call.refresh_from_db()
    return call


def test_balance_shows_usable_and_held_credit():
    client = ClientFactory()
    fund_client(client, Decimal("100.00"))
    book(client=client, minutes=30, fund=False)  # holds 30 x 1.80
    body = api_as(client).get("/api/v1/balance/").json()
    assert body["balance"] == "46.00"
    assert body["held"] == "54.00"
    assert "46.00" in body["balance_display"]


def test_ledger_lists_movements_with_the_calls_public_id():
    client = ClientFactory()
    fund_client(client, Decimal("100.00"))
    call = book(client=client, minutes=30, fund=False)
    body = api_as(client).get("/api/v1/ledger/").json()
    assert body["count"] == 2
    hold, top_up = body["results"]
    assert (hold["kind"], hold["amount"], hold["call"]) == ("hold", "-54.00", str(call.public_id))
    assert (top_up["kind"], top_up["amount"], top_up["call"]) == ("top_up", "100.00", None)


def test_the_call_shows_what_it_holds_and_then_what_it_cost():
    call = book(minutes=30)
    api = api_as(call.client)
    assert api.get(f"/api/v1/calls/{call.public_id}/").json()["held"] == "54.00"
    call = completed_call(talk_seconds=601)
    detail = api_as(call.client).get(f"/api/v1/calls/{call.public_id}/").json()
    assert detail["held"] is None
    assert detail["charge"] == {"billed_minutes": 11, "client_charge": "19.80"}


def test_agent_statement_json_and_csv():
    call = completed_call(talk_seconds=600)
    # The month the call was settled in (UTC): the session may fall after midnight
    # at the end of a month, so not today's month.
    month = CallCharge.objects.get(call_id=call.pk).closed_at.strftime("%Y-%m")
    api = api_as(agent_for(call))
    body = api.get(f"/api/v1/agent/statements/{month}/").json()
    assert body["calls"] == 1
    assert body["commission"] == "3.60"
    assert body["rows"][0]["call"] == str(call.public_id)
    csv_answer = api.get(f"/api/v1/agent/statements/{month}/?format=csv")
    assert csv_answer.status_code == 200
    assert csv_answer["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_answer["Content-Disposition"]
    assert "3.60" in csv_answer.content.decode()
    assert call.number in csv_answer.content.decode()  # its number, as on every page
    by_accept = api.get(f"/api/v1/agent/statements/{month}/", HTTP_ACCEPT="text/csv")
    assert by_accept["Content-Type"].startswith("text/csv")


def test_another_agencys_calls_are_not_in_the_statement():
    call = completed_call()
    other_agent = agent_for(book())
    month = CallCharge.objects.get(call_id=call.pk).closed_at.strftime("%Y-%m")
    assert api_as(agent_for(call)).get(f"/api/v1/agent/statements/{month}/").json()["calls"] == 1
    body = api_as(other_agent).get(f"/api/v1/agent/statements/{month}/").json()
    assert body["calls"] == 0
    assert str(call.public_id) not in str(body)


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "last-month", "1999-12"])
def test_a_bad_month_is_400(month):
    api = api_as(agent_for(book()))
    answer = api.get(f"/api/v1/agent/statements/{month}/")
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_month"


def test_next_month_is_empty_not_an_error():
    api = api_as(agent_for(book()))
    nxt = (timezone.now() + timedelta(days=32)).strftime("%Y-%m")
    assert api.get(f"/api/v1/agent/statements/{nxt}/").json()["rows"] == []


def test_a_csv_request_gets_its_error_as_csv():
    api = api_as(agent_for(book()))
    answer = api.get("/api/v1/agent/statements/2026-13/?format=csv")
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("text/csv")
    assert answer.content.decode().startswith("bad_month,")
