"""Finding the time for stored calls: the search over the database, the client's
pick, the admin's "Find a time", the API, `find_slots --call`, and the windows
given when ordering and confirming.

The clock is pinned to Monday 7 June 2027, 06:00 UTC. The client (New York,
UTC-4) can talk 09:00-12:00 = 13:00-16:00 UTC, the member (Kyiv, UTC+3)
15:00-20:00 = 12:00-17:00 UTC, the interpreter (Kyiv) works 09:00-18:00 =
06:00-15:00 UTC: the first proposals are 13:00, 13:15, ... UTC.
"""

import io
import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from calls import services
from calls.models import CallState, Session
from calls.services.slots import call_slot_book, call_slot_search, slot_value
from common.errors import Conflict, DomainError
from scheduling.models import WorkingTime

from .factories import (
    AgentFactory,
    ClientFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
)
from .flows import CLIENT_WINDOWS, fund_client
from .flows import confirmed_weekday_call as confirmed_call

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 6, 7, 6, 0, tzinfo=UTC)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def at(hour, minute=0, day=7):
    return datetime(2027, 6, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def interpreter(languages="en, ru", hours=None, **extra):
    person = InterpreterFactory(languages=languages, time_zone="Europe/Kyiv", **extra)
    WorkingTime.objects.create(
        interpreter=person,
        hours=hours or [{"days": WEEKDAYS, "from": "09:00", "to": "18:00"}],
    )
    return person


def test_the_search_reads_windows_zones_languages_and_sessions():
    olena = interpreter()
    interpreter(languages="de")  # speaks none of the call's languages
    call = confirmed_call()
    found = call_slot_search(call)
    assert [p.starts_at for p in found.proposals] == [at(13, m) for m in (0, 15, 30, 45)] + [at(14)]
    assert {p.interpreter for p in found.proposals} == {olena}
    # A session of hers 13:30-14:00 UTC: with the 15-minute buffer the 13:00
    # start ends 13:30 (too close); 14:15 is the next free start after it.
    other = confirmed_call()
    services.session_schedule(
        call=other, starts_at=at(13, 30), interpreter=olena, actor=OperatorFactory()
    )
    found = call_slot_search(call)
    assert [p.starts_at for p in found.proposals][:2] == [at(14, 15), at(14, 30)]


def test_no_slot_says_why():
    interpreter(languages="de")
    call = confirmed_call()
    found = call_slot_search(call)
    assert found.proposals == [] and found.reason == "no_interpreter_for_languages"


def test_the_query_count_does_not_grow_with_interpreters_or_sessions():
    call = confirmed_call()
    interpreter()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            call_slot_search(call)
        return len(captured)

    few = queries()
    for _ in range(5):
        person = interpreter()
        for day in (8, 9):
            extra = confirmed_call()
            services.session_schedule(
                call=extra, starts_at=at(7, day=day), interpreter=person, actor=OperatorFactory()
            )
    assert queries() == few


def test_a_client_picks_a_proposed_time_and_the_call_is_scheduled(client):
    olena = interpreter()
    call = confirmed_call()
    client.force_login(call.client)
    page = client.get(reverse("client-call", args=[call.public_id])).content.decode()
    assert 'data-testid="proposals"' in page
    assert ">9:00 AM<" in page  # 13:00 UTC on the client's New York clock
    response = client.post(
        reverse("client-call-pick", args=[call.public_id]),
        {"slot": f"{at(13, 15):%Y-%m-%dT%H:%M:%SZ}|{olena.pk}"},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED
    session = Session.objects.get(call=call)
    assert (session.starts_at, session.interpreter) == (at(13, 15), olena)
    assert call.transitions.last().actor == call.client


def test_a_client_cant_pick_a_time_that_is_not_proposed():
    interpreter()
    call = confirmed_call()
    with pytest.raises(Conflict) as info:
        call_slot_book(call=call, starts_at=at(13, 5), interpreter_id=None, actor=call.client)
    assert info.value.code == "slot_gone"
    call.refresh_from_db()
    assert call.state == CallState.CONFIRMED


def test_self_scheduling_can_be_turned_off(client, settings):
    settings.CLIENT_SELF_SCHEDULING = False
    interpreter()
    call = confirmed_call()
    client.force_login(call.client)
    page = client.get(reverse("client-call", args=[call.public_id])).content.decode()
    assert 'data-testid="proposals"' not in page
    client.post(
        reverse("client-call-pick", args=[call.public_id]),
        {"slot": f"{at(13):%Y-%m-%dT%H:%M:%SZ}|"},
    )
    call.refresh_from_db()
    assert call.state == CallState.CONFIRMED


def test_admin_find_a_time_lists_zones_and_schedules_in_one_click(client):
    olena = interpreter(first_name="Olena", last_name="Koval")
    call = confirmed_call()
    operator = OperatorFactory(time_zone="Europe/Berlin")
    client.force_login(operator)
    url = reverse("admin:calls_call_find_time", args=[call.pk])
    page = client.get(url).content.decode()
    assert "3:00 PM–3:30 PM" in page  # 13:00 UTC in Berlin (UTC+2), the operator's zone
    # Each person's clock by the date policy ("today" on the pinned Monday 7 June).
    assert "client: today, 9:00 AM (America/New_York)" in page
    assert "member: today, 4:00 PM (Europe/Kyiv)" in page
    assert "interpreter: today, 4:00 PM (Europe/Kyiv)" in page
    assert "Olena Koval" in page
    response = client.post(url, {"slot": f"{at(13):%Y-%m-%dT%H:%M:%SZ}|{olena.pk}"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED


def test_admin_race_gives_a_readable_message_and_the_next_proposals(client):
    olena = interpreter()
    call = confirmed_call()
    operator = OperatorFactory()
    client.force_login(operator)
    url = reverse("admin:calls_call_find_time", args=[call.pk])
    first = call_slot_search(call).proposals[0]
    # Another operator books her at that very time first.
    services.session_schedule(
        call=confirmed_call(), starts_at=first.starts_at, interpreter=olena, actor=operator
    )
    response = client.post(url, {"slot": slot_value(first)})
    assert response.status_code == 409
    page = response.content.decode()
    assert "no longer free" in page
    assert 'data-testid="proposals"' in page  # the fresh proposals, to click again
    call.refresh_from_db()
    assert call.state == CallState.CONFIRMED


def test_the_database_constraint_race_reads_as_taken(monkeypatch):
    """Both checks pass, the insert loses the race: the service's busy refusal
    becomes "someone has just taken this time"."""
    olena = interpreter()
    call = confirmed_call()
    first = call_slot_search(call).proposals[0]

    def lose_the_race(**kwargs):
        raise Conflict("interpreter_busy", "overlap")

    monkeypatch.setattr(services, "session_schedule", lose_the_race)
    with pytest.raises(Conflict) as info:
        call_slot_book(
            call=call, starts_at=first.starts_at, interpreter_id=olena.pk, actor=OperatorFactory()
        )
    assert info.value.code == "slot_gone" and "just taken" in info.value.message


def test_office_api_slots():
    olena = interpreter()
    call = confirmed_call()
    api = APIClient()
    api.force_authenticate(OperatorFactory())
    url = f"/api/v1/office/calls/{call.public_id}/slots/"
    answer = api.get(url, {"days": 14, "limit": 3}).json()
    assert len(answer["slots"]) == 3
    assert answer["slots"][0]["interpreter"]["id"] == olena.pk
    assert answer["reason"] is None
    assert api.get(url, {"days": 0}).status_code == 400
    assert api.get(url, {"limit": "x"}).status_code == 400


def test_client_api_proposals_and_pick():
    interpreter()
    call = confirmed_call()
    api = APIClient()
    api.force_authenticate(call.client)
    answer = api.get(f"/api/v1/calls/{call.public_id}/slots/").json()
    start = answer["slots"][1]["starts_at"]
    assert "interpreter" not in answer["slots"][1]
    picked = api.post(
        f"/api/v1/calls/{call.public_id}/slots/pick/", {"starts_at": start}, format="json"
    )
    assert picked.status_code == 200, picked.content
    assert picked.json()["state"] == "scheduled"
    again = api.post(
        f"/api/v1/calls/{call.public_id}/slots/pick/", {"starts_at": start}, format="json"
    )
    assert again.status_code == 409


def test_find_slots_for_a_stored_call():
    interpreter()
    call = confirmed_call()
    out = io.StringIO()
    call_command("find_slots", "--call", call.number, stdout=out)
    answer = json.loads(out.getvalue())
    assert answer["slots"][0]["starts_at"] == "2027-06-07T13:00:00Z"
    dump = io.StringIO()
    call_command("find_slots", "--call", str(call.public_id), "--dump", stdout=dump)
    scenario = json.loads(dump.getvalue())
    assert scenario["client"]["time_zone"] == "America/New_York"
    assert scenario["member"]["windows"] == [{"days": WEEKDAYS, "from": "15:00", "to": "20:00"}]


def test_booking_and_confirming_keep_windows_in_each_owners_zone():
    call = confirmed_call()
    assert call.client_time_zone == call.client.time_zone == "America/New_York"
    assert call.confirmation.member_time_zone == "Europe/Kyiv"


def test_bad_windows_are_refused_on_their_field():
    client = ClientFactory()
    fund_client(client, 100)
    with pytest.raises(DomainError) as info:
        services.call_request_create(
            client=client,
            member=MemberFactory(),
            kind="phone_direct",
            planned_minutes=30,
            client_windows=[{"days": ["mon"], "from": "12:00", "to": "11:00"}],
            created_by=client,
        )
    assert info.value.field == "client_windows"
    assert not client.calls.exists()


def test_a_call_pins_only_the_pair_it_is_given():
    """Unpinned, the pair is found from both sides' languages (scheduling.finder)."""
    client = ClientFactory(languages="en")
    fund_client(client, 100)
    AgentFactory(agency=(member := MemberFactory(languages="uk, ru")).agency)
    interpreter(languages="en, de")
    call = services.call_request_create(
        client=client,
        member=member,
        kind="phone_interpreted",
        planned_minutes=10,
        client_windows=CLIENT_WINDOWS,
        created_by=client,
    )
    assert call.languages == ""
    given = services.call_request_create(
        client=client,
        member=member,
        kind="phone_interpreted",
        planned_minutes=10,
        client_windows=CLIENT_WINDOWS,
        created_by=client,
        languages="English; German",
    )
    assert given.languages == "en, de"


def test_existing_rows_keep_their_text_and_get_codes_and_zones():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("calls.migrations.0010_windows_for_existing_calls")
    call = confirmed_call()
    type(call).objects.filter(pk=call.pk).update(
        languages="English and Russian", client_time_zone="", preferred_times="evenings"
    )
    migration.forwards(apps, None)
    call.refresh_from_db()
    assert call.languages == "en, ru"
    assert call.client_time_zone == "America/New_York"
    assert call.preferred_times == "evenings"


def test_week_board_shows_hours_sessions_overdue_and_proposals_to_click(client):
    olena = interpreter(first_name="Olena", last_name="Koval")
    call = confirmed_call()
    busy = confirmed_call()
    session = services.session_schedule(
        call=busy, starts_at=at(9), interpreter=olena, actor=OperatorFactory()
    )
    Session.objects.filter(pk=session.pk).update(status="overdue")
    operator = OperatorFactory(time_zone="Europe/Berlin")
    client.force_login(operator)
    url = reverse("admin:calls_call_week")
    page = client.get(url, {"call": call.pk}).content.decode()
    assert "Olena Koval" in page
    assert 'class="b work"' in page
    assert 'class="b overdue"' in page and busy.number in page
    assert page.count('data-testid="board-proposal"') >= 5
    first = call_slot_search(call).proposals[0]
    assert f'value="{slot_value(first)}"' in page
    # Clicking a proposal posts to Find a time, which schedules the call.
    response = client.post(
        reverse("admin:calls_call_find_time", args=[call.pk]), {"slot": slot_value(first)}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED
    # Another week, a bad week: still a page.
    assert client.get(url, {"week": "2027-06-14"}).status_code == 200
    assert client.get(url, {"week": "not-a-date"}).status_code == 200


def test_week_grid_round_trip():
    from scheduling.week_grid import cells_from_windows, windows_from_cells

    windows = [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "13:00"},
        {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "14:00", "to": "18:00"},
        {"days": ["sat"], "from": "10:00", "to": "24:00"},
    ]
    assert windows_from_cells(cells_from_windows(windows)) == windows


def test_the_interpreter_sets_hours_on_a_week_grid(client):
    olena = interpreter()
    client.force_login(olena)
    url = reverse("interpreter-availability")
    page = client.get(url).content.decode()
    assert 'value="0-9" checked' in page and 'value="5-9" checked' not in page
    cells = [f"{day}-{hour}" for day in (0, 2) for hour in (8, 9, 10)]
    response = client.post(
        url, {"cell": cells, "languages": "English, Ukrainian", "off": "2027-06-09", "extra": ""}
    )
    assert response.status_code == 302
    working = WorkingTime.objects.get(interpreter=olena)
    assert working.hours == [{"days": ["mon", "wed"], "from": "08:00", "to": "11:00"}]
    assert working.off == [{"from": "2027-06-09T00:00", "to": "2027-06-10T00:00"}]
    olena.refresh_from_db()
    assert olena.languages == "en, uk"
    bad = client.post(url, {"cell": cells, "languages": "klingon", "off": "someday"})
    assert bad.status_code == 400
    assert WorkingTime.objects.get(interpreter=olena).hours == working.hours  # nothing lost


def test_saving_the_grid_keeps_half_hours_set_in_the_admin_on_days_left_alone(client):
    olena = interpreter()
    working = WorkingTime.objects.get(interpreter=olena)
    working.hours = [{"days": ["mon", "tue"], "from": "09:30", "to": "17:00"}]
    working.save()
    client.force_login(olena)
    url = reverse("interpreter-availability")
    page = client.get(url).content.decode()
    shown = [
        f"{day}-{hour}"
        for day in (0, 1)
        for hour in range(24)
        if f'value="{day}-{hour}" checked' in page
    ]
    response = client.post(url, {"cell": shown, "languages": "English", "off": "", "extra": ""})
    assert response.status_code == 302
    assert WorkingTime.objects.get(interpreter=olena).hours == working.hours
