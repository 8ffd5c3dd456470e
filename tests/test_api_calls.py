"""The calls API: each role's endpoints drive the same services as the pages."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from calls.models import CallState, SessionStatus
from recordings.models import Recording

from .api_helpers import CONFIRM_PAYLOAD, _fresh_throttles, api_as, scheduled_call  # noqa: F401
from .factories import (
    AgentFactory,
    ClientFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
)
from .flows import CLIENT_WINDOWS, book, confirm, fund_client, own_number, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    m = MemberFactory(reference="M-7001")
    AgentFactory(agency=m.agency)
    return m


def test_client_books_a_call_and_sees_it_in_the_list(member):
    client = ClientFactory()
    fund_client(client, 100)
    api = api_as(client)
    answer = api.post(
        "/api/v1/calls/",
        {
            "member": "M-7001",
            "kind": "phone_interpreted",
            "planned_minutes": 30,
            "note": "hello",
            "windows": CLIENT_WINDOWS,
        },
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["state"] == "awaiting_agent"
    assert body["member"] == {"reference": "M-7001", "agency": member.agency.name}
    assert [(t["from_state"], t["to_state"], t["by"]) for t in body["timeline"]] == [
        ("requested", "awaiting_agent", "system")
    ]
    listed = api.get("/api/v1/calls/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == body["id"]


def test_unknown_member_reference_is_a_400_on_the_member_field(member):
    answer = api_as(ClientFactory()).post(
        "/api/v1/calls/",
        {"member": "NOPE", "kind": "video", "planned_minutes": 30, "windows": CLIENT_WINDOWS},
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "no_member"
    assert "member" in answer.json()["errors"]


def test_list_filters_by_state_kind_and_date_and_paginates(member):
    client = ClientFactory()
    calls = [book(client=client, member=member) for _ in range(3)]
    video = book(client=client, member=member, kind="video")
    confirm(calls[0])
    api = api_as(client)
    assert api.get("/api/v1/calls/?state=confirmed").json()["count"] == 1
    assert api.get("/api/v1/calls/?state=confirmed&state=awaiting_agent").json()["count"] == 4
    only_video = api.get("/api/v1/calls/?kind=video").json()
    assert [c["id"] for c in only_video["results"]] == [str(video.public_id)]
    today = timezone.now().astimezone(client.tz).date()
    assert api.get(f"/api/v1/calls/?created_after={today}").json()["count"] == 4
    tomorrow = today + timedelta(days=1)
    assert api.get(f"/api/v1/calls/?created_after={tomorrow}").json()["count"] == 0
    page = api.get("/api/v1/calls/?page_size=3").json()
    assert page["count"] == 4 and len(page["results"]) == 3 and page["next"]
    assert api.get("/api/v1/calls/?state=nonsense").status_code == 400
    assert api.get("/api/v1/calls/?created_after=yesterday").status_code == 400


def test_client_cancels_and_the_timeline_shows_who(member):
    call = book(member=member)
    api = api_as(call.client)
    answer = api.post(f"/api/v1/calls/{call.public_id}/cancel/", {"reason": "plans changed"})
    assert answer.status_code == 200
    assert answer.json()["state"] == "cancelled"
    assert answer.json()["timeline"][-1]["by"] == "client"
    again = api.post(f"/api/v1/calls/{call.public_id}/cancel/", {})
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"


def test_agent_confirms_with_numbers_and_sees_interpreter_contact_later(member):
    call = book(member=member)
    agent = member.agency.staff.get()
    api = api_as(agent)
    assert api.get("/api/v1/agent/requests/").json()["count"] == 1
    answer = api.post(f"/api/v1/agent/requests/{call.public_id}/confirm/", CONFIRM_PAYLOAD)
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["state"] == "confirmed"
    assert body["confirmation"]["dial_number"] == "+380671234567"
    assert {n["role"] for n in body["confirmation"]["numbers"]} == {
        "member",
        "agent_mobile",
        "responsible",
    }
    interpreter = InterpreterFactory(first_name="Iryna", last_name="Koval")
    schedule(call, operator=OperatorFactory(), interpreter=interpreter)
    detail = api.get(f"/api/v1/agent/requests/{call.public_id}/").json()
    assert detail["session"]["interpreter"]["name"] == "Iryna Koval"
    assert detail["session"]["interpreter"]["phone"] == "+380441234567"


def test_confirming_twice_is_refused_once_the_request_left_awaiting_agent(member):
    call = book(member=member)
    api = api_as(member.agency.staff.get())
    first = api.post(f"/api/v1/agent/requests/{call.public_id}/confirm/", CONFIRM_PAYLOAD)
    assert first.status_code == 200
    again = api.post(f"/api/v1/agent/requests/{call.public_id}/confirm/", CONFIRM_PAYLOAD)
    assert again.status_code == 409
    assert again.json()["code"] == "already_answered"
    decline = api.post(f"/api/v1/agent/requests/{call.public_id}/decline/", {"reason": "no"})
    assert decline.status_code == 409


def test_contact_rules_errors_come_back_per_field(member):
    call = book(member=member)
    api = api_as(member.agency.staff.get())
    payload = {
        **CONFIRM_PAYLOAD,
        "numbers": [
            {"role": "member", "number": "12"},
            {"role": "agent_mobile", "number": "+380 50 765 4321"},
        ],
        "responsible_name": "",
    }
    answer = api.post(f"/api/v1/agent/requests/{call.public_id}/confirm/", payload)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "contact_rules"
    assert set(body["errors"]) >= {"numbers-0", "numbers", "responsible_name", "dial"}
    call.refresh_from_db()
    assert call.state == CallState.AWAITING_AGENT


def test_agent_declines_with_a_reason(member):
    call = book(member=member)
    api = api_as(member.agency.staff.get())
    empty = api.post(f"/api/v1/agent/requests/{call.public_id}/decline/", {"reason": ""})
    assert empty.status_code == 400
    answer = api.post(f"/api/v1/agent/requests/{call.public_id}/decline/", {"reason": "Not now"})
    assert answer.status_code == 200
    assert answer.json()["state"] == "declined"
    assert answer.json()["decline_reason"] == "Not now"


def test_interpreter_starts_uploads_and_ends(member):
    call, api = scheduled_call(member=member)
    listed = api.get("/api/v1/sessions/").json()
    assert [s["id"] for s in listed["results"]] == [str(call.public_id)]
    assert listed["results"][0]["contacts"]["dial_number"] == own_number(call.member)
    base = f"/api/v1/sessions/{call.public_id}"
    early = api.post(
        f"{base}/recording/", {"file": SimpleUploadedFile("a.mp3", b"ID3")}, format="multipart"
    )
    assert early.status_code == 409
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert api.post(f"{base}/start/").json()["status"] == SessionStatus.IN_PROGRESS
        upload = api.post(
            f"{base}/recording/",
            {"file": SimpleUploadedFile("call.mp3", b"ID3fake", content_type="audio/mpeg")},
            format="multipart",
        )
        assert upload.status_code == 201, upload.json()
        assert upload.json()["has_recording"] is True
        clock.shift(timedelta(minutes=10, seconds=12))  # 612 s measured
        ended = api.post(
            f"{base}/end/", {"talk_seconds": 601, "talk_reason": "the line connected late"}
        )
    assert ended.status_code == 200, ended.json()
    assert ended.json()["call_state"] == "completed"
    assert ended.json()["talk_seconds"] == 601
    recording = Recording.objects.get(session__call=call)
    assert "call" not in recording.blob_name  # random file name, no personal data
    assert recording.is_sealed


def test_ending_without_recording_needs_a_reason(member):
    call, api = scheduled_call(member=member, start=True)
    answer = api.post(f"/api/v1/sessions/{call.public_id}/end/", {})
    assert answer.status_code == 400
    assert answer.json()["code"] == "recording_required"
    assert "no_recording_reason" in answer.json()["errors"]
    ok = api.post(
        f"/api/v1/sessions/{call.public_id}/end/", {"no_recording_reason": "recorder failed"}
    )
    assert ok.status_code == 200


def test_operator_schedules_through_the_api(member):
    call = book(member=member)
    confirm(call)
    interpreter = InterpreterFactory()
    operator = OperatorFactory()
    starts = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    answer = api_as(operator).post(
        f"/api/v1/office/calls/{call.public_id}/schedule/",
        {"starts_at": starts.isoformat(), "interpreter": interpreter.pk},
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["call_state"] == "scheduled"
    past = api_as(operator).post(
        f"/api/v1/office/calls/{call.public_id}/schedule/",
        {
            "starts_at": (timezone.now() - timedelta(hours=1))
            .replace(second=0)
            .isoformat(timespec="minutes"),
            "interpreter": interpreter.pk,
        },
    )
    assert past.status_code == 400
    assert past.json()["code"] == "in_the_past"
    assert "starts_at" in past.json()["errors"]


def test_times_are_read_and_shown_in_the_users_time_zone(member):
    call = book(member=member)
    confirm(call)
    operator = OperatorFactory(time_zone="Europe/Berlin")
    answer = api_as(operator).post(
        f"/api/v1/office/calls/{call.public_id}/schedule/",
        {"starts_at": "2030-01-10T10:00", "interpreter": InterpreterFactory().pk},
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["starts_at"] == "2030-01-10T10:00:00+01:00"
    session = call.sessions.get()
    assert session.starts_at.isoformat() == "2030-01-10T09:00:00+00:00"
    shown = api_as(call.client).get(f"/api/v1/calls/{call.public_id}/").json()
    assert shown["session"]["starts_at"] == "2030-01-10T04:00:00-05:00"  # New York


def test_a_video_call_is_confirmed_with_the_members_video_handle(member):
    call = book(member=member, kind="video")
    api = api_as(member.agency.staff.get())
    url = f"/api/v1/agent/requests/{call.public_id}/confirm/"
    payload = {**CONFIRM_PAYLOAD, "dial": ""}
    missing = api.post(url, payload)
    assert missing.status_code == 400
    assert "video_handle" in missing.json()["errors"]
    answer = api.post(url, {**payload, "video_handle": "svitlana.video"})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["confirmation"]["video_handle"] == "svitlana.video"
    assert answer.json()["confirmation"]["dial_number"] == ""


def test_an_agent_who_is_the_responsible_person_gives_a_second_number(member):
    call = book(member=member)
    api = api_as(member.agency.staff.get())
    numbers = [
        {"role": "member", "number": "+380 67 123 4567"},
        {"role": "agent_mobile", "number": "+380 50 765 4321"},
        {"role": "agent_second", "number": "+380 44 222 3344"},
    ]
    answer = api.post(
        f"/api/v1/agent/requests/{call.public_id}/confirm/",
        {"numbers": numbers, "agent_is_responsible": True, "dial": "+380671234567"},
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["confirmation"]["agent_is_responsible"] is True
