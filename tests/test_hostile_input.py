"""Hostile input answers 4xx, never 5xx: deep JSON, lone surrogates, long
usernames, dates at the end of the calendar, ids beyond the database's range."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from billing.models import Account, AccountKind

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import ClientFactory, InterpreterFactory, OperatorFactory
from .flows import book, confirm, fund_client

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_json_nested_1000_deep_is_a_400_even_anonymously(body):
    anonymous = APIClient().generic(
        "POST", "/api/v1/auth/token/", body, content_type="application/json"
    )
    assert anonymous.status_code == 400
    assert anonymous.json()["code"] == "parse_error"
    signed_in = api_as(ClientFactory()).generic(
        "POST", "/api/v1/calls/", body, content_type="application/json"
    )
    assert signed_in.status_code == 400


def test_json_nested_a_little_deeper_than_allowed_is_refused_by_the_depth_limit():
    body = '{"member": ' + "[" * 40 + "]" * 40 + "}"
    answer = api_as(ClientFactory()).generic(
        "POST", "/api/v1/calls/", body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert "nested too deeply" in answer.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        '{"kind": "\\ud800", "member": "M-1", "planned_minutes": 30}',
        '{"\\udfff": 1}',
        '{"member": ["\\ud83d"]}',
    ],
)
def test_lone_surrogates_are_a_400_not_an_echo_that_breaks(body):
    answer = api_as(ClientFactory()).generic(
        "POST", "/api/v1/calls/", body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "parse_error"


def test_a_real_emoji_in_json_still_works():
    answer = api_as(ClientFactory()).patch(
        "/api/v1/me/", '{"language": "\\ud83d\\ude00"}', content_type="application/json"
    )
    assert answer.status_code == 400  # not a language, but read fine
    assert answer.json()["code"] == "bad_language"


def test_a_256_character_username_on_the_sign_in_pages_is_a_form_error(settings):
    settings.AXES_ENABLED = True
    for path in ("/login/", "/admin/login/"):
        answer = Client().post(path, {"username": "u" * 256, "password": "x"})
        assert answer.status_code == 200, path  # the form again, with its error
    token = APIClient().post("/api/v1/auth/token/", {"username": "u" * 256, "password": "x"})
    assert token.status_code == 400


@pytest.fixture
def operator_browser():
    browser = Client()
    browser.force_login(OperatorFactory())
    return browser


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo", "UTC"])
def test_an_admin_start_at_the_end_of_the_calendar_is_a_field_error(operator_browser, zone):
    call = book()
    confirm(call)
    answer = operator_browser.post(
        f"/admin/calls/call/{call.pk}/schedule/",
        {
            "starts_at": "9999-12-31T23:59",
            "time_zone": zone,
            "interpreter": InterpreterFactory().pk,
            "minutes": 30,
        },
    )
    assert answer.status_code == 200
    assert "starts_at" in answer.context["form"].errors
    assert not call.sessions.exists()


@pytest.mark.parametrize("call_id", [10**20, -(10**20), 2**63])
def test_an_admin_adjustment_with_a_huge_call_id_is_a_field_error(operator_browser, call_id):
    client = ClientFactory()
    fund_client(client, 10)
    account = Account.objects.get(user=client, kind=AccountKind.CLIENT_CREDIT)
    answer = operator_browser.post(
        "/admin/billing/account/adjust/",
        {"account": account.pk, "amount": "1.00", "reason": "test", "call_id": str(call_id)},
    )
    assert answer.status_code == 200
    assert "call_id" in answer.context["form"].errors


def test_an_api_schedule_at_the_end_of_the_calendar_is_a_400():
    call = book()
    confirm(call)
    answer = api_as(OperatorFactory()).post(
        f"/api/v1/office/calls/{call.public_id}/schedule/",
        {"starts_at": "9999-12-31T23:59:00-05:00", "interpreter": InterpreterFactory().pk},
        format="json",
    )
    assert answer.status_code == 400, answer.content


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/admin/calls/call/", {"q": "a\x00b"}),
        ("post", "/login/", {"username": "a\x00", "password": "x"}),
        ("get", "/api/v1/calls/", {"state": "\x00"}),
    ],
)
def test_a_nul_character_in_a_query_or_form_is_a_400(method, path, data):
    browser = Client()
    browser.force_login(OperatorFactory())
    answer = getattr(browser, method)(path, data)
    assert answer.status_code == 400


def test_the_service_refuses_a_start_more_than_ten_years_ahead():
    from datetime import timedelta

    from django.utils import timezone

    from calls import services
    from common.errors import DomainError

    call = book()
    confirm(call)
    with pytest.raises(DomainError) as refused:
        services.session_schedule(
            call=call,
            starts_at=timezone.now() + timedelta(days=3700),
            interpreter=InterpreterFactory(),
            actor=OperatorFactory(),
        )
    assert refused.value.code == "too_far_ahead"
