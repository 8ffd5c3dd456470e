"""Issue 25 item 4 (and the order-time half of item 5): an interpreted call
needs a language PAIR, one the client speaks and one the member speaks, and an
interpreter who speaks one of each; the call may pin the pair. Through the
stored call's search, the order service, and the migration of old defaults."""

import importlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps

from billing.models import CallCharge
from billing.selectors import client_held
from calls import services
from calls.models import Call
from calls.services.slots import call_slot_search
from common.errors import DomainError
from scheduling.models import WorkingTime

from .factories import AgentFactory, ClientFactory, InterpreterFactory, MemberFactory
from .flows import fund_client, good_contacts

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 6, 7, 6, 0, tzinfo=UTC)  # a Monday
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def interpreter(languages):
    person = InterpreterFactory(languages=languages, time_zone="Europe/Kyiv")
    WorkingTime.objects.create(
        interpreter=person, hours=[{"days": WEEKDAYS, "from": "09:00", "to": "18:00"}]
    )
    return person


def order(*, client_languages="de, en", member_languages="ru, uk", languages=""):
    client = ClientFactory(languages=client_languages, time_zone="Europe/Kyiv")
    fund_client(client, Decimal("100"))
    member = MemberFactory(languages=member_languages, time_zone="Europe/Kyiv")
    AgentFactory(agency=member.agency)
    return services.call_request_create(
        client=client,
        member=member,
        kind="phone_interpreted",
        planned_minutes=30,
        languages=languages,
        client_windows=[{"days": WEEKDAYS, "from": "09:00", "to": "17:00"}],
        created_by=client,
    )


def confirmed(call):
    services.call_confirm(
        call=call,
        actor=call.member.agency.staff.first(),
        **good_contacts(),
        member_windows=[{"days": WEEKDAYS, "from": "09:00", "to": "17:00"}],
    )
    call.refresh_from_db()
    return call


def test_an_en_uk_interpreter_serves_a_de_en_client_and_a_ru_uk_member():
    olena = interpreter("en, uk")
    interpreter("de")  # speaks the client's side only
    call = confirmed(order())
    found = call_slot_search(call)
    assert found.reason is None, found.message
    assert found.proposals and {p.interpreter for p in found.proposals} == {olena}


def test_with_nobody_for_the_pair_the_reason_names_both_sides():
    interpreter("de, en")
    found = call_slot_search(confirmed(order()))
    assert found.reason == "no_interpreter_for_languages"
    assert "de, en ↔ ru, uk" in found.message


def test_a_pinned_pair_is_what_the_interpreter_must_speak():
    interpreter("en, uk")
    ivan = interpreter("de, ru")
    call = confirmed(order(languages="German, Russian"))
    assert call.languages == "de, ru"
    assert {p.interpreter for p in call_slot_search(call).proposals} == {ivan}


def test_more_than_a_pair_is_refused_at_order_time():
    interpreter("de, en, ru, uk")
    with pytest.raises(DomainError) as info:
        order(languages="de, en, ru")
    assert (info.value.code, info.value.field) == ("not_a_pair", "languages")
    assert not Call.objects.exists()


def test_a_language_no_interpreter_speaks_is_refused_before_any_hold():
    interpreter("en, uk")
    with pytest.raises(DomainError) as info:
        order(languages="en, ja")
    assert info.value.code == "no_interpreter_for_languages"
    assert not Call.objects.exists() and not CallCharge.objects.exists()
    assert client_held(ClientFactory._meta.model.objects.filter(role="client").get()) == 0


def test_old_calls_lose_their_union_default_and_keep_a_typed_pair():
    migration = importlib.import_module("calls.migrations.0016_call_languages_pin_only_a_pair")
    interpreter("en, uk")
    defaulted, typed = order(), order(languages="en, uk")
    Call.objects.filter(pk=defaulted.pk).update(languages="de, en, ru, uk")
    migration.forwards(apps, None)
    defaulted.refresh_from_db()
    typed.refresh_from_db()
    assert (defaulted.languages, typed.languages) == ("", "en, uk")


def test_scheduling_by_hand_warns_when_the_interpreter_does_not_speak_the_pair(client):
    from django.urls import reverse

    from .factories import OperatorFactory

    interpreter("en, uk")
    call = confirmed(order())
    de_only = interpreter("de")
    fits = interpreter("en, uk")
    client.force_login(OperatorFactory())
    url = reverse("admin:calls_call_schedule", args=[call.pk])
    form = {
        "starts_at": "2027-06-09T12:00",
        "time_zone": "Europe/Kyiv",
        "minutes": 30,
        "reason": "",
    }
    preview = client.post(url, {**form, "interpreter": de_only.pk, "preview": "1"})
    assert "does not speak this call&#x27;s language pair (de, en ↔ ru, uk" in (
        preview.content.decode()
    )
    done = client.post(url, {**form, "interpreter": de_only.pk}, follow=True)
    assert "does not speak this call" in done.content.decode()
    call.refresh_from_db()
    assert call.state == "scheduled"  # a warning: the operator may know better
    fine = client.post(
        reverse("admin:calls_call_schedule", args=[call.pk]),
        {**form, "starts_at": "2027-06-10T12:00", "interpreter": fits.pk, "preview": "1"},
    )
    assert "does not speak this call" not in fine.content.decode()
