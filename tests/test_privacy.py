"""A person's data: exported as a ZIP that validates against its schema; erased so
that no dump of the database holds their name, email, numbers or handle, while the
ledger and the agency's statement stay as they were."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import User
from agents.models import Member
from billing.statements import agent_statement
from calls.models import CallKind
from common.errors import Conflict
from common.phones import readable
from duty.services import dispute_raise
from privacy.erase import person_erase
from privacy.models import PrivacyRequest
from privacy.subjects import Subject
from recordings.models import Recording

from .factories import ClientFactory, MemberFactory
from .flows import book, good_contacts, own_number
from .recordings_flows import recorded_call

SCHEMA = json.loads(
    (Path(settings.BASE_DIR) / "docs/privacy/person-export.schema.json").read_text()
)

CLIENT_NAME = ("Zebulon", "Quixotically")
CLIENT_EMAIL = "zebulon.quixotically@example.net"
CLIENT_PHONE = "+12025550147"
MEMBER_NAME = "Wilhelmina Vanderslootova"
VIDEO_HANDLE = good_contacts(is_video=True)["video_handle"]


def people():
    client = ClientFactory(
        first_name=CLIENT_NAME[0],
        last_name=CLIENT_NAME[1],
        email=CLIENT_EMAIL,
        phone=CLIENT_PHONE,
        username="zquix",
        language="ru",
    )
    member = MemberFactory(full_name=MEMBER_NAME, reference="M-ERASE-1")
    return client, member


def export(*args) -> dict:
    out = io.BytesIO()
    path = Path(settings.MEDIA_ROOT).parent / "export.zip"
    call_command("person_export", *args, "--output", str(path), stdout=io.StringIO())
    out.write(path.read_bytes())
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert names == {"data.json", "README.txt", "person-export.schema.json"}
        return {
            "data": json.loads(archive.read("data.json")),
            "readme": archive.read("README.txt").decode(),
        }


@pytest.mark.django_db
def test_the_export_validates_against_the_documented_schema_and_holds_the_calls():
    client, member = people()
    call, _session, recording, _plain = recorded_call(client=client, member=member)
    got = export("--user", "zquix")
    jsonschema.validate(got["data"], SCHEMA, format_checker=jsonschema.FormatChecker())
    data = got["data"]
    assert data["subject"]["email"] == CLIENT_EMAIL
    assert [c["number"] for c in data["calls"]] == [call.number]
    assert data["calls"][0]["sessions"][0]["recording"]["sha256"] == recording.sha256
    assert data["ledger"] and all(line["call"] in (None, call.number) for line in data["ledger"])
    assert "Ваши данные" in got["readme"]  # the client reads Russian
    member_export = export("--member", "M-ERASE-1")["data"]
    jsonschema.validate(member_export, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert member_export["subject"]["full_name"] == MEMBER_NAME
    assert {n["number"] for n in member_export["numbers"]} == {own_number(member)}
    assert PrivacyRequest.objects.filter(kind="export").count() == 2


def test_the_schema_refuses_what_it_does_not_document():
    bad = {"schema": "person-export/1", "generated_at": "2026-01-01T00:00:00+00:00"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


@pytest.mark.django_db
def test_erasure_is_refused_while_a_call_is_unfinished_or_a_dispute_open():
    client, member = people()
    book(client=client, member=member)  # awaiting the agent
    with pytest.raises(CommandError, match="not finished"):
        call_command("person_erase", "--user", "zquix", "--yes", stdout=io.StringIO())
    other_client, other_member = ClientFactory(), MemberFactory()
    call, *_ = recorded_call(client=other_client, member=other_member)
    dispute_raise(call=call, actor=other_client, reason="too short")
    with pytest.raises(Conflict, match="dispute"):
        person_erase(subject=Subject("member", other_member), actor=None)
    assert User.objects.get(pk=client.pk).email == CLIENT_EMAIL  # nothing changed


def _dump() -> str:
    db = connection.settings_dict
    command = [shutil.which("pg_dump") or "pg_dump", "--data-only", "-h", db["HOST"] or "localhost"]
    if db.get("PORT"):
        command += ["-p", str(db["PORT"])]
    command += ["-U", db["USER"], db["NAME"]]
    env = {"PGPASSWORD": db.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_after_erasure_a_database_dump_holds_none_of_their_data_and_money_adds_up():
    client, member = people()
    call, session, recording, _plain = recorded_call(
        client=client, member=member, starts_at=timezone.now() - timedelta(hours=3)
    )
    # A video call too: the agent gave the member's video handle for it.
    video_call, *_ = recorded_call(
        client=client,
        member=member,
        kind=CallKind.VIDEO,
        starts_at=timezone.now() - timedelta(hours=2),
    )
    assert video_call.confirmation.video_handle == VIDEO_HANDLE
    month = call.sessions.get().ended_at
    agency_id = member.agency_id
    before = agent_statement(agency_id=agency_id, year=month.year, month=month.month)
    number = own_number(member)
    secrets = [
        CLIENT_NAME[0], CLIENT_NAME[1], CLIENT_EMAIL, CLIENT_PHONE, "zquix",
        MEMBER_NAME, "Vanderslootova", number, readable(number), "M-ERASE-1",
        VIDEO_HANDLE,
    ]  # fmt: skip
    dump = _dump()
    assert [s for s in secrets if s in dump], "the dump didn't see the data: proves nothing"

    out = io.StringIO()
    call_command("person_erase", "--user", "zquix", "--yes", stdout=out)
    call_command("person_erase", "--member", "M-ERASE-1", "--yes", stdout=out)
    assert "Erased; now known as erased-" in out.getvalue()

    dump = _dump()
    leaked = [s for s in secrets if s in dump]
    where = [line[:160] for line in dump.splitlines() if any(s in line for s in leaked)]
    assert not leaked, f"still in the database: {leaked}: {where[:8]}"
    call_command("ledger_check", stdout=io.StringIO())  # raises on any problem
    after = agent_statement(agency_id=agency_id, year=month.year, month=month.month)
    assert (after.total, after.calls, after.billed_minutes) == (
        before.total,
        before.calls,
        before.billed_minutes,
    )
    erased = User.objects.get(pk=client.pk)
    assert not erased.is_active and not erased.has_usable_password()
    assert erased.username.startswith("erased-")
    assert Recording.objects.get(pk=recording.pk).shredded_at is not None
    assert Member.objects.get(pk=member.pk).full_name.startswith("erased-")
    assert PrivacyRequest.objects.filter(kind="erase").count() == 2
    audit = "\n".join(str(r.summary) + r.subject_pseudonym for r in PrivacyRequest.objects.all())
    assert not [s for s in secrets if s in audit]


@pytest.mark.django_db
def test_the_admin_exports_a_person_and_asks_before_erasing_them():
    from django.test import Client

    from .factories import OperatorFactory

    client, member = people()
    recorded_call(client=client, member=member)
    browser = Client()
    browser.force_login(OperatorFactory())
    exported = browser.post(
        "/admin/accounts/user/", {"action": "export_person", "_selected_action": [client.pk]}
    )
    assert exported["Content-Type"] == "application/zip"
    assert "zquix" not in exported["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        data = json.loads(archive.read("data.json"))
    jsonschema.validate(data, SCHEMA)

    asked = browser.post(
        "/admin/agents/member/", {"action": "erase_person", "_selected_action": [member.pk]}
    )
    assert asked.status_code == 200 and b'name="confirmed"' in asked.content
    assert Member.objects.get(pk=member.pk).full_name == MEMBER_NAME  # not yet
    browser.post(
        "/admin/agents/member/",
        {"action": "erase_person", "_selected_action": [member.pk], "confirmed": "yes"},
    )
    assert Member.objects.get(pk=member.pk).full_name.startswith("erased-")
