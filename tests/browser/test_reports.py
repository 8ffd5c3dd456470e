"""The office's reports in a real browser, in English and Russian.

An operator opens each report on the generated data set (tests/reports_data.py),
picks a quarter with the period picker, sees the chart (an SVG with its title)
and the table, and downloads the CSV and the XLSX, which are read back.
Screenshots: test-artifacts/screenshots/i24/ (tests/browser/pictures.py).
"""

import csv
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reports.catalogue import REPORTS

from ..factories import OperatorFactory
from ..reports_data import build
from .pictures import pictures_dir
from .test_call_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEXT = {
    "en": {"quarter": "Quarter", "show": "Show", "outcomes": "Calls by outcome, per week"},
    "ru": {"quarter": "Квартал", "show": "Показать", "outcomes": "Звонки по исходам, по неделям"},
}
DAY = date(2026, 10, 14)


def test_each_report_charts_picks_a_period_and_exports(browser, live_server):
    data = build()
    assert data.calls
    for language in ("en", "ru"):
        t = TEXT[language]
        operator = OperatorFactory(
            username=f"reader-{language}", language=language, time_zone="Europe/Berlin"
        )
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
            locale="ru-RU" if language == "ru" else "en-GB",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            sign_in(page, operator)
            page.goto(reverse("admin:reports_index"))
            for slug in REPORTS:
                page.goto(reverse("admin:reports_report", args=[slug]))
                # The period picker: the quarter that holds 14 October 2026.
                page.get_by_label(t["quarter"], exact=True).check()
                page.locator("input[name=on]").fill(DAY.isoformat())
                page.get_by_role("button", name=t["show"]).click()
                page.wait_for_load_state()
                assert "period=quarter" in page.url and "on=2026-10-14" in page.url
                chart = page.locator("svg.report-chart")
                expect(chart).to_be_visible()
                assert chart.locator("title").first.text_content().strip()
                assert chart.locator("rect").count() > 3  # bars and legend, not an empty frame
                expect(page.locator("table.reports-table").first).to_be_visible()
                if slug == "outcomes":
                    expect(page.locator("table.reports-table caption").first).to_have_text(
                        t["outcomes"]
                    )
                page.screenshot(
                    path=str(pictures_dir("i24") / f"report-{slug}-{language}.png"),
                    full_page=True,
                )
                _check_exports(page, slug)
        finally:
            context.close()


def _check_exports(page, slug):
    with page.expect_download() as waiting:
        page.get_by_test_id("export-csv").click()
    text = Path(waiting.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] and rows[1], slug
    first_table = rows[2 : rows.index([]) if [] in rows else len(rows)]
    assert first_table, slug
    if slug in ("outcomes", "money"):
        # The first column is ISO dates, and the period is the quarter asked for.
        assert date.fromisoformat(first_table[0][0]) <= date(2026, 10, 1)
        assert all(re.fullmatch(r"-?\d+(\.\d+)?", cell) for cell in first_table[0][1:] if cell)
    with page.expect_download() as waiting:
        page.get_by_test_id("export-xlsx").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(waiting.value.path()).read_bytes()))
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header == tuple(rows[1]), slug
