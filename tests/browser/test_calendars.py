"""Calendars in a real browser, in English and Russian: a client downloads the
call's .ics from the call page, makes their calendar link and downloads the feed
through it (the same UID both ways), and the HTML emails are shown as a mail
client shows them. Screenshots: tests/browser/pictures.py (i22/)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calendars import invites
from notifications import messages
from notifications.models import Notification
from notifications.services import render_message

from ..calendar_support import parse
from ..factories import ClientFactory, OperatorFactory
from ..flows import agent_for, book, confirm, schedule
from .pictures import pictures_dir
from .test_call_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MAKE = {"en": "Make my calendar link", "ru": "Сделать ссылку на мой календарь"}
DOWNLOAD = {"en": "Download the calendar file", "ru": "Скачать файл календаря"}


# The page's width against the screen's, and what sticks out (for the failure's message).
WIDER_THAN_THE_SCREEN = """() => {
    const screen = document.documentElement.clientWidth;
    const out = [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > screen + 1)
        .slice(0, 4)
        .map((el) => el.tagName + " " + (el.textContent || "").trim().slice(0, 40));
    return {page: document.documentElement.scrollWidth, screen, out};
}"""


def snap(page, language, name):
    page.screenshot(path=str(pictures_dir("i22") / f"{language}-{name}.png"), full_page=True)


def downloaded(page, action):
    with page.expect_download() as info:
        action()
    return open(info.value.path(), "rb").read()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_ics_from_the_call_page_and_the_feed_and_the_html_emails(
    new_page, live_server, settings, language
):
    settings.SITE_URL = live_server.url
    locale = {"en": "en-GB", "ru": "ru-RU"}[language]
    client = ClientFactory(language=language, time_zone="Europe/Kyiv")
    call = book(client=client)
    agent = agent_for(call)
    agent.language = language
    agent.save(update_fields=["language"])
    confirm(call)
    schedule(call, operator=OperatorFactory())
    uid = invites.event_uid(call)

    page = new_page(locale=locale)
    sign_in(page, client)
    page.goto(reverse("client-call", args=[call.public_id]))
    link = page.get_by_test_id("add-to-calendar")
    expect(link).to_be_visible()
    snap(page, language, "1-call-page")
    from_page = parse(downloaded(page, link.click))
    (event,) = from_page.events
    assert str(event["UID"]) == uid

    page.goto(reverse("calendar-page"))
    page.get_by_role("button", name=MAKE[language]).click()
    feed_url = page.locator("[data-feed-url]").input_value()
    assert re.fullmatch(re.escape(live_server.url) + r"/calendar/[^/]+\.ics", feed_url)
    snap(page, language, "2-calendar-link")
    from_feed = parse(downloaded(page, page.get_by_role("link", name=DOWNLOAD[language]).click))
    assert [str(e["UID"]) for e in from_feed.events] == [uid]
    assert from_feed.events[0]["SEQUENCE"] == event["SEQUENCE"]

    # The emails as a mail client shows them (their HTML, nothing loaded from outside),
    # and one with every button a message can have, on a 390 px phone: nothing wider
    # than the screen (the buttons wrap; a long link breaks).
    emails = [
        (f"3-email-{row.kind}-{row.recipient.role}", row.html)
        for row in Notification.objects.filter(call=call, recipient__in=[client, agent]).exclude(
            html=""
        )
    ]
    session = call.sessions.get()
    every_button = {
        **messages.session_context(session),
        "link": live_server.url + "/agent/link/" + "x" * 60 + "/",
        "alarm_url": live_server.url + "/agent/alarm/x/",
    }
    agent.refresh_from_db()
    emails.append(
        (
            "4-email-every-button",
            render_message(template="reminder_agent", recipient=agent, context=every_button).html,
        )
    )
    for name, html in emails:
        mail = new_page(locale=locale)
        mail.set_viewport_size({"width": 390, "height": 844})
        mail.set_content(html)
        expect(mail.locator("html")).to_have_attribute("lang", language)
        expect(mail.get_by_text(call.number).first).to_be_visible()
        snap(mail, language, name)
        widths = mail.evaluate(WIDER_THAN_THE_SCREEN)
        assert widths["page"] <= widths["screen"], (name, widths)
