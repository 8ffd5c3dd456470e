"""Query counts of the hot paths, pinned so that a regression fails (counts, never timings).

The client dashboard and the call list API read a constant number of queries
whatever the number of calls (issue 14: at most 8; the session, the user,
then the page's own). `bin/bench` measures their speed.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from benchmarks.management.commands.bench_data import client_calls_rebuild
from benchmarks.measuring import QueryCounter
from billing import selectors as billing_selectors
from billing.defaults import ensure_spec_terms
from calls import services
from calls.models import CallState
from calls.selectors import OPEN_STATES

from . import notifications_support as support
from .factories import AgentFactory, ClientFactory, MemberFactory
from .flows import CLIENT_WINDOWS, fund_client

queued = support.queued  # fixture

pytestmark = pytest.mark.django_db

# Session + user, then one: both lists with their sizes, money and the balances.
DASHBOARD_QUERIES = 3
# Session + user, then: the count, and the page with its members, sessions and money.
CALL_LIST_API_QUERIES = 4


@pytest.fixture
def signed_in_client(client):
    ensure_spec_terms()  # tables flushed by an earlier transactional test lose the tariffs
    user = ClientFactory(language="en")
    client.force_login(user)
    return client, user


@pytest.mark.parametrize("calls", [3, 40])
def test_client_dashboard_takes_the_same_few_queries_whatever_the_calls(
    signed_in_client, calls, django_assert_max_num_queries
):
    browser, user = signed_in_client
    client_calls_rebuild(user, calls)  # the first 12 are open
    # An empty list (here: no done calls yet) has no row to carry its size: one count.
    expected = DASHBOARD_QUERIES if calls > 12 else DASHBOARD_QUERIES + 1
    with django_assert_max_num_queries(expected):
        response = browser.get(reverse("client-dashboard"))
    assert response.status_code == 200
    # The rows are there, with their money (not an empty page that is cheap).
    assert response.content.count(b'class="row"') == min(calls, 10) + min(max(calls - 12, 0), 10)
    if calls > 12:
        assert b'data-testid="row-charge"' in response.content


@pytest.mark.parametrize("calls", [3, 40])
def test_call_list_api_takes_the_same_few_queries_whatever_the_calls(
    signed_in_client, calls, django_assert_max_num_queries
):
    browser, user = signed_in_client
    client_calls_rebuild(user, calls)
    with django_assert_max_num_queries(CALL_LIST_API_QUERIES):
        response = browser.get("/api/v1/calls/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == calls
    assert len(body["results"]) == min(calls, 25)
    assert all(row["session"] or row["state"] == "cancelled" for row in body["results"])


def test_dashboard_pages_through_both_lists(signed_in_client):
    browser, user = signed_in_client
    client_calls_rebuild(user, 40)  # 12 open, 28 done
    response = browser.get(reverse("client-dashboard"), {"upcoming": 2, "page": 3})
    content = response.content.decode()
    assert "Page 2 of 2" in content and "Page 3 of 3" in content
    assert content.count('class="row"') == 2 + 8
    # Paging one list keeps the other's page.
    assert 'href="?upcoming=1&amp;page=3"' in content  # the open calls' "Previous"
    assert 'href="?upcoming=2&amp;page=2"' in content  # the done calls' "Previous"


def test_dashboard_shows_the_last_page_for_a_page_past_the_end(signed_in_client):
    browser, user = signed_in_client
    client_calls_rebuild(user, 40)  # 12 open, 28 done
    response = browser.get(reverse("client-dashboard"), {"upcoming": "abc", "page": 99})
    content = response.content.decode()
    assert "Page 1 of 2" in content and "Page 3 of 3" in content
    assert content.count('class="row"') == 10 + 8


def test_dashboard_of_a_client_without_past_calls(signed_in_client, django_assert_max_num_queries):
    browser, user = signed_in_client
    client_calls_rebuild(user, 3)  # all open
    with django_assert_max_num_queries(DASHBOARD_QUERIES + 1):  # the empty list is counted
        response = browser.get(reverse("client-dashboard"), {"page": 10**30})
    content = response.content.decode()
    assert content.count('class="row"') == 3
    assert "No past calls yet." in content


# One booking (issue 14: at most 15 queries), the agent's request included:
# the call, the tariff and rule, the client's accounts locked, the charge, the
# ledger entries and balances, the workflow's lock, guard, state and audit, and
# the request recorded. Savepoints are counted apart: the service's own
# transaction is BEGIN/COMMIT in production, a savepoint inside a test.
BOOKING_QUERIES = 15


@pytest.mark.postgres  # the figure is production's: PostgreSQL returns ids from bulk inserts
def test_a_booking_takes_at_most_15_queries(queued, django_capture_on_commit_callbacks):
    client = ClientFactory()
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    fund_client(client, Decimal("500.00"))
    counter = QueryCounter()
    with connection.execute_wrapper(counter), django_capture_on_commit_callbacks(execute=True):
        call = services.call_request_create(
            client=client,
            member=member,
            kind="phone_interpreted",
            planned_minutes=30,
            client_windows=CLIENT_WINDOWS,
            created_by=client,
        )
    assert call.state == CallState.AWAITING_AGENT
    assert len(queued) == 1  # the agent's request, queued after commit
    assert counter.queries <= BOOKING_QUERIES, "\n".join(s[:90] for s in counter.statements)


def test_dashboard_reads_balances_and_money_in_its_one_query(signed_in_client):
    browser, user = signed_in_client
    fund_client(user, Decimal("250.00"))
    client_calls_rebuild(user, 40)  # 12 open calls with their charges held, 28 done ones
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    services.call_request_create(  # holds credit in the ledger
        client=user,
        member=member,
        kind="phone_interpreted",
        planned_minutes=30,
        client_windows=CLIENT_WINDOWS,
        created_by=user,
    )
    response = browser.get(reverse("client-dashboard"))
    content = response.content.decode()
    balance, held = billing_selectors.client_balances(user)
    assert held > 0
    assert f'data-testid="balance">{balance:.2f} credits<' in content
    assert f"Held for booked calls: {held:.2f} credits" in content
    newest_done = user.calls.exclude(state__in=OPEN_STATES).order_by("-created_at", "-id")[:10]
    settled = billing_selectors.call_charges(call.pk for call in newest_done)
    charged = [price.client_charge for price in settled.values()]
    assert charged and content.count('data-testid="row-charge"') == len(charged)
    assert all(f"{amount:.2f} credits</span>" in content for amount in charged)
    assert content.count(" held</span>") == 10  # the booking is on the first page


def test_dashboard_of_a_client_without_calls_shows_her_balance(signed_in_client):
    browser, user = signed_in_client
    fund_client(user, Decimal("80.00"))
    content = browser.get(reverse("client-dashboard")).content.decode()
    assert 'data-testid="balance">80.00 credits<' in content
    assert "No open calls." in content and "No past calls yet." in content
