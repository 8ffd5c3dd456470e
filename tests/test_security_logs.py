"""No phone number, name or recording path in logs or URLs (SPEC "Boundaries").

One whole call goes through the API (book, confirm with numbers, schedule,
start, upload the recording, end), with the notifications it triggers
delivered, while every logger records at DEBUG. Then the captured logs and
every URL that was requested, redirected to or sent (API links, emails) are
searched for the numbers, the names and the recording's file path.
"""

import logging
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agents.links import SALT, agent_link_read
from calls.models import Call, CallState
from recordings.models import Recording

from .api_helpers import CONFIRM_PAYLOAD, _fresh_throttles, api_as  # noqa: F401
from .factories import (
    AgentFactory,
    ClientFactory,
    DutyManagerFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
)
from .flows import CLIENT_WINDOWS, fund_client

pytestmark = pytest.mark.django_db

NUMBERS_AS_TYPED = [n["number"] for n in CONFIRM_PAYLOAD["numbers"]]


@pytest.fixture
def every_logger_at_debug(caplog):
    """Every logger at DEBUG, and those that don't propagate feed caplog too."""
    changed = []
    for logger in [logging.getLogger(), *logging.root.manager.loggerDict.values()]:
        if not isinstance(logger, logging.Logger):
            continue
        changed.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for logger, level, disabled in changed:
        logger.setLevel(level)
        logger.disabled = disabled
        if caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


@pytest.fixture
def eager_notifications(monkeypatch, django_capture_on_commit_callbacks):
    """Deliver notifications in-process, right after each commit."""
    from notifications import tasks

    monkeypatch.setattr(tasks.deliver, "delay", lambda pk: tasks.deliver.apply(args=[pk]))

    def run(request):
        with django_capture_on_commit_callbacks(execute=True):
            return request()

    return run


def test_the_whole_call_path_leaves_no_personal_data_in_logs_or_urls(
    every_logger_at_debug, eager_notifications
):
    caplog = every_logger_at_debug
    client = ClientFactory(first_name="Margaret", last_name="Whitfield")
    fund_client(client, 500)
    member = MemberFactory(full_name="Svitlana Hordiienko", reference="M-4242")
    agent = AgentFactory(agency=member.agency, first_name="Oksana", last_name="Melnyk")
    interpreter = InterpreterFactory(first_name="Iryna", last_name="Kovalchuk")
    operator = OperatorFactory(first_name="Petra", last_name="Lindqvist")
    DutyManagerFactory(first_name="Bohdan", last_name="Savchenko")
    urls = []
    answers = []

    def call_api(user, method, url, *args, **kwargs):
        urls.append(url)
        api = api_as(user)
        answer = eager_notifications(lambda: getattr(api, method)(url, *args, **kwargs))
        answers.append(answer)
        return answer

    booked = call_api(
        client,
        "post",
        "/api/v1/calls/",
        {
            "member": "M-4242",
            "kind": "phone_interpreted",
            "planned_minutes": 20,
            "note": "hi",
            "windows": CLIENT_WINDOWS,
        },
    )
    assert booked.status_code == 201
    public_id = booked.json()["id"]
    # A refused confirmation: the bad number must not be logged with the 400.
    bad = {**CONFIRM_PAYLOAD, "numbers": [{"role": "member", "number": "+380 67 123 45"}]}
    refused = call_api(agent, "post", f"/api/v1/agent/requests/{public_id}/confirm/", bad)
    assert refused.status_code == 400
    confirmed = call_api(
        agent, "post", f"/api/v1/agent/requests/{public_id}/confirm/", CONFIRM_PAYLOAD
    )
    assert confirmed.status_code == 200
    # Soon enough to start now (the start lead).
    starts = (timezone.now() + timedelta(minutes=10)).isoformat(timespec="minutes")
    scheduled = call_api(
        operator,
        "post",
        f"/api/v1/office/calls/{public_id}/schedule/",
        {"starts_at": starts, "interpreter": interpreter.pk},
    )
    assert scheduled.status_code == 200
    call_api(agent, "get", f"/api/v1/agent/requests/{public_id}/")
    call_api(interpreter, "get", "/api/v1/sessions/")
    assert call_api(interpreter, "post", f"/api/v1/sessions/{public_id}/start/").status_code == 200
    upload = SimpleUploadedFile("Svitlana-Hordiienko-0671234567.mp3", b"ID3 audio")
    uploaded = call_api(
        interpreter,
        "post",
        f"/api/v1/sessions/{public_id}/recording/",
        {"file": upload},
        format="multipart",
    )
    assert uploaded.status_code == 201
    ended = call_api(interpreter, "post", f"/api/v1/sessions/{public_id}/end/", {})
    assert ended.status_code == 200
    call_api(client, "get", f"/api/v1/calls/{public_id}/")
    call_api(client, "get", "/api/v1/ledger/")

    call = Call.objects.get(public_id=public_id)
    assert call.state == CallState.COMPLETED
    recording = Recording.objects.get(session__call=call)
    assert mail.outbox, "the notifications were not delivered: the test would prove little"
    assert any(r.name.startswith("notifications") for r in caplog.records)

    secrets = {
        *NUMBERS_AS_TYPED,
        "+380671234567",
        "+380507654321",
        "+380442223344",
        "671234567",
        "507654321",
        "442223344",
        "+380 67 123 45",
        "+380441234567",  # the interpreter's phone
        "+380501112233",  # the agent's phone
        "+380445556677",  # the duty manager's phone
        CONFIRM_PAYLOAD["responsible_name"],
        "Svitlana Hordiienko",
        "Hordiienko",
        "Whitfield",
        "Melnyk",
        "Kovalchuk",
        "Lindqvist",
        "Savchenko",
        recording.blob_name,
        str(recording.public_id),
        recording.sha256,
    }

    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    leaked = sorted(s for s in secrets if s in logged)
    assert not leaked, f"personal data in the logs: {leaked}"

    for answer in answers:
        if answer.get("Location"):
            urls.append(answer["Location"])
        body = answer.json() if answer.get("Content-Type") == "application/json" else {}
        urls += [body[k] for k in ("next", "previous") if isinstance(body, dict) and body.get(k)]
    for message in mail.outbox:
        for text in [message.body, *[alt[0] for alt in getattr(message, "alternatives", [])]]:
            urls += re.findall(r"https?://[^\s\"'<>]+", text)
    # The agent's signed link must be among them, or the check below checks nothing.
    links = [url for url in urls if re.search(r"/agent/link/[^/]+/", url)]
    assert links, f"no agent link in the mails and answers: {urls}"
    for url in urls:
        leaked = sorted(s for s in secrets if s in url or s.replace(" ", "%20") in url)
        assert not leaked, f"personal data in a URL: {url}"
        link = re.search(r"/agent/link/([^/]+)/", url)
        if link:
            # Opaque: it reads back to the call and the agent, and shows neither.
            assert agent_link_read(link[1]) is not None
            with pytest.raises(signing.BadSignature):
                signing.loads(link[1], salt=SALT)
