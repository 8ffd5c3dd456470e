"""The office's workplace in a real browser, in English and in Russian, at 1280 px and 390 px.

The operator starts the day on the front page, books a call on one screen
(client search as you type, the hold shown before saving), and finds a call by
its number. Screenshots: tests/browser/pictures.py (docs/screenshots/i13/);
at both widths no table may run past the window (no cut-off columns) and the
page never scrolls sideways.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from calls.models import Call, CallState

from ..factories import AgentFactory, ClientFactory, MemberFactory, OperatorFactory
from ..flows import book, confirm, fund_client, schedule
from .pictures import pictures_dir
from .test_call_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}

TEXT = {
    "en": {
        "today": "Today",
        "now": "Sessions now",
        "late": "Late: not started",
        "waiting": "Waiting for the agent",
        "low": "Low balance, with a booking",
        "book": "Book the call",
        "enough": "Enough credit",
        "hold": "75.00 credits",
        "booked": "is booked",
    },
    "ru": {
        "today": "Сегодня",
        "now": "Сеансы сейчас",
        "late": "Опаздывает: не начат",
        "waiting": "Ждут ответа агента",
        "low": "Мало кредитов при бронировании",
        "book": "Забронировать",
        "enough": "Кредитов достаточно",
        "hold": "75,00 кредита",
        "booked": "забронирован",
    },
}

# Tables whose right edge passes the window (a cut-off column), and sideways page scroll.
CUT_OFF = """() => {
  const width = document.documentElement.clientWidth;
  const bad = [];
  // A wide table inside a box that scrolls sideways (the admin's inlines on a
  // phone) can be read by scrolling it: cut off is a table past the page's edge.
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  document.querySelectorAll("table").forEach((table) => {
    const box = table.getBoundingClientRect();
    let holder = table.parentElement;
    while (holder && holder !== document.body && !scrolls(holder)) holder = holder.parentElement;
    const held = holder && holder !== document.body;
    const edge = held ? holder.getBoundingClientRect().right : box.right;
    if (box.width && edge > width + 1) bad.push(`${table.id || table.className} ${edge}`);
  });
  if (document.documentElement.scrollWidth > width + 1) {
    document.querySelectorAll("body *").forEach((el) => {
      const box = el.getBoundingClientRect();
      const leaf = el.children.length === 0;
      if (box.right > width + 1 && leaf) bad.push(`${el.tagName} ${el.textContent.slice(0, 30)}`);
    });
    bad.push(`page ${document.documentElement.scrollWidth}`);
  }
  return bad;
}"""


def office_scene(language):
    operator = OperatorFactory(
        language=language, time_zone="Europe/Berlin", username=f"op-{language}"
    )
    now = timezone.now()
    # A session starting in 20 minutes (now), one moved 5 minutes into the past (late).
    soon = book(member=MemberFactory(reference="KHA-101", full_name="Olena Kovalenko"))
    confirm(soon)
    schedule(soon, operator=operator, starts_at=now + timedelta(minutes=20))
    late = book()
    confirm(late)
    late_session = schedule(late, operator=operator, starts_at=now + timedelta(minutes=6))
    shift = timedelta(minutes=11)
    type(late_session).objects.filter(pk=late_session.pk).update(
        starts_at=late_session.starts_at - shift,
        planned_end=late_session.planned_end - shift,
        blocked_from=late_session.blocked_from - shift,
        blocked_until=late_session.blocked_until - shift,
    )
    waiting = book()
    Call.objects.filter(pk=waiting.pk).update(state_changed_at=now - timedelta(hours=20))
    client = ClientFactory(
        first_name="Margaret",
        last_name="Whitfield",
        email="margaret@example.org",
        phone="+12025550143",
        time_zone="America/New_York",
        language=language,
    )
    fund_client(client, 100)
    member = MemberFactory(reference="ODS-7", full_name="Svitlana Moroz")
    AgentFactory(agency=member.agency)
    return {"operator": operator, "client": client, "member": member, "soon": soon}


def open_page(browser, live_server, language, width):
    w, h = WIDTHS[width]
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": w, "height": h},
        locale="ru-RU" if language == "ru" else "en-GB",
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def snap(page, name):
    page.screenshot(path=str(pictures_dir("i13") / f"{name}.png"), full_page=True)


def assert_nothing_cut_off(page):
    assert page.evaluate(CUT_OFF) == []


@pytest.mark.parametrize("language", ["en", "ru"])
def test_front_page_booking_and_search_by_number(browser, live_server, language):
    t = TEXT[language]
    scene = office_scene(language)
    contexts = []
    try:
        for width in WIDTHS:
            context, page = open_page(browser, live_server, language, width)
            contexts.append(context)
            sign_in(page, scene["operator"])
            # 1. The day starts on the front page.
            page.goto(reverse("admin:index"))
            expect(page.locator("h1")).to_contain_text(t["today"])
            expect(page.get_by_role("heading", name=re.compile(t["now"]))).to_be_visible()
            expect(page.locator("tr.overdue").first).to_contain_text(t["late"])
            expect(page.get_by_role("heading", name=re.compile(t["waiting"]))).to_be_visible()
            expect(page.get_by_role("heading", name=re.compile(t["low"]))).to_be_visible()
            assert_nothing_cut_off(page)
            snap(page, f"front-{language}-{width}")

            # 3. A call found by its number from the header's search box.
            number = scene["soon"].number
            page.get_by_role("searchbox").fill(number)
            page.get_by_role("searchbox").press("Enter")
            # One call found: its page opens (issue 25, item 15), not a list of one.
            page.wait_for_url(re.compile(rf"/admin/calls/call/{scene['soon'].pk}/change/"))
            expect(page.get_by_test_id("client-panel")).to_contain_text(number)
            expect(page.locator("#content-main")).to_contain_text("KHA-101")
            assert_nothing_cut_off(page)
            snap(page, f"search-{language}-{width}")

        # 2. One-screen booking: filled at the phone width, then filled and
        # booked at the desktop width (the hold then leaves too little for another).
        for width in ["phone", "desktop"]:
            context, page = open_page(browser, live_server, language, width)
            contexts.append(context)
            sign_in(page, scene["operator"])
            page.goto(reverse("admin:office_book"))
            page.get_by_test_id("client-search").fill("Whitf")
            page.get_by_test_id("client-result").first.click()
            expect(page.get_by_test_id("client-card")).to_contain_text("margaret@example.org")
            page.locator("#id_member").fill("ODS-7")
            page.locator("input[name=kind][value=video]").check()
            page.locator("#id_planned_minutes").fill("20")
            page.locator("#id_client_windows").fill("mon-fri 09:00-18:00")
            expect(page.get_by_test_id("hold")).to_have_text(t["hold"])
            expect(page.get_by_test_id("verdict")).to_contain_text(t["enough"])
            assert_nothing_cut_off(page)
            snap(page, f"booking-{language}-{width}")
            if width == "desktop":
                page.get_by_test_id("book").click()
                page.wait_for_load_state()
                expect(page.locator(".messagelist")).to_contain_text(t["booked"])
                call = Call.objects.get(client=scene["client"])
                assert call.state == CallState.AWAITING_AGENT
                assert call.created_by == scene["operator"]
                expect(page.get_by_test_id("client-panel")).to_contain_text(call.number)
                expect(page.get_by_test_id("client-panel")).to_contain_text("+1 202-555-0143")
                assert_nothing_cut_off(page)
                snap(page, f"booked-call-{language}-{width}")
                # 4. Scheduling shows the time on everyone's clock while typing.
                soon = scene["soon"]
                page.goto(reverse("admin:calls_call_schedule", args=[soon.pk]))
                page.locator("#id_time_zone").select_option("Europe/Kyiv")
                page.locator("#id_starts_at").fill(
                    (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT05:30")
                )
                rows = page.locator("#zone-times-rows tr")
                expect(rows).to_have_count(3)
                expect(rows.nth(0)).to_contain_text("America/New_York")
                expect(rows.nth(0)).to_have_class("overdue")  # 22:30 the evening before: night
                assert_nothing_cut_off(page)
                snap(page, f"schedule-zones-{language}-{width}")
    finally:
        for context in contexts:
            context.close()
