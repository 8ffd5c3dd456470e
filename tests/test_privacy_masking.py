"""A member's numbers: in full for those who need them, masked for everyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from phonenumber_field.phonenumber import PhoneNumber

from common.phones import readable
from privacy.masking import mask, may_see_numbers

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import (
    AgentFactory,
    ClientFactory,
    DutyManagerFactory,
    InterpreterFactory,
    OperatorFactory,
)
from .flows import agent_for, book, confirm, own_number, schedule


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+79123459803", "+7 *** *** 98 03"),
        ("+380671234567", "+380 ** *** 4567"),
        ("+12025550147", "+1 ***-***-0147".replace("-", " ")),
    ],
)
def test_a_masked_number_keeps_the_country_code_and_the_last_four_digits(number, masked):
    assert mask(PhoneNumber.from_string(number)) == masked


@pytest.mark.django_db
def test_who_sees_the_members_numbers_in_full():
    call = book()
    confirm(call)
    interpreter = InterpreterFactory(time_zone="Europe/Kyiv")
    session = schedule(call, operator=OperatorFactory(), interpreter=interpreter)
    day = session.starts_at
    assert may_see_numbers(DutyManagerFactory(), call, now=day - timedelta(days=3))
    assert may_see_numbers(OperatorFactory(), call, now=day - timedelta(days=3))
    assert may_see_numbers(agent_for(call), call, now=day - timedelta(days=3))
    assert not may_see_numbers(AgentFactory(), call, now=day)  # another agency
    assert not may_see_numbers(call.client, call, now=day)
    assert not may_see_numbers(ClientFactory(), call, now=day)
    assert may_see_numbers(interpreter, call, now=day)
    assert not may_see_numbers(interpreter, call, now=day - timedelta(days=2))
    assert not may_see_numbers(InterpreterFactory(), call, now=day)


@pytest.mark.django_db
def test_the_interpreter_page_masks_numbers_before_the_session_day():
    call = book()
    confirm(call)
    interpreter = InterpreterFactory(time_zone="UTC")
    session = schedule(call, operator=OperatorFactory(), interpreter=interpreter)
    browser = Client()
    browser.force_login(interpreter)
    url = reverse("interpreter-session", args=[call.public_id])
    with time_machine.travel(session.starts_at - timedelta(days=2), tick=False):
        early = browser.get(url).content.decode()
    with time_machine.travel(session.starts_at - timedelta(minutes=30), tick=False):
        browser.force_login(interpreter)  # two days idle signed them out
        on_the_day = browser.get(url).content.decode()
    number = own_number(call.member)
    masked = f"+380 ** *** {number[-4:]}"
    assert readable(number) not in early and masked in early
    assert 'data-testid="numbers-masked"' in early and f"tel:{number}" not in early
    assert readable(number) in on_the_day and f"tel:{number}" in on_the_day


@pytest.mark.django_db
def test_the_api_masks_the_interpreters_numbers_before_the_session_day():
    call = book()
    confirm(call)
    interpreter = InterpreterFactory(time_zone="UTC")
    session = schedule(call, operator=OperatorFactory(), interpreter=interpreter)
    api = api_as(interpreter)
    with time_machine.travel(session.starts_at - timedelta(days=2), tick=False):
        early = api.get(f"/api/v1/sessions/{call.public_id}/").json()["contacts"]
        listed = api.get("/api/v1/sessions/").json()["results"][0]["contacts"]
    with time_machine.travel(session.starts_at - timedelta(minutes=30), tick=False):
        on_the_day = api.get(f"/api/v1/sessions/{call.public_id}/").json()["contacts"]
    number = own_number(call.member)
    assert early["dial_number"] == f"+380 ** *** {number[-4:]}" == listed["dial_number"]
    assert all("*" in n["number"] for n in early["numbers"])
    assert on_the_day["dial_number"] == number
