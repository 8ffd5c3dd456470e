"""Errors of the API: one shape from one handler, in the user's language, and
a clear 400 (or 413/415) for every kind of bad input."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext, override
from rest_framework.settings import api_settings

from common import api as common_api
from common.errors import DomainError

from .api_helpers import CONFIRM_PAYLOAD, _fresh_throttles, api_as, scheduled_call  # noqa: F401
from .factories import ClientFactory, InterpreterFactory, OperatorFactory
from .flows import CLIENT_WINDOWS, agent_for, book, confirm, fund_client

pytestmark = pytest.mark.django_db

SHAPE = {"code", "message", "errors"}


def test_our_handler_is_the_one_in_force():
    assert api_settings.EXCEPTION_HANDLER is common_api.exception_handler


def test_a_domain_error_raised_in_a_view_becomes_its_4xx_with_code_and_message(monkeypatch):
    """Not a 500: the DomainError reaches our handler, whatever the view."""
    client = ClientFactory()

    def refuse(**kwargs):
        raise DomainError("made_up_rule", "A rule said no.", field="note")

    fund_client(client, 100)
    call = book(client=client)
    monkeypatch.setattr("calls.services.call_request_create", refuse)
    answer = api_as(client).post(
        "/api/v1/calls/",
        {
            "member": call.member.reference,
            "kind": "video",
            "planned_minutes": 30,
            "windows": CLIENT_WINDOWS,
        },
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "code": "made_up_rule",
        "message": "A rule said no.",
        "errors": {"note": ["A rule said no."]},
    }


def test_conflict_and_not_found_keep_their_status():
    call = book()
    confirm(call)
    api = api_as(agent_for(call))
    again = api.post(f"/api/v1/agent/requests/{call.public_id}/confirm/", CONFIRM_PAYLOAD)
    assert again.status_code == 409
    assert set(again.json()) == SHAPE
    missing = api.get("/api/v1/agent/requests/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    malformed = api.get("/api/v1/agent/requests/not-a-uuid/")
    assert malformed.status_code == 404
    assert set(malformed.json()) == SHAPE


def test_anonymous_gets_401_in_the_same_shape():
    answer = api_as(None).get("/api/v1/calls/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"
    assert answer["WWW-Authenticate"].startswith("Token")


def test_a_bad_token_is_401():
    api = api_as(None)
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/calls/").status_code == 401


def test_messages_come_in_the_users_language_also_with_token_auth():
    """Token auth happens after the language middleware: the API view must
    switch to the profile's language itself (DRF ships Russian messages)."""
    call = book()
    agent = agent_for(call)
    agent.language = "ru"
    agent.save()
    answer = api_as(agent).post(f"/api/v1/agent/requests/{call.public_id}/decline/", {})
    assert answer.status_code == 400
    with override("ru"):
        required = gettext("This field is required.")
    assert required != "This field is required."
    assert answer.json()["errors"] == {"reason": [required]}
    assert answer["Content-Language"] == "ru"


def test_domain_errors_are_translated_into_the_users_language():
    call_command("compile_translations", verbosity=0)
    call = book()
    agent = agent_for(call)
    agent.language = "ru"
    agent.save()
    payload = {**CONFIRM_PAYLOAD, "numbers": CONFIRM_PAYLOAD["numbers"][:1]}
    answer = api_as(agent).post(f"/api/v1/agent/requests/{call.public_id}/confirm/", payload)
    assert answer.status_code == 400
    english = "The agent's mobile number is required."
    with override("ru"):
        russian = gettext(english)
    assert russian != english
    assert russian in answer.json()["errors"]["numbers"]


def test_validation_errors_are_flattened_by_field():
    call = book()
    payload = {**CONFIRM_PAYLOAD, "numbers": [{"role": "aunt", "number": "1"}]}
    answer = api_as(agent_for(call)).post(
        f"/api/v1/agent/requests/{call.public_id}/confirm/", payload
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert list(answer.json()["errors"]) == ["numbers-0-role"]


# --- bad input, each a clear 400 ------------------------------------------------


@pytest.mark.parametrize(
    "number", ["12", "+380 67 123", "not a number", "+999 123 456 789", "+7 (912) 345-67-89-00"]
)
def test_malformed_phone_numbers(number):
    call = book()
    payload = {
        **CONFIRM_PAYLOAD,
        "numbers": [{"role": "member", "number": number}, *CONFIRM_PAYLOAD["numbers"][1:]],
    }
    answer = api_as(agent_for(call)).post(
        f"/api/v1/agent/requests/{call.public_id}/confirm/", payload
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "contact_rules"
    assert "numbers-0" in answer.json()["errors"]


def test_a_too_long_phone_number_is_refused_by_the_serializer():
    call = book()
    payload = {
        **CONFIRM_PAYLOAD,
        "numbers": [{"role": "member", "number": "+380" + "1" * 100}],
    }
    answer = api_as(agent_for(call)).post(
        f"/api/v1/agent/requests/{call.public_id}/confirm/", payload
    )
    assert answer.status_code == 400
    assert "numbers-0-number" in answer.json()["errors"]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "UTC+3", "", "Europe/Kyiv" * 10])
def test_unknown_time_zones(zone):
    client = ClientFactory()
    answer = api_as(client).patch("/api/v1/me/", {"time_zone": zone})
    assert answer.status_code == 400
    assert set(answer.json()) == SHAPE
    assert "time_zone" in answer.json()["errors"]
    client.refresh_from_db()
    assert client.time_zone == "America/New_York"


