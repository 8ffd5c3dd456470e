"""The office's workplace: the front page, one-screen booking, the call's side panel."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from billing import selectors as billing_selectors
from calls import services as call_services
from calls.models import Call, CallState, SessionStatus
from notifications.models import OperatorTask, OperatorTaskKind, OperatorTaskStatus

from .factories import (
    AgentFactory,
    ClientFactory,
    MemberFactory,
    OperatorFactory,
)
from .flows import book, confirm, fund_client, schedule
from .pages_helpers import reset_language  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = OperatorFactory(time_zone="Europe/Berlin")
    client.force_login(operator)
    client.operator = operator
    return client


def _move_start(session, starts_at):
    """Time passes: the session's start is now behind us (data only, like a clock moving)."""
    length = session.planned_end - session.starts_at
    type(session).objects.filter(pk=session.pk).update(
        starts_at=starts_at,
        planned_end=starts_at + length,
        blocked_from=starts_at - (session.starts_at - session.blocked_from),
        blocked_until=starts_at + length + (session.blocked_until - session.planned_end),
    )
    session.refresh_from_db()


def test_only_operators_get_the_front_page(client):
    client.force_login(ClientFactory())
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_front_page_shows_today_at_a_glance_each_row_one_click_from_its_action(
    operator_client, settings
):
    now = timezone.now()
    operator = operator_client.operator
    # A session that should have started 5 minutes ago: overdue, highlighted.
    late = book()
    confirm(late)
    late_session = schedule(late, operator=operator, starts_at=now + timedelta(minutes=5))
    _move_start(late_session, now - timedelta(minutes=5))
    # One later today (or just past midnight: the test pins nothing, so take 40 minutes).
    later = book()
    confirm(later)
    schedule(later, operator=operator, starts_at=now + timedelta(minutes=40))
    # A request the agent has not answered past the reminder.
    waiting = book()
    Call.objects.filter(pk=waiting.pk).update(
        state_changed_at=now - timedelta(hours=settings.NOTIFY_AGENT_REMINDER_AFTER_HOURS + 1)
    )
    # An open task and a client with a booking and little credit left.
    OperatorTask.objects.create(
        key="t1",
        kind=OperatorTaskKind.RESCHEDULE_MISSED,
        call=late,
        summary="Phone them",
        created_at=now,
    )
    poor = book()  # booked with exactly the hold: nothing free left
    response = operator_client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    board = response.context["board"]
    assert late_session in board.sessions_now
    assert waiting in board.waiting_calls
    assert [client for client, _balance, _call in board.low_balance].count(poor.client) == 1
    assert 'class="overdue"' in html  # the late session is highlighted
    assert reverse("admin:calls_call_change", args=[late.pk]) in html
    assert reverse("admin:calls_call_confirm", args=[waiting.pk]) in html
    assert reverse("admin:calls_call_change", args=[poor.pk]) + "#client-panel" in html
    assert "Phone them" in html
    # Daily work first; the security tables folded away at the bottom.
    assert html.index("Daily work") < html.index("Sign-in security")
    assert '<details class="office-security">' in html


def test_front_page_counts_a_late_unstarted_session_as_overdue_even_before_the_sweep(
    operator_client,
):
    call = book()
    confirm(call)
    session = schedule(
        call, operator=operator_client.operator, starts_at=timezone.now() + timedelta(minutes=3)
    )
    _move_start(session, timezone.now() - timedelta(minutes=3))
    assert session.status == SessionStatus.PLANNED
    html = operator_client.get(reverse("admin:index")).content.decode()
    assert "Late: not started" in html


def _booking_data(for_client, with_member, **extra):
    return {
        "client": str(for_client.pk),
        "client_search": "",
        "member": with_member.reference,
        "kind": "phone_direct",
        "planned_minutes": "20",
        "languages": "en-ru",
        "client_windows": "mon-fri 18:00-21:00",
        "note": "",
        "request_key": "7a8d1b1e-52a0-4c55-9b26-3b7e5d2a0c11",
        **extra,
    }


def test_one_screen_booking_books_through_the_service_and_holds(operator_client):
    client = ClientFactory()
    fund_client(client, 100)
    member = MemberFactory(reference="ONE-1")
    AgentFactory(agency=member.agency)
    url = reverse("admin:office_book")
    assert operator_client.get(url).status_code == 200
    response = operator_client.post(url, _booking_data(client, member))
    call = Call.objects.get(client=client)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:calls_call_change", args=[call.pk])
    message = list(get_messages(response.wsgi_request))[0].message
    assert call.number in message and "20.00 credits are held" in message
    assert call.created_by == operator_client.operator
    assert call.state == CallState.AWAITING_AGENT
    assert call.client_windows  # the windows typed on the one screen, as data
    assert billing_selectors.client_balance(client) == D("80.00")
    # Sent twice (Back, then Book again): one call, one hold.
    operator_client.post(url, _booking_data(client, member))
    assert Call.objects.filter(client=client).count() == 1


