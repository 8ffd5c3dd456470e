"""Who may listen (SPEC "Privacy"), and that every allowed listen leaves one access row."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from recordings.models import RecordingAccess

from .factories import (
    AgentFactory,
    ClientFactory,
    DutyManagerFactory,
    InterpreterFactory,
    OperatorFactory,
)
from .flows import agent_for
from .recordings_flows import recorded_call

pytestmark = pytest.mark.django_db


def get_audio(user, recording, **headers):
    browser = Client(REMOTE_ADDR="203.0.113.7")
    browser.force_login(user)
    return browser.get(reverse("recording-audio", args=[recording.public_id]), **headers)


PEOPLE = {
    "duty manager": lambda call, session: DutyManagerFactory(),
    "operator": lambda call, session: OperatorFactory(),
    "the session's interpreter": lambda call, session: session.interpreter,
    "another interpreter": lambda call, session: InterpreterFactory(),
    "the call's client": lambda call, session: call.client,
    "another client": lambda call, session: ClientFactory(),
    "the member's agent": lambda call, session: agent_for(call),
    "another agent": lambda call, session: AgentFactory(),
}

# (who, days after the session ended) -> may listen
RULE = {
    ("duty manager", 1): True,
    ("duty manager", 30): True,
    ("operator", 1): True,
    ("operator", 30): True,
    ("the session's interpreter", 1): True,
    ("the session's interpreter", 6.9): True,
    ("the session's interpreter", 7.1): False,
    ("another interpreter", 1): False,
    ("the call's client", 1): False,
    ("another client", 1): False,
    ("the member's agent", 1): False,
    ("another agent", 1): False,
}


@pytest.mark.parametrize(("who", "days"), list(RULE), ids=[f"{w}-{d}d" for w, d in RULE])
def test_every_role_and_recording_answers_as_the_rule_says(who, days):
    call, session, recording, plain = recorded_call()
    user = PEOPLE[who](call, session)
    before = RecordingAccess.objects.count()
    with time_machine.travel(session.ended_at + timedelta(days=days), tick=False):
        answer = get_audio(user, recording)
    if RULE[(who, days)]:
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content) == plain
        rows = list(RecordingAccess.objects.filter(pk__gt=0).order_by("-id")[:2])
        assert RecordingAccess.objects.count() == before + 1
        row = rows[0]
        assert (row.user, row.recording, row.bytes_sent, row.ip) == (
            user,
            recording,
            len(plain),
            "203.0.113.7",
        )
        assert (row.range_start, row.range_end) == (0, len(plain) - 1)
    else:
        assert answer.status_code == 404
        assert RecordingAccess.objects.count() == before


def test_a_range_listen_logs_the_bytes_sent():
    _call, _session, recording, plain = recorded_call()
    answer = get_audio(DutyManagerFactory(), recording, HTTP_RANGE="bytes=1000-1999")
    assert answer.status_code == 206
    row = RecordingAccess.objects.get()
    assert (row.range_start, row.range_end, row.bytes_sent) == (1000, 1999, 1000)


def test_the_access_log_is_append_only():
    _call, _session, recording, _plain = recorded_call()
    get_audio(DutyManagerFactory(), recording)
    row = RecordingAccess.objects.get()
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        RecordingAccess.objects.all().update(bytes_sent=0)
    with pytest.raises(TypeError):
        RecordingAccess.objects.all().delete()


@pytest.mark.postgres
def test_the_database_refuses_to_change_the_access_log():
    from django.db import connection, transaction
    from django.db.utils import InternalError

    _call, _session, recording, _plain = recorded_call()
    get_audio(DutyManagerFactory(), recording)
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE recordings_recordingaccess SET bytes_sent = 0")


def test_the_duty_page_plays_the_recording_shows_who_listened_and_exports_csv():
    call, _session, recording, _plain = recorded_call()
    duty = DutyManagerFactory()
    get_audio(duty, recording)
    browser = Client()
    browser.force_login(duty)
    page = browser.get(reverse("duty-call", args=[call.public_id])).content.decode()
    assert f'src="{reverse("recording-audio", args=[recording.public_id])}"' in page
    assert 'data-testid="accesses"' in page and str(duty) in page
    csv_text = browser.get(
        reverse("duty-recording-accesses-csv", args=[call.public_id])
    ).content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("at,user,role,call")
    assert len(lines) == 2 and duty.username in lines[1] and call.number in lines[1]


def test_the_audio_address_names_no_person():
    call, _session, recording, _plain = recorded_call()
    url = reverse("recording-audio", args=[recording.public_id])
    for private in (call.client.username, call.member.full_name, str(call.public_id)):
        assert private not in url


def test_the_call_admin_page_plays_the_recording_and_the_log_exports_as_csv():
    call, _session, recording, _plain = recorded_call()
    operator = OperatorFactory()
    get_audio(operator, recording)
    browser = Client()
    browser.force_login(operator)
    page = browser.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()
    assert reverse("recording-audio", args=[recording.public_id]) in page
    log = browser.get(
        reverse("admin:recordings_recordingaccess_changelist"), {"role__exact": "operator"}
    )
    assert log.status_code == 200 and str(operator) in log.content.decode()
    row = RecordingAccess.objects.get()
    exported = browser.post(
        reverse("admin:recordings_recordingaccess_changelist"),
        {"action": "export_accesses_csv", "_selected_action": [row.pk]},
    )
    lines = exported.content.decode().strip().splitlines()
    assert lines[0].startswith("at,user,role") and call.number in lines[1]


def test_an_operator_opens_the_recordings_admin_and_the_recording_plays_there():
    call, _session, recording, plain = recorded_call()
    operator = OperatorFactory()
    browser = Client()
    browser.force_login(operator)
    listed = browser.get(reverse("admin:recordings_recording_changelist"))
    assert listed.status_code == 200 and call.number in listed.content.decode()
    page = browser.get(reverse("admin:recordings_recording_change", args=[recording.pk]))
    assert page.status_code == 200
    audio = reverse("recording-audio", args=[recording.public_id])
    assert f'src="{audio}"' in page.content.decode()
    assert b"".join(browser.get(audio).streaming_content) == plain
    assert RecordingAccess.objects.get().user == operator
