"""Issue 25 (the walk): the agent's statement shows every column, "Commission"
("Комиссия") included, without scrolling the table sideways, at 1024, 1280
and 1440 px; on a 390 px phone each row is a card of labelled lines."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ..flows import agent_for
from ..test_duty import completed_video
from .pictures import pictures_dir
from .test_call_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LOCALE = {"en": "en-GB", "ru": "ru-RU"}
COMMISSION = {"en": "Commission", "ru": "Комиссия"}

# Every cell of the table lies inside the page and inside the table's box,
# and the box has nothing to scroll: a cell past either edge is "cut off".
CELLS_CUT = """() => {
  const width = document.documentElement.clientWidth;
  const wrap = document.querySelector(".table-wrap");
  const bad = [];
  if (wrap.scrollWidth > wrap.clientWidth + 1) bad.push(`wrap scrolls ${wrap.scrollWidth}`);
  if (document.documentElement.scrollWidth > width + 1) bad.push("page scrolls");
  const edge = Math.min(width, wrap.getBoundingClientRect().right);
  wrap.querySelectorAll("th, td").forEach((cell) => {
    const box = cell.getBoundingClientRect();
    const text = cell.textContent.trim().slice(0, 20);
    if (box.width && box.right > edge + 1) bad.push(`${text} ${box.right}`);
  });
  return bad;
}"""


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_statement_shows_the_commission_column_at_every_width(browser, live_server, language):
    settled, _session = completed_video()
    agent = agent_for(settled)
    agent.language = language
    agent.save()
    for width in (1024, 1280, 1440, 390):
        context = browser.new_context(
            base_url=live_server.url,
            locale=LOCALE[language],
            viewport={"width": width, "height": 900},
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            sign_in(page, agent)
            page.goto(reverse("agent-statement"))
            commission = page.locator("table tbody td.commission").first
            expect(commission).to_be_visible()
            if width == 390:
                # A card: the cell carries its column's name.
                label = commission.evaluate("td => getComputedStyle(td, '::before').content")
                assert COMMISSION[language] in label
            else:
                expect(page.locator("thead th").last).to_have_text(COMMISSION[language])
            assert page.evaluate(CELLS_CUT) == [], width
            page.screenshot(
                path=str(pictures_dir("statement") / f"statement-{language}-{width}.png"),
                full_page=True,
            )
        finally:
            context.close()