def _what_the_page_shows(page) -> dict:
    """The booking page's form as the browser would send it back untouched."""
    form = page.context["form"]
    return {
        "client_search": "",
        **{
            name: "" if form[name].value() is None else str(form[name].value())
            for name in form.fields
        },
    }


def test_the_booking_page_carries_a_one_time_key_so_sending_twice_books_once(operator_client):
    client = ClientFactory()
    fund_client(client, 100)
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    page = operator_client.get(reverse("admin:office_book"))
    key = page.context["form"]["request_key"].value()
    assert key and f'value="{key}"' in page.content.decode()
    order = _booking_data(client, member, request_key=str(key))
    for _ in range(2):
        assert operator_client.post(reverse("admin:office_book"), order).status_code == 302
    assert Call.objects.filter(client=client).count() == 1


def test_a_booking_the_service_refuses_comes_back_as_a_sentence_on_the_form(operator_client):
    client = ClientFactory()
    fund_client(client, 5)
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    response = operator_client.post(
        reverse("admin:office_book"), _booking_data(client, member, planned_minutes="30")
    )
    assert response.status_code == 200
    refusal = response.context["form"].non_field_errors()
    assert len(refusal) == 1
    assert refusal[0].startswith("Not enough credit: this call needs 30.00 credits")
    assert refusal[0] in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert not Call.objects.filter(client=client).exists()


def test_the_booking_screen_opened_for_a_client_starts_with_that_client(operator_client):
    client = ClientFactory(first_name="Opened", last_name="For")
    fund_client(client, 100)
    page = operator_client.get(reverse("admin:office_book"), {"client": client.pk})
    assert page.context["form"]["client"].value() == client.pk
    assert page.context["client"] == client
    assert page.context["preview"]["balance"] == "100.00 credits"
    assert 'value="Opened For"' in page.content.decode()


def test_book_again_starts_with_the_missed_calls_details_and_books_through_rebooking(
    operator_client, django_capture_on_commit_callbacks
):
    member = MemberFactory(reference="AGAIN-1")
    earlier = book(member=member, minutes=45)
    confirm(earlier)
    session = schedule(earlier, operator=operator_client.operator)
    with django_capture_on_commit_callbacks(execute=True):
        call_services.call_mark_missed(
            call=earlier, actor=None, now=session.starts_at + timedelta(minutes=31)
        )
    task = OperatorTask.objects.get(call=earlier, kind=OperatorTaskKind.RESCHEDULE_MISSED)
    fund_client(earlier.client, 100)
    url = f"{reverse('admin:office_book')}?again={earlier.pk}"
    page = operator_client.get(url)
    assert page.context["title"] == f"Book call {earlier.number} again"
    sent = _what_the_page_shows(page)
    assert sent["client"] == str(earlier.client_id)
    assert sent["member"] == f"AGAIN-1 · {member.agency.name}"
    assert (sent["kind"], sent["planned_minutes"]) == (earlier.kind, "45")
    assert sent["note"] == f"Booked again after call {earlier.number}."
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(url, sent)
    assert response.status_code == 302, response.context["form"].errors
    again = Call.objects.exclude(pk=earlier.pk).get(client=earlier.client)
    assert (again.member, again.kind, again.planned_minutes) == (member, earlier.kind, 45)
    assert again.languages == earlier.languages
    task.refresh_from_db()
    assert task.status == OperatorTaskStatus.DONE
    assert f"booked again as call {again.number}" in task.note


def test_book_again_of_a_call_that_does_not_exist_is_an_ordinary_empty_screen(operator_client):
    page = operator_client.get(reverse("admin:office_book"), {"again": "999999"})
    assert page.status_code == 200
    assert page.context["earlier"] is None and not page.context["form"].initial


def test_booking_finds_the_client_by_typed_email_without_the_search_list(operator_client):
    client = ClientFactory(email="typed@example.org")
    fund_client(client, 100)
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    data = _booking_data(client, member, client="", client_search="typed@example.org")
    response = operator_client.post(reverse("admin:office_book"), data)
    assert response.status_code == 302
    assert Call.objects.filter(client=client).exists()


def test_nothing_typed_names_no_client_not_even_one_without_an_email(operator_client):
    """An empty search box once matched a client whose email is blank."""
    blank = ClientFactory(email="")
    fund_client(blank, 100)
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    response = operator_client.post(
        reverse("admin:office_book"), _booking_data(blank, member, client="", client_search="")
    )
    assert response.status_code == 200
    assert "No active client" in response.context["form"].errors["client"][0]
    assert not Call.objects.exists()