def test_a_known_time_zone_is_taken_and_used_for_times():
    client = ClientFactory()
    api = api_as(client)
    assert api.patch("/api/v1/me/", {"time_zone": "Asia/Tokyo"}).json()["time_zone"] == "Asia/Tokyo"
    book(client=client)
    created = api.get("/api/v1/calls/").json()["results"][0]["created_at"]
    assert created.endswith("+09:00")


def test_dates_in_the_past():
    call = book()
    confirm(call)
    answer = api_as(OperatorFactory()).post(
        f"/api/v1/office/calls/{call.public_id}/schedule/",
        {
            "starts_at": (timezone.now() - timedelta(days=1)).isoformat(timespec="minutes"),
            "interpreter": InterpreterFactory().pk,
        },
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "in_the_past"


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-45", "2026-02-30T10:00"])
def test_malformed_dates(value):
    call = book()
    confirm(call)
    answer = api_as(OperatorFactory()).post(
        f"/api/v1/office/calls/{call.public_id}/schedule/",
        {"starts_at": value, "interpreter": InterpreterFactory().pk},
    )
    assert answer.status_code == 400
    assert "starts_at" in answer.json()["errors"]


def test_enormous_notes():
    client = ClientFactory()
    fund_client(client, 1000)
    call = book()
    answer = api_as(client).post(
        "/api/v1/calls/",
        {
            "member": call.member.reference,
            "kind": "phone_direct",
            "planned_minutes": 30,
            "windows": CLIENT_WINDOWS,
            "note": "x" * 100_000,
        },
    )
    assert answer.status_code == 400
    assert "note" in answer.json()["errors"]


def test_an_enormous_body_is_413_without_being_read(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    answer = api_as(ClientFactory()).post(
        "/api/v1/calls/",
        data=json.dumps({"note": "x" * 20_000}),
        content_type="application/json",
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "member=M-1&kind=video&planned_minutes=30"),
        ("text/plain", "member=M-1"),
        ("application/xml", "<call/>"),
    ],
)
def test_wrong_content_types_are_415(content_type, body):
    answer = api_as(ClientFactory()).post("/api/v1/calls/", data=body, content_type=content_type)
    assert answer.status_code == 415
    assert answer.json()["code"] == "unsupported_media_type"


def test_malformed_json_is_400():
    answer = api_as(ClientFactory()).post(
        "/api/v1/calls/", data='{"member": ', content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "parse_error"


def test_a_recording_must_be_multipart_and_an_audio_file():
    call, api = scheduled_call(start=True)
    as_json = api.post(f"/api/v1/sessions/{call.public_id}/recording/", {"file": "abc"})
    assert as_json.status_code == 415
    exe = api.post(
        f"/api/v1/sessions/{call.public_id}/recording/",
        {"file": SimpleUploadedFile("run.exe", b"MZ")},
        format="multipart",
    )
    assert exe.status_code == 400
    assert exe.json()["code"] == "bad_recording"
    missing = api.post(f"/api/v1/sessions/{call.public_id}/recording/", {}, format="multipart")
    assert missing.status_code == 400
    assert "file" in missing.json()["errors"]


@pytest.mark.parametrize("value", [-1, 10**9, "ten"])
def test_bad_talk_seconds(value):
    call, api = scheduled_call(start=True)
    answer = api.post(f"/api/v1/sessions/{call.public_id}/end/", {"talk_seconds": value})
    assert answer.status_code == 400
    assert "talk_seconds" in answer.json()["errors"]


@pytest.mark.parametrize(
    "value",
    [
        "2026-W51",  # an ISO week date Python reads as Monday 00:00
        "2030-01-10T10:00:00\u0000Z",
        "2030-01-10 10:00",
        "2030-010T10:00",  # an ordinal date
        "20300110T1000Z",
        "2030-01-10T10:00:30Z",  # not on a whole minute
        "2030-01-10T10:00:00.250Z",
    ],
)
def test_only_rfc_3339_times_on_a_whole_minute_are_starts(value):
    """Issue 25 item 9, for the operator's schedule and the client's pick."""
    call = book()
    confirm(call)
    answer = api_as(OperatorFactory()).post(
        f"/api/v1/office/calls/{call.public_id}/schedule/",
        {"starts_at": value, "interpreter": InterpreterFactory().pk},
    )
    assert answer.status_code == 400, answer.json()
    assert "starts_at" in answer.json()["errors"]
    picked = api_as(call.client).post(
        f"/api/v1/calls/{call.public_id}/slots/pick/", {"starts_at": value}
    )
    assert picked.status_code == 400, picked.json()
    assert "starts_at" in picked.json()["errors"]
    assert not call.sessions.exists()


@pytest.mark.parametrize(
    "value", ["2030-01-10T10:00:00Z", "2030-01-10t10:00+02:00", "2030-01-10T10:00"]
)
def test_rfc_3339_times_with_or_without_a_zone_are_read(value):
    call = book()
    confirm(call)
    answer = api_as(OperatorFactory()).post(
        f"/api/v1/office/calls/{call.public_id}/schedule/",
        {"starts_at": value, "interpreter": InterpreterFactory().pk},
    )
    assert answer.status_code == 200, answer.json()
