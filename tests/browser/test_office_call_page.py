"""Issue 25, item 13: the call page's buttons and the week board can be used with a mouse.

At 1024, 1280 and 1440 px the object-tools bar (Find a time, Week board, Mark
missed, ...) must not lie over the "Top up" button: the element at the
button's centre is the button itself, and a click there posts the top-up. On
the week board every free time to click is at least 24 × 24 px (WCAG 2.2,
target size) and the sessions' labels are readable text, not 10 px cut off.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from billing.selectors import client_balance
from scheduling.models import WorkingTime

from ..factories import InterpreterFactory, OperatorFactory
from ..flows import schedule
from .pictures import walk_shots_dir
from .test_call_journey import sign_in
from .test_finding_time import ALL_WEEK, confirmed_call

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1024, 1280, 1440)
TARGET = 24  # px, WCAG 2.2 "target size (minimum)"

# What is at the centre of the element: the element itself (or a child of it)?
HIT = """(el) => {
  const box = el.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const hit = document.elementFromPoint(x, y);
  return {x, y, ok: hit === el || el.contains(hit),
          hit: hit ? `${hit.tagName} ${hit.textContent.trim().slice(0, 30)}` : null};
}"""

# Each free time to click: its size. Each session's label: its font size and whether it is cut off.
BOARD = """() => ({
  targets: [...document.querySelectorAll('[data-testid=board-proposal]')].map((b) => {
    const r = b.getBoundingClientRect(); return [r.width, r.height];
  }),
  labels: [...document.querySelectorAll('[data-testid=board-session]')].map((s) => ({
    size: parseFloat(getComputedStyle(s).fontSize),
    cut: s.scrollWidth > s.clientWidth + 1,
    text: s.textContent.trim(),
  })),
})"""


def _desk(browser, live_server, width, language="en"):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 800},
        locale="ru-RU" if language == "ru" else "en-GB",
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def _scene():
    interpreter = InterpreterFactory(
        first_name="Taras", last_name="Melnyk", time_zone="Europe/Kyiv", languages="uk, ru, en"
    )
    WorkingTime.objects.create(interpreter=interpreter, hours=ALL_WEEK)
    operator = OperatorFactory(language="en", time_zone="Europe/Berlin")
    scheduled = confirmed_call()
    schedule(scheduled, operator=operator, interpreter=interpreter)
    waiting = confirmed_call()
    return operator, scheduled, waiting


def test_top_up_is_clickable_at_every_width(browser, live_server):
    operator, call, _waiting = _scene()
    before = client_balance(call.client)
    for n, width in enumerate(WIDTHS, start=1):
        context, page = _desk(browser, live_server, width)
        sign_in(page, operator)
        page.goto(reverse("admin:calls_call_change", args=[call.pk]))
        expect(page.locator(".object-tools")).to_be_visible()
        form = page.get_by_test_id("top-up")
        form.locator("input[name=amount]").fill("1.00")
        form.locator("input[name=reason]").fill(f"walk at {width} px")
        button = form.get_by_role("button", name="Top up")
        button.scroll_into_view_if_needed()
        hit = button.evaluate(HIT)
        page.screenshot(path=str(walk_shots_dir() / f"13-call-page-{width}.png"))
        assert hit["ok"], f"at {width} px the point of 'Top up' is {hit['hit']}"
        with page.expect_navigation():
            page.mouse.click(hit["x"], hit["y"])
        expect(page.locator(".messagelist")).to_contain_text("added to")
        assert client_balance(call.client) == before + n * Decimal("1.00")
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_week_board_targets_and_labels(browser, live_server, width):
    operator, _scheduled, waiting = _scene()
    context, page = _desk(browser, live_server, width)
    sign_in(page, operator)
    page.goto(f"{reverse('admin:calls_call_week')}?call={waiting.pk}")
    expect(page.get_by_test_id("week-board")).to_be_visible()
    found = page.evaluate(BOARD)
    page.screenshot(path=str(walk_shots_dir() / f"13-week-board-{width}.png"), full_page=True)
    assert found["targets"], "no free time to click on the board"
    small = [size for size in found["targets"] if min(size) < TARGET]
    assert not small, f"{len(small)} targets under {TARGET} px, e.g. {small[:3]}"
    assert found["labels"], "no session shown on the board"
    for label in found["labels"]:
        assert label["size"] >= 12 and not label["cut"], label
        assert label["text"].startswith("C-") or " C-" in label["text"], label
    # One free time, clicked where it is, schedules the call.
    first = page.get_by_test_id("board-proposal").first
    first.scroll_into_view_if_needed()
    hit = first.evaluate(HIT)
    assert hit["ok"], hit
    context.close()