def test_booking_shows_the_shortfall_before_saving_and_keeps_the_input(operator_client):
    client = ClientFactory()
    fund_client(client, 5)
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    response = operator_client.post(
        reverse("admin:office_book"), _booking_data(client, member, planned_minutes="30")
    )
    assert response.status_code == 200
    assert not Call.objects.filter(client=client).exists()
    preview = response.context["preview"]
    assert preview["hold"] == "30.00 credits" and preview["enough"] is False
    html = response.content.decode()
    assert "25.00 credits missing" in html
    assert "mon-fri 18:00-21:00" in html  # nothing typed is lost


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"client": "", "client_search": "nobody@example.org"}, "client", "No active client"),
        ({"member": "NOPE-0"}, "member", "No active member has this code"),
        ({"planned_minutes": "3"}, "planned_minutes", "greater than or equal to 5"),
    ],
)
def test_booking_errors_are_one_per_mistake_under_their_field(
    operator_client, change, field, words
):
    client = ClientFactory()
    member = MemberFactory()
    response = operator_client.post(
        reverse("admin:office_book"), _booking_data(client, member, **change)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert len(errors[field]) == 1 and words in errors[field][0]


def test_a_member_code_shared_by_two_agencies_asks_which(operator_client):
    client = ClientFactory()
    first = MemberFactory(reference="TWIN-1")
    MemberFactory(reference="TWIN-1")
    response = operator_client.post(
        reverse("admin:office_book"), _booking_data(client, first, member="TWIN-1")
    )
    assert "Several agencies" in response.context["form"].errors["member"][0]
    chosen = f"TWIN-1 · {first.agency.name}"
    fund_client(client, 100)
    AgentFactory(agency=first.agency)
    response = operator_client.post(
        reverse("admin:office_book"), _booking_data(client, first, member=chosen)
    )
    assert response.status_code == 302
    assert Call.objects.get(client=client).member == first


def test_client_search_as_you_type_finds_by_name_email_or_phone(operator_client):
    wanted = ClientFactory(
        first_name="Gwendolyn",
        last_name="Ashcombe",
        email="gash@example.org",
        phone="+12025550143",
    )
    ClientFactory(first_name="Other")
    url = reverse("admin:office_client_search")
    for typed in ["gwend", "ASHCOMBE", "gash@", "2025550143", "gwen ash"]:
        results = operator_client.post(url, {"q": typed}).json()["results"]
        assert [r["id"] for r in results] == [wanted.pk], typed
    assert operator_client.post(url, {"q": "g"}).json()["results"] == []


def test_client_search_by_phone_keeps_the_number_out_of_the_url(operator_client):
    """Issue 25 item 11: a GET with ?q= (the number in the access log) is refused."""
    ClientFactory(phone="+12025550143")
    url = reverse("admin:office_client_search")
    assert operator_client.get(url, {"q": "+12025550143"}).status_code == 405
    assert "?" not in url


def test_client_search_and_quote_are_for_operators_only(client):
    client.force_login(ClientFactory())
    for name in ["admin:office_client_search", "admin:office_quote"]:
        response = client.get(reverse(name), {"q": "a"})
        assert response.status_code == 302
    assert client.post(reverse("admin:office_client_search"), {"q": "ab"}).status_code == 302


def test_quote_gives_price_hold_and_balance_after(operator_client):
    client = ClientFactory()
    fund_client(client, 100)
    member = MemberFactory(reference="Q-1", languages="ru,en")
    answer = operator_client.get(
        reverse("admin:office_quote"),
        {"client": client.pk, "member": "Q-1", "kind": "video", "minutes": 20},
    ).json()
    assert answer["preview"]["hold"] == "75.00 credits"  # the video minimum
    assert answer["preview"]["after"] == "25.00 credits" and answer["preview"]["enough"]
    assert answer["member"]["languages"] == "ru,en"
    assert member.full_name == answer["member"]["name"]


def test_call_page_shows_the_clients_contact_and_tops_up_through_the_ledger(operator_client):
    client = ClientFactory(phone="+12025550143")
    call = book(client=client)
    page = operator_client.get(reverse("admin:calls_call_change", args=[call.pk]))
    html = page.content.decode()
    assert client.email in html and "+1 202-555-0143" in html
    assert reverse("admin:calls_call_confirm", args=[call.pk]) in html  # answer taken by phone
    url = reverse("admin:office_top_up", args=[call.pk])
    before = billing_selectors.client_balance(client)
    refused = operator_client.post(url, {"amount": "50", "reason": ""})
    assert refused.status_code == 302
    assert billing_selectors.client_balance(client) == before  # no reason, no money
    done = operator_client.post(url, {"amount": "50", "reason": "bank transfer 1043"})
    assert done["Location"].endswith("#client-panel")
    assert billing_selectors.client_balance(client) == before + D("50.00")
    entry = billing_selectors.client_entries(client).first()
    assert entry.reason == "bank transfer 1043" and entry.kind == "top_up"


def test_top_up_is_for_operators_only(client):
    call = book()
    client.force_login(call.client)
    before = billing_selectors.client_balance(call.client)
    client.post(reverse("admin:office_top_up", args=[call.pk]), {"amount": "50", "reason": "x"})
    assert billing_selectors.client_balance(call.client) == before


def test_the_admin_follows_the_persons_language_and_switches(operator_client):
    url = reverse("admin:index")
    assert "Sessions now" in operator_client.get(url).content.decode()
    response = operator_client.post(reverse("language-switch"), {"language": "ru", "next": url})
    assert response["Location"] == url
    operator_client.operator.refresh_from_db()
    assert operator_client.operator.language == "ru"
    html = operator_client.get(url).content.decode()
    assert "Сеансы сейчас" in html and "Sessions now" not in html
