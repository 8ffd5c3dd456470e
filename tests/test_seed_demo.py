"""The demo data command fills every state and never doubles anything."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from agents.models import Agency, Member
from calls.models import Call, CallState, ContactNumber, Session

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (User, Agency, Member, Call, Session, ContactNumber)]


def test_demo_data_covers_every_state_and_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    states = set(Call.objects.values_list("state", flat=True))
    assert states == set(CallState.values)
    assert set(Agency.objects.values_list("country", flat=True)) == {"UA", "RU"}
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
