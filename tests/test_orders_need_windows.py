"""Issue 25, item 5: an order says when the client can talk, at every door.

Without windows the finder can only answer that the client's and the member's
times never overlap, so an order without any is refused with a sentence (and
nothing is held)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from billing import selectors as billing_selectors
from calls import services
from calls.models import Call, CallKind
from common.errors import DomainError

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import AgentFactory, ClientFactory, MemberFactory, OperatorFactory
from .flows import CLIENT_WINDOWS, fund_client
from .pages_helpers import reset_language  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    member = MemberFactory(reference="W-1")
    AgentFactory(agency=member.agency)
    return member


@pytest.fixture
def funded():
    client = ClientFactory(language="en")
    fund_client(client, Decimal("100.00"))
    return client


@pytest.mark.parametrize("windows", [None, []])
def test_the_service_refuses_an_order_without_windows_and_holds_nothing(funded, member, windows):
    with pytest.raises(DomainError) as refused:
        services.call_request_create(
            client=funded,
            member=member,
            kind=CallKind.PHONE_DIRECT,
            planned_minutes=30,
            preferred_times="weekday evenings",  # free text is not a window
            client_windows=windows,
            created_by=funded,
        )
    assert (refused.value.code, refused.value.field) == ("no_windows", "client_windows")
    assert "Say when the client can talk" in refused.value.message
    assert not Call.objects.exists()
    assert billing_selectors.client_held(funded) == 0


def test_with_one_window_the_order_is_booked(funded, member):
    call = services.call_request_create(
        client=funded,
        member=member,
        kind=CallKind.PHONE_DIRECT,
        planned_minutes=30,
        client_windows=CLIENT_WINDOWS,
        created_by=funded,
    )
    assert call.client_windows == CLIENT_WINDOWS


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Say when you can talk: at least one line"),
        ("ru", "Укажите, когда вам удобно говорить"),
    ],
)
@pytest.mark.parametrize("step", ["preview", "confirm"])
def test_the_clients_order_form_asks_for_windows(client, funded, member, language, sentence, step):
    funded.language = language
    funded.save()
    client.force_login(funded)
    answer = client.post(
        reverse("client-order"),
        {
            "member": member.pk,
            "kind": CallKind.PHONE_DIRECT,
            "planned_minutes": 30,
            "client_windows": "  ",
            "languages": "",
            "note": "",
            "step": step,
        },
    )
    assert answer.status_code == 200
    assert answer.context["form"].errors["client_windows"] == [
        answer.context["form"].fields["client_windows"].error_messages["required"]
    ]
    assert sentence in answer.content.decode()
    assert not Call.objects.exists()


def test_the_office_booking_asks_for_the_clients_windows(client, funded, member):
    operator = OperatorFactory(language="en")
    client.force_login(operator)
    answer = client.post(
        reverse("admin:office_book"),
        {
            "client": str(funded.pk),
            "client_search": "",
            "member": member.reference,
            "kind": "phone_direct",
            "planned_minutes": "20",
            "languages": "",
            "client_windows": "",
            "note": "",
            "request_key": "7a8d1b1e-52a0-4c55-9b26-3b7e5d2a0c12",
        },
    )
    assert answer.status_code == 200
    assert "Say when the client can talk: at least one line" in answer.content.decode()
    assert not Call.objects.exists()
    assert billing_selectors.client_held(funded) == 0


@pytest.mark.parametrize("windows", ["absent", []])
def test_the_api_refuses_an_order_without_windows(funded, member, windows):
    order = {"member": member.reference, "kind": "phone_direct", "planned_minutes": 30}
    if windows != "absent":
        order["windows"] = windows
    answer = api_as(funded).post("/api/v1/calls/", order, format="json")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["windows"]
    assert not Call.objects.exists()


def test_the_api_schema_says_windows_are_required():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    body = schema["paths"]["/api/v1/calls/"]["post"]["requestBody"]["content"]
    component = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    order = schema["components"]["schemas"][component]
    assert "windows" in order["required"]
    assert order["properties"]["windows"]["minItems"] == 1


def test_the_service_sentence_reads_in_russian(funded, member):
    with translation.override("ru"), pytest.raises(DomainError) as refused:
        services.call_request_create(
            client=funded,
            member=member,
            kind=CallKind.PHONE_DIRECT,
            planned_minutes=30,
            created_by=funded,
        )
    assert "Укажите, когда клиент может говорить" in refused.value.message
