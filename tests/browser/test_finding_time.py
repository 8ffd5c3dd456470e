"""Finding the time in a real browser, in English and in Russian.

A client picks one of the proposed times on the call page and the call is
scheduled; an operator schedules another call from "Find a time" in one
click; the operator's week board shows the interpreters' hours, sessions and
a third call's proposals. Screenshots of each: tests/browser/pictures.py (docs/screenshots/i10/).

Everyone is free all day, so there are proposals at whatever hour this runs.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calls import services
from calls.models import CallState, Session
from scheduling.models import WorkingTime

from ..factories import InterpreterFactory, MemberFactory, OperatorFactory
from ..flows import book, good_contacts
from .pictures import pictures_dir
from .test_call_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ALL_WEEK = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "00:00", "to": "24:00"}
]
TEXT = {
    "en": {"pick": "Schedule the call at this time", "schedule": "Schedule"},
    "ru": {"pick": "Назначить звонок на это время", "schedule": "Назначить"},
}


def confirmed_call(client=None):
    member = MemberFactory(full_name="Olena Kovalenko", time_zone="Europe/Kyiv", languages="ru")
    call = book(client=client, member=member)
    call.client_windows = ALL_WEEK
    call.languages = "en, ru"
    call.save()
    services.call_confirm(
        call=call,
        actor=member.agency.staff.first(),
        **good_contacts(member=member),
        member_windows=[
            {"days": ["mon", "tue", "wed", "thu", "fri", "sat"], "from": "00:00", "to": "24:00"}
        ],
    )
    call.refresh_from_db()
    return call


def save(page, name, language):
    page.screenshot(path=str(pictures_dir("i10") / f"{language}-{name}.png"))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_client_picks_and_operator_schedules(browser, live_server, language):
    t = TEXT[language]
    locale = {"en": "en-GB", "ru": "ru-RU"}[language]
    for first, last, zone in (
        ("Taras", "Melnyk", "Europe/Kyiv"),
        ("Pavel", "Orlov", "Europe/Moscow"),
    ):
        person = InterpreterFactory(
            first_name=first, last_name=last, time_zone=zone, languages="uk, ru, en"
        )
        WorkingTime.objects.create(interpreter=person, hours=ALL_WEEK)
    picked = confirmed_call()
    picked.client.language = language
    picked.client.save()
    by_operator = confirmed_call()
    on_board = confirmed_call()
    operator = OperatorFactory(language=language, time_zone="Europe/Berlin")

    # The client, on a phone, picks the second proposed time.
    phone = browser.new_context(
        base_url=live_server.url, locale=locale, viewport={"width": 412, "height": 915}
    )
    client = phone.new_page()
    sign_in(client, picked.client)
    client.goto(reverse("client-call", args=[picked.public_id]))
    proposals = client.get_by_test_id("proposals")
    expect(proposals).to_be_visible()
    proposals.locator("input[type=radio]").nth(1).check()
    proposals.scroll_into_view_if_needed()
    save(client, "client-proposals", language)
    with client.expect_navigation():
        client.get_by_role("button", name=t["pick"]).click()
    picked.refresh_from_db()
    assert picked.state == CallState.SCHEDULED, client.content()[:2000]
    expect(client.get_by_test_id("state")).to_be_visible()
    save(client, "client-scheduled", language)
    phone.close()

    # The operator, at 1280 px, schedules another call from "Find a time".
    desk = browser.new_context(
        base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 800}
    )
    office = desk.new_page()
    sign_in(office, operator)
    office.goto(reverse("admin:calls_call_find_time", args=[by_operator.pk]))
    expect(office.get_by_test_id("proposals")).to_be_visible()
    save(office, "operator-find-a-time", language)
    with office.expect_navigation():
        office.get_by_test_id("schedule-1").click()
    by_operator.refresh_from_db()
    assert by_operator.state == CallState.SCHEDULED, office.content()[:2000]
    assert Session.objects.filter(call=by_operator).exists()
    save(office, "operator-scheduled", language)

    # The week board: both sessions, and the third call's free times to click.
    office.goto(f"{reverse('admin:calls_call_week')}?call={on_board.pk}")
    board = office.get_by_test_id("week-board")
    expect(board).to_be_visible()
    expect(board.locator(".session").first).to_be_visible()
    assert board.get_by_test_id("board-proposal").count() >= 1
    save(office, "week-board", language)
    with office.expect_navigation():
        board.get_by_test_id("board-proposal").first.click()
    on_board.refresh_from_db()
    assert on_board.state == CallState.SCHEDULED
    expect(office).to_have_url(re.compile(rf"/admin/calls/call/{on_board.pk}/change/"))
    desk.close()
