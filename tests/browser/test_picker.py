"""The calendar of times in a real browser, in English and Russian: a client
picks a day in the calendar and a time on it, then moves the call to another
day; the office's Find a time at 1280 px.

Screenshots at 390 px (a phone), 360 px (the narrowest) and 1280 px go to PICKER_SHOTS (default
/tmp/shots/picker/); the test prints the folder. Everyone is free all day, so
there are times whatever the hour of the run.
"""

import os
from datetime import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calls.models import CallState, Session, SessionStatus

from .test_call_journey import sign_in
from .test_finding_time import ALL_WEEK, confirmed_call

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LOCALES = {"en": "en-GB", "ru": "ru-RU"}
TEXT = {
    "en": {"pick": "Schedule the call at this time", "move": "Move the call"},
    "ru": {"pick": "Назначить звонок на это время", "move": "Перенести звонок"},
}


@pytest.fixture(scope="module")
def shots_dir():
    folder = Path(os.environ.get("PICKER_SHOTS", "/tmp/shots/picker"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\npicker screenshots: {folder}")
    return folder


def chosen_start(page) -> datetime:
    value = page.locator("input[name=slot]:checked").get_attribute("value")
    return datetime.fromisoformat(value.split("|")[0].replace("Z", "+00:00"))


def setup_people(language):
    from scheduling.models import WorkingTime

    from ..factories import InterpreterFactory

    person = InterpreterFactory(
        first_name="Taras", last_name="Melnyk", time_zone="Europe/Kyiv", languages="uk, ru, en"
    )
    WorkingTime.objects.create(interpreter=person, hours=ALL_WEEK)
    call = confirmed_call()
    call.client.language = language
    call.client.save()
    return call


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_client_picks_a_day_and_a_time_then_moves_the_call(
    browser, live_server, language, shots_dir
):
    t = TEXT[language]
    call = setup_people(language)
    url = reverse("client-call", args=[call.public_id])
    for width, height in ((390, 844), (1280, 900)):
        context = browser.new_context(
            base_url=live_server.url,
            locale=LOCALES[language],
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        sign_in(page, call.client)
        page.goto(url)
        calendar = page.get_by_test_id("slot-calendar")
        expect(calendar).to_be_visible()
        if width == 390 and call.state == CallState.CONFIRMED:
            page.get_by_test_id("proposals").screenshot(
                path=str(shots_dir / f"{language}-{width}-calendar.png")
            )
            # On a phone one week shows: go to the next one and pick its second
            # day with times (two days ahead at least: movable without the office).
            with page.expect_navigation():
                page.get_by_test_id("next-week").click()
            days = page.get_by_test_id("slot-calendar").locator("a.slot-day-link:visible")
            assert days.count() >= 2
            with page.expect_navigation():
                days.nth(1).click()
            expect(page.locator("a.slot-day-link.chosen")).to_be_visible()
            times = page.get_by_test_id("slot-times").locator("label.slot-time")
            assert times.count() > 5  # every start of the day, not the first five
            times.nth(2).click()
            picked = chosen_start(page)
            page.screenshot(
                path=str(shots_dir / f"{language}-{width}-day-chosen.png"), full_page=True
            )
            with page.expect_navigation():
                page.get_by_role("button", name=t["pick"]).click()
            call.refresh_from_db()
            assert call.state == CallState.SCHEDULED, page.content()[:2000]
            assert Session.objects.get(call=call).starts_at == picked
            page.screenshot(
                path=str(shots_dir / f"{language}-{width}-scheduled.png"), full_page=True
            )
        elif width == 1280:
            # The move box on a wide screen: the whole month; choose another day.
            move = page.get_by_test_id("move")
            expect(move).to_be_visible()
            before = Session.objects.get(call=call, status=SessionStatus.PLANNED).starts_at
            days = move.locator("a.slot-day-link:not(.chosen)")
            assert days.count() >= 1
            move.screenshot(path=str(shots_dir / f"{language}-{width}-move-calendar.png"))
            with page.expect_navigation():
                days.last.click()
            page.get_by_test_id("move").locator("label.slot-time").first.click()
            target = chosen_start(page)
            assert target.date() != before.date()
            page.screenshot(
                path=str(shots_dir / f"{language}-{width}-move-chosen.png"), full_page=True
            )
            with page.expect_navigation():
                page.get_by_role("button", name=t["move"]).click()
            live = Session.objects.get(call=call, status=SessionStatus.PLANNED)
            assert live.starts_at == target, page.content()[:2000]
            page.screenshot(path=str(shots_dir / f"{language}-{width}-moved.png"), full_page=True)
        context.close()
    # The moved call on the narrowest phone (360 px): its move box, a week at a
    # time, and nothing wider than the screen.
    context = browser.new_context(
        base_url=live_server.url, locale=LOCALES[language], viewport={"width": 360, "height": 780}
    )
    page = context.new_page()
    sign_in(page, call.client)
    page.goto(url + "#move")
    expect(page.get_by_test_id("move")).to_be_visible()
    assert page.locator("table.slot-month tr:visible").count() == 2  # the head and one week
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(shots_dir / f"{language}-360-move.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_office_finds_a_time_in_the_calendar(browser, live_server, language, shots_dir):
    from ..factories import OperatorFactory

    call = setup_people(language)
    operator = OperatorFactory(language=language, time_zone="Europe/Berlin")
    context = browser.new_context(
        base_url=live_server.url, locale=LOCALES[language], viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    sign_in(page, operator)
    page.goto(reverse("admin:calls_call_find_time", args=[call.pk]) + "?show=evenings")
    expect(page.get_by_test_id("slot-calendar")).to_be_visible()
    page.screenshot(path=str(shots_dir / f"{language}-1280-office-evenings.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_test_id("schedule-1").click()
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED
    context.close()
