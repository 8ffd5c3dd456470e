"""The calendar of free times: the client's picker, the client's move, the
office's Find a time (calls.slot_calendar), in English and Russian.

The clock is pinned to Monday 7 June 2027, 06:00 UTC. The client (New York,
UTC-4) can talk 09:00-12:00 = 13:00-16:00 UTC on weekdays, the member (Kyiv,
UTC+3) 15:00-20:00 = 12:00-17:00 UTC, the interpreter (Kyiv) works
09:00-18:00 = 06:00-15:00 UTC: a 30-minute call can start at 13:00, 13:15,
... 14:30 UTC, seven times each weekday. The horizon (14 days) ends on Monday
21 June at 06:00 UTC, so the free days are 7-11 and 14-18 June.
"""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls import services
from calls.models import CallState, Session
from calls.services.slots import call_slot_book, call_slot_days
from scheduling.models import WorkingTime

from .factories import InterpreterFactory, OperatorFactory
from .flows import confirmed_weekday_call

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 6, 7, 6, 0, tzinfo=UTC)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
FREE_DAYS = [date(2027, 6, d) for d in (7, 8, 9, 10, 11, 14, 15, 16, 17, 18)]
SEVEN = [(13, 0), (13, 15), (13, 30), (13, 45), (14, 0), (14, 15), (14, 30)]


