"""The client's pages: dashboard, ordering with a price preview, a call, cancelling."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from calls.models import Call, CallKind, CallState

from .factories import ClientFactory, InterpreterFactory, MemberFactory, OperatorFactory
from .flows import book, confirm, fund_client, schedule
from .pages_helpers import reset_language  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_user():
    return ClientFactory(language="en")


@pytest.fixture
def signed_in(client, client_user):
    # Someone speaks the pair the orders below pin (refused at order time otherwise).
    InterpreterFactory(languages="en, ru")
    client.force_login(client_user)
    return client


def order_data(member, **extra):
    data = {
        "member": member.pk,
        "kind": CallKind.PHONE_INTERPRETED,
        "planned_minutes": 30,
        "client_windows": "mon-fri 18:00-21:00",
        "languages": "English, Russian",
        "note": "",
    }
    data.update(extra)
    return data


def test_dashboard_shows_balance_and_calls_in_few_queries(
    signed_in, client_user, django_assert_max_num_queries
):
    for _ in range(3):
        book(client=client_user)
    with django_assert_max_num_queries(10):
        response = signed_in.get(reverse("client-dashboard"))
    assert response.status_code == 200
    assert response.content.decode().count('class="row"') == 3
    for _ in range(5):
        book(client=client_user)
    with django_assert_max_num_queries(10):
        response = signed_in.get(reverse("client-dashboard"))
    assert response.content.decode().count('class="row"') == 8


def test_order_preview_shows_price_and_hold_before_booking(signed_in, client_user):
    fund_client(client_user, Decimal("100.00"))
    member = MemberFactory()
    response = signed_in.post(reverse("client-order"), order_data(member, step="preview"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "1.80 credits" in page  # per minute
    assert "54.00 credits" in page  # 30 minutes held
    assert not Call.objects.exists()


def test_order_confirm_books_the_call_and_shows_it(signed_in, client_user):
    fund_client(client_user, Decimal("100.00"))
    member = MemberFactory()
    from .factories import AgentFactory

    AgentFactory(agency=member.agency)
    response = signed_in.post(reverse("client-order"), order_data(member, step="confirm"))
    call = Call.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("client-call", args=[call.public_id])
    assert call.state == CallState.AWAITING_AGENT
    # Windows in the client's zone replace the free text; languages become codes.
    assert call.client_windows == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "18:00", "to": "21:00"}
    ]
    assert call.client_time_zone == client_user.time_zone
    assert call.languages == "en, ru"
    page = signed_in.get(response["Location"]).content.decode()
    assert "54.00 credits" in page


def test_order_with_too_little_credit_says_how_much_is_missing(signed_in, client_user):
    fund_client(client_user, Decimal("10.00"))
    member = MemberFactory()
    preview = signed_in.post(reverse("client-order"), order_data(member, step="preview"))
    assert "44.00 credits are missing" in preview.content.decode()
    response = signed_in.post(reverse("client-order"), order_data(member, step="confirm"))
    assert response.status_code == 200
    assert not Call.objects.exists()
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "mon-fri 18:00-21:00" in page  # input kept


def test_order_form_errors_sit_on_their_fields(signed_in):
    member = MemberFactory()
    response = signed_in.post(
        reverse("client-order"), order_data(member, planned_minutes=2, step="preview")
    )
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert 'id="id_planned_minutes_error"' in page


def test_client_cancels_and_the_timeline_says_so(signed_in, client_user):
    call = book(client=client_user)
    page = signed_in.get(reverse("client-call", args=[call.public_id])).content.decode()
    assert "Cancel the call" in page
    url = reverse("client-call-cancel", args=[call.public_id])
    # The button alone does not cancel: the client confirms first.
    unconfirmed = signed_in.post(url, {"reason": "plans changed"}, follow=True)
    assert "Tick “Yes, cancel this call” to cancel it." in unconfirmed.content.decode()
    call.refresh_from_db()
    assert call.state != CallState.CANCELLED
    response = signed_in.post(url, {"reason": "plans changed", "confirm": "on"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.CANCELLED
    page = signed_in.get(reverse("client-call", args=[call.public_id])).content.decode()
    assert "The call was cancelled." in page
    assert "Cancel the call" not in page


def test_scheduled_call_shows_time_and_interpreter(signed_in, client_user):
    call = book(client=client_user)
    confirm(call)
    session = schedule(call, operator=OperatorFactory())
    page = signed_in.get(reverse("client-call", args=[call.public_id])).content.decode()
    assert session.interpreter.get_full_name() in page
    assert "The call was scheduled" in page


def test_balance_history_lists_movements(signed_in, client_user, django_assert_max_num_queries):
    book(client=client_user)
    book(client=client_user)
    with django_assert_max_num_queries(8):
        response = signed_in.get(reverse("client-balance"))
    page = response.content.decode()
    assert "Top-up" in page
    assert "Hold" in page


def test_order_page_shows_balance_and_prices(signed_in, client_user):
    fund_client(client_user, Decimal("12.00"))
    page = signed_in.get(reverse("client-order")).content.decode()
    assert "12.00 credits" in page
    assert "1.80 credits per minute" in page
    assert "2.50 credits per minute, at least 30 minutes, paid in advance" in page


def test_the_same_order_sent_twice_books_one_call_and_holds_once(signed_in, client_user):
    """Back to the confirm page, then "Book" again: one call, one hold."""
    from billing.selectors import client_held

    fund_client(client_user, Decimal("200.00"))
    member = MemberFactory()
    key = signed_in.get(reverse("client-order")).context["form"]["request_key"].value()
    assert key
    preview = signed_in.post(
        reverse("client-order"), order_data(member, step="preview", request_key=key)
    )
    assert f'value="{key}"' in preview.content.decode()  # carried to the confirm step
    data = order_data(member, step="confirm", request_key=key)
    first = signed_in.post(reverse("client-order"), data)
    again = signed_in.post(reverse("client-order"), data)
    assert Call.objects.count() == 1
    assert first["Location"] == again["Location"]
    assert client_held(client_user) == Decimal("54.00")
    # A new order form gives a new key: a second, deliberate order books again.
    fresh = signed_in.get(reverse("client-order")).context["form"]["request_key"].value()
    assert str(fresh) != str(key)


def test_client_gives_a_phone_number_the_interpreter_calls(signed_in, client_user):
    client_user.phone = ""
    client_user.save(update_fields=["phone"])
    url = reverse("phone-update")
    page = signed_in.get(reverse("client-dashboard")).content.decode()
    assert 'name="phone"' in page
    bad = signed_in.post(url, {"phone": "12", "next": "/client/"}, follow=True)
    assert "This is not a valid phone number" in bad.content.decode()
    client_user.refresh_from_db()
    assert not client_user.phone
    signed_in.post(url, {"phone": "+1 202 555 0143", "next": "/client/"})
    client_user.refresh_from_db()
    assert client_user.phone == "+12025550143"
    page = signed_in.get(reverse("client-dashboard")).content.decode()
    assert "+1 202-555-0143" in page


def test_the_video_order_preview_says_what_a_no_show_and_a_late_cancel_cost(signed_in, client_user):
    """Issue 25 item 3: not "a call that does not take place costs nothing" for video."""
    fund_client(client_user, Decimal("100.00"))
    member = MemberFactory()
    video = signed_in.post(
        reverse("client-order"), order_data(member, step="preview", kind=CallKind.VIDEO)
    ).content.decode()
    assert "If you do not come to the call, it costs 75.00 credits" in video
    assert "less than 24 hours before it costs 75.00 credits" in video
    phone = signed_in.post(reverse("client-order"), order_data(member, step="preview"))
    assert "A call that does not take place costs nothing." in phone.content.decode()


def test_a_late_cancel_says_what_was_charged_not_that_everything_was_released(client, settings):
    settings.LATE_CANCEL_HOURS = 24
    call = book(kind=CallKind.VIDEO)
    confirm(call)
    session = schedule(call, operator=OperatorFactory())
    with time_machine.travel(session.starts_at - timedelta(hours=2)):
        client.force_login(call.client)
        answer = client.post(
            reverse("client-call-cancel", args=[call.public_id]),
            {"reason": "ill", "confirm": "on"},
            follow=True,
        )
    page = answer.content.decode()
    assert "As a late cancellation, 75.00 credits was charged" in page
    assert "Held credits are released" not in page