def at(day, hour, minute=0):
    return datetime(2027, 6, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def interpreter(**extra):
    person = InterpreterFactory(languages="en, ru", time_zone="Europe/Kyiv", **extra)
    WorkingTime.objects.create(
        interpreter=person, hours=[{"days": WEEKDAYS, "from": "09:00", "to": "18:00"}]
    )
    return person


def confirmed_call(language="en"):
    return confirmed_weekday_call(language=language)


def slot_values(page):
    """The UTC starts of the times offered to choose from, in page order."""
    return [
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        for value in re.findall(r'name="slot" value="([^"|]+)\|', page)
    ]


def linked_days(page):
    return [date.fromisoformat(d) for d in re.findall(r'data-testid="day-([\d-]+)"', page)]


def client_page(client, call, **query):
    client.force_login(call.client)
    response = client.get(reverse("client-call", args=[call.public_id]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_search_gives_every_start_of_the_horizon_by_the_viewers_days():
    interpreter()
    call = confirmed_call()
    found = call_slot_days(call, viewer_zone="America/New_York")
    assert [d.day for d in found.days] == FREE_DAYS
    assert all(
        [(p.starts_at.hour, p.starts_at.minute) for p in d.proposals] == SEVEN for d in found.days
    )
    assert (found.first_day, found.last_day) == (date(2027, 6, 7), date(2027, 6, 21))


def test_the_client_sees_the_month_with_free_days_marked_and_every_time_of_the_earliest(client):
    interpreter()
    call = confirmed_call()
    page = client_page(client, call)
    assert 'data-testid="slot-calendar"' in page and "June 2027" in page
    assert linked_days(page) == FREE_DAYS  # weekends and days past the horizon: no link
    assert 'aria-current="date"' in page and "Monday, Jun 7: 7 free times" in page
    # Every start of that day, not only five, on the client's clock (New York).
    assert slot_values(page) == [at(7, h, m) for h, m in SEVEN]
    assert ">9:00 AM<" in page and ">10:30 AM<" in page
    # The others' clocks beside each time: the member and the interpreter in Kyiv.
    assert "member, interpreter 4:00 PM" in page
    assert 'title="member: 4:00 PM (Europe/Kyiv); interpreter: 4:00 PM (Europe/Kyiv)"' in page
    assert "client 9:00 AM" not in page  # the client's own clock is the main one


def test_a_chosen_day_shows_its_times_and_the_pick_schedules_one_of_them(client):
    olena = interpreter()
    call = confirmed_call()
    page = client_page(client, call, day="2027-06-16")
    assert slot_values(page) == [at(16, h, m) for h, m in SEVEN]
    assert re.search(r'aria-current="date" data-testid="day-2027-06-16"', page)
    response = client.post(
        reverse("client-call-pick", args=[call.public_id]),
        {"slot": f"{at(16, 14, 30):%Y-%m-%dT%H:%M:%SZ}|"},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED
    session = Session.objects.get(call=call)
    assert (session.starts_at, session.interpreter) == (at(16, 14, 30), olena)


def test_the_shortcuts_earliest_this_week_and_evenings(client):
    interpreter()
    call = confirmed_call()
    earliest = client_page(client, call, show="earliest", day="2027-06-15")
    assert slot_values(earliest)[0] == at(7, 13)
    assert 'aria-current="true" data-testid="shortcut-earliest"' in earliest
    # This week: Monday 7 to Sunday 13 June on the client's clock.
    week = client_page(client, call, show="week")
    assert slot_values(week) == [at(d, h, m) for d in (7, 8, 9, 10, 11) for h, m in SEVEN]
    # Evenings in New York (17:00-22:00 = 21:00-02:00 UTC): the member's day is over.
    evenings = client_page(client, call, show="evenings")
    assert slot_values(evenings) == []
    assert "No free times between 5:00 PM and 10:00 PM on your clock." in evenings


def test_days_that_are_not_in_the_horizon_or_not_dates_fall_back_to_the_earliest(client):
    interpreter()
    call = confirmed_call()
    for day in ("2027-06-30", "2027-13-01", "x" * 500, "2027-06-12"):
        page = client_page(client, call, day=day)
        if day == "2027-06-12":  # a Saturday of the horizon: chosen, but no time
            assert slot_values(page) == []
            assert "No free times on this day." in page
        else:
            assert slot_values(page)[0] == at(7, 13)


def test_the_phone_sees_one_week_with_links_to_the_next(client):
    interpreter()
    call = confirmed_call()
    page = client_page(client, call, day="2027-06-09")
    # The chosen day's week is the one kept on a phone (the others are hidden by CSS).
    current = re.findall(r'<tr class="slot-week-current">(.*?)</tr>', page, re.S)
    assert len(current) == 1 and 'data-testid="day-2027-06-09"' in current[0]
    assert 'href="?day=2027-06-14#pick" data-testid="next-week"' in page
    assert 'data-testid="previous-week"' not in page  # the horizon starts this week


def test_the_picker_reads_right_in_russian(client):
    interpreter()
    call = confirmed_call(language="ru")
    page = client_page(client, call, day="2027-06-09")
    assert "Июнь 2027" in page
    assert '<th scope="col">Пн</th>' in page
    assert "Среда, 9 июня" in page  # the day's heading
    assert ">09:00<" in page and "участница, переводчик 16:00" in page
    assert "среда, 9 июня: 7 свободных вариантов" in page
    for words in ("Ближайшее", "Эта неделя", "Вечером по моему времени"):
        assert words in page


def test_the_client_moves_to_a_time_on_another_day(client):
    interpreter()
    call = confirmed_call()
    call_slot_book(call=call, starts_at=at(9, 13), interpreter_id=None, actor=call.client)
    page = client_page(client, call, day="2027-06-17")
    assert 'data-testid="move"' in page and "None of these: ask the office" in page
    assert slot_values(page) == [at(17, h, m) for h, m in SEVEN]
    response = client.post(
        reverse("client-call-move", args=[call.public_id]),
        {"slot": f"{at(17, 13, 45):%Y-%m-%dT%H:%M:%SZ}|", "reason": ""},
    )
    assert response.status_code == 302
    live = Session.objects.get(call=call, status="planned")
    assert live.starts_at == at(17, 13, 45)


def test_the_office_finds_a_time_on_its_own_clock_with_evenings(client):
    olena = interpreter(first_name="Olena", last_name="Koval")
    call = confirmed_call()
    operator = OperatorFactory(time_zone="Europe/Kyiv", language="en")
    client.force_login(operator)
    url = reverse("admin:calls_call_find_time", args=[call.pk])
    page = client.get(url, {"day": "2027-06-08"}).content.decode()
    assert linked_days(page) == FREE_DAYS
    assert page.count('name="slot"') == 7  # Tuesday's seven times, each with its button
    assert "4:00 PM–4:30 PM" in page  # 13:00 UTC on the operator's clock (Kyiv)
    # Each person's clock by the date policy (Tuesday is "tomorrow" on the pinned Monday).
    assert re.search(r"client: tomorrow, 9:00 AM \(America/New_York\)", page), page
    assert "Olena Koval" in page
    # Evenings on the operator's clock (Kyiv 17:00-22:00 = 14:00-19:00 UTC): 14:00-14:30 UTC.
    evenings = client.get(url, {"show": "evenings"}).content.decode()
    assert slot_values(evenings) == [
        at(d, 14, m) for d in [x.day for x in FREE_DAYS] for m in (0, 15, 30)
    ]
    response = client.post(
        f"{url}?day=2027-06-08", {"slot": f"{at(8, 14):%Y-%m-%dT%H:%M:%SZ}|{olena.pk}"}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED


def test_the_calendar_search_reads_the_same_few_queries_however_many_interpreters():
    call = confirmed_call()
    interpreter()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            found = call_slot_days(call, viewer_zone="America/New_York")
        assert found.days
        return len(captured)

    few = queries()
    operator = OperatorFactory()
    for _ in range(4):
        person = interpreter()
        for day in (8, 9):
            services.session_schedule(
                call=confirmed_call(), starts_at=at(day, 13), interpreter=person, actor=operator
            )
    assert queries() == few <= 6
