"""The Reports pages: who may open them, the picker, the chart, exports that parse back."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from reports import selectors
from reports import tables as tables_module
from reports.catalogue import REPORTS, busiest_first
from reports.forms import PeriodForm
from reports.periods import CUSTOM, MONTH, QUARTER, WEEK, custom_period, period_of
from reports.selectors import ZERO
from reports.tables import COUNT, Column, Table, exported, on_page

from .factories import (
    AgencyFactory,
    AgentFactory,
    ClientFactory,
    DutyManagerFactory,
    InterpreterFactory,
    OperatorFactory,
)
from .flows import book, confirm, run, schedule

pytestmark = pytest.mark.django_db

SLUGS = list(REPORTS)


def _url(slug, query=""):
    return reverse("admin:reports_report", args=[slug]) + (f"?{query}" if query else "")


@pytest.fixture
def a_settled_call():
    """One call held and billed, so every report has a figure."""
    operator = OperatorFactory()
    call = book()
    confirm(call)
    session = schedule(call, operator=operator)
    with time_machine.travel(session.starts_at, tick=False):
        run(session, talk_seconds=601)
    return call


@pytest.mark.parametrize(
    "person", [ClientFactory, AgentFactory, InterpreterFactory], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("path", ["index", *SLUGS])
def test_clients_agents_and_interpreters_get_no_report(person, path):
    browser = Client()
    browser.force_login(person())
    url = reverse("admin:reports_index") if path == "index" else _url(path)
    assert browser.get(url).status_code == 404
    if path != "index":
        assert browser.get(_url(path, "format=csv")).status_code == 404


def test_someone_signed_out_is_sent_to_sign_in():
    answer = Client().get(_url("money"))
    assert answer.status_code == 302
    assert reverse("login") in answer["Location"]


@pytest.mark.parametrize("person", [OperatorFactory, DutyManagerFactory], ids=["operator", "duty"])
@pytest.mark.parametrize("slug", SLUGS)
def test_operators_and_duty_managers_read_every_report_with_its_chart(person, slug):
    browser = Client()
    browser.force_login(person())
    page = browser.get(_url(slug))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img"' in html
    assert "<title id=" in html and "<desc id=" in html
    assert '<table class="reports-table">' in html
    assert "<script" not in html.split('<div id="content-main"', 1)[1]


def test_an_unknown_report_is_a_404():
    browser = Client()
    browser.force_login(OperatorFactory())
    assert browser.get(_url("nothing")).status_code == 404


def test_the_picker_reads_each_kind_of_period_in_the_readers_zone():
    today = date(2026, 11, 18)

    def chosen(**query):
        return PeriodForm(query, zone="Europe/Berlin", today=today, default_kind=MONTH).chosen()

    assert chosen() == period_of(MONTH, today, "Europe/Berlin")
    assert chosen(period=WEEK, on="2026-10-25").first_day == date(2026, 10, 19)
    assert chosen(period=QUARTER).first_day == date(2026, 10, 1)
    assert chosen(**{"period": CUSTOM, "from": "2026-10-03", "to": "2026-10-09"}) == (
        custom_period(date(2026, 10, 3), date(2026, 10, 9), "Europe/Berlin")
    )
    wrong = PeriodForm(
        {"period": CUSTOM, "from": "2026-10-09", "to": "2026-10-03"},
        zone="Europe/Berlin",
        today=today,
        default_kind=MONTH,
    )
    assert not wrong.is_valid()
    assert wrong.chosen() == period_of(MONTH, today, "Europe/Berlin")


def test_a_wrong_custom_period_is_said_in_words_and_the_page_still_answers():
    browser = Client()
    browser.force_login(OperatorFactory())
    page = browser.get(_url("outcomes", "period=custom&from=2026-10-09&to=2026-10-03"))
    assert page.status_code == 200
    assert "The last day comes before the first." in page.content.decode()


def _built(slug, period):
    return REPORTS[slug].build(period)


def _as_csv_text(value):
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_csv_export_parses_back_to_the_tables_figures(a_settled_call, slug):
    operator = OperatorFactory(time_zone="Europe/Berlin")
    browser = Client()
    browser.force_login(operator)
    day = a_settled_call.created_at.date().isoformat()
    query = f"period=quarter&on={day}"
    answer = browser.get(_url(slug, query + "&format=csv"))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert answer["Content-Disposition"].startswith(f'attachment; filename="{slug}-')
    lines = list(csv.reader(io.StringIO(answer.getvalue().decode())))
    period = period_of(QUARTER, a_settled_call.created_at.date(), "Europe/Berlin")
    with translation.override("en"):
        tables = _built(slug, period).tables
    at = 0
    for table in tables:
        assert lines[at] == [table.title]
        assert len(lines[at + 1]) == len(table.columns)
        rows = [*table.rows, *([table.footer] if table.footer else [])]
        for n, row in enumerate(rows):
            assert lines[at + 2 + n] == [
                _as_csv_text(exported(v, c.type)) for v, c in zip(row, table.columns, strict=True)
            ]
        at += 2 + len(rows) + 1
    if slug == "money":
        # Numbers are plain numbers and dates ISO 8601.
        first = lines[2]
        assert date.fromisoformat(first[0]).day == 1
        assert Decimal(first[1]) >= 0


@pytest.mark.parametrize("slug", SLUGS)
def test_the_xlsx_export_reads_back_with_openpyxl(a_settled_call, slug):
    browser = Client()
    browser.force_login(OperatorFactory(time_zone="Europe/Berlin"))
    day = a_settled_call.created_at.date()
    answer = browser.get(_url(slug, f"period=quarter&on={day.isoformat()}&format=xlsx"))
    assert answer.status_code == 200
    period = period_of(QUARTER, day, "Europe/Berlin")
    assert answer["Content-Disposition"] == (
        f'attachment; filename="{slug}-{period.first_day}-{period.last_day}.xlsx"'
    )
    book_ = openpyxl.load_workbook(io.BytesIO(answer.getvalue()))
    with translation.override("en"):
        tables = _built(slug, period).tables
    assert len(book_.worksheets) == len(tables)
    for sheet, table in zip(book_.worksheets, tables, strict=True):
        values = list(sheet.iter_rows(values_only=True))
        rows = [*table.rows, *([table.footer] if table.footer else [])]
        assert len(values) == 1 + len(rows)
        for got, row in zip(values[1:], rows, strict=True):
            for cell, value, column in zip(got, row, table.columns, strict=True):
                want = exported(value, column.type)
                if isinstance(want, date):  # dates and months read back as datetimes
                    assert isinstance(cell, datetime) and cell.date() == want
                elif isinstance(want, Decimal):
                    assert round(Decimal(str(cell)), 2) == want
                else:
                    assert cell == want


def test_the_money_report_says_it_reconciles(a_settled_call):
    browser = Client()
    browser.force_login(OperatorFactory(time_zone="Europe/Berlin"))
    day = a_settled_call.created_at.date().isoformat()
    html = browser.get(_url("money", f"period=quarter&on={day}")).content.decode()
    assert "Reconciles: the ledger" in html
    assert "19.80" in html  # 10:01 of an interpreted call, billed as 11 minutes


def test_reports_read_in_russian():
    browser = Client()
    operator = OperatorFactory(language="ru")
    browser.force_login(operator)
    browser.cookies["django_language"] = "ru"
    html = browser.get(_url("outcomes"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Звонки по исходам" in html
    assert "Доля состоявшихся" in html


# --- the agency's card ---------------------------------------------------------


def test_an_agent_sees_its_own_agencys_card(a_settled_call):
    agent = a_settled_call.member.agency.staff.first()
    browser = Client()
    browser.force_login(agent)
    day = a_settled_call.created_at.date().isoformat()
    page = browser.get(
        reverse("agent-agency-card", args=[agent.agency_id]) + f"?period=quarter&on={day}"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert a_settled_call.member.agency.name in html
    assert 'data-testid="requests">1<' in html
    assert "3,96" in html or "3.96" in html  # 20 % of 19.80


def test_another_agencys_card_is_a_404():
    mine, theirs = AgencyFactory(), AgencyFactory()
    browser = Client()
    browser.force_login(AgentFactory(agency=mine))
    assert browser.get(reverse("agent-agency-card", args=[mine.pk])).status_code == 200
    assert browser.get(reverse("agent-agency-card", args=[theirs.pk])).status_code == 404
    assert browser.get(reverse("agent-agency-card", args=[999999])).status_code == 404


@pytest.mark.parametrize("person", [ClientFactory, InterpreterFactory, OperatorFactory])
def test_the_card_is_for_agency_staff_only(person):
    agency = AgencyFactory()
    browser = Client()
    browser.force_login(person())
    assert browser.get(reverse("agent-agency-card", args=[agency.pk])).status_code == 404


# --- long tables: a page at a time on screen, every row in the exports ---------


def test_a_paged_table_shows_its_rows_a_page_at_a_time_with_the_highlights_in_place():
    columns = [Column("name"), Column("n", COUNT)]
    table = Table("t", columns, rows=[[f"r{n}", n] for n in range(5)], marked={3}, paged=True)
    first = on_page(table, None, per_page=2)
    assert [r["cells"][0][0] for r in first.rows] == ["r0", "r1"]
    assert (first.page.number, first.page.paginator.num_pages) == (1, 3)
    assert first.position == "Rows 1–2 of 5; the CSV and XLSX have every row."
    second = on_page(table, "2", per_page=2)
    assert [(r["cells"][0][0], r["marked"]) for r in second.rows] == [("r2", False), ("r3", True)]
    # Not a page number: the first page; past the end: the last.
    assert [r["cells"][0][0] for r in on_page(table, "x", per_page=2).rows] == ["r0", "r1"]
    assert [r["cells"][0][0] for r in on_page(table, "99", per_page=2).rows] == ["r4"]
    # A table no longer than a page, or one not paged, is shown whole, without a pager.
    assert on_page(table, "2", per_page=5).page is None
    table.paged = False
    whole = on_page(table, "2", per_page=2)
    assert whole.page is None and len(whole.rows) == 5 and whole.position == ""


def _row_names(html: str, caption: str) -> list[str]:
    table = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row">([^<]+?)(?: <span|</th>)', table)


def test_the_interpreters_page_shows_a_page_of_the_table_and_the_csv_every_row(monkeypatch):
    monkeypatch.setattr(tables_module, "PAGE_ROWS", 2)
    names = [f"Zed{n} Interpreter" for n in range(5)]
    for n in range(5):
        InterpreterFactory(first_name=f"Zed{n}", last_name="Interpreter")
    browser = Client()
    browser.force_login(OperatorFactory())
    query = period_of(MONTH, date(2026, 10, 14), "Europe/Berlin").query()
    shown = []
    for number in (1, 2, 3):
        html = browser.get(_url("interpreters", f"{query}&page={number}")).content.decode()
        rows = _row_names(html, "Interpreters")
        assert len(rows) == (2 if number < 3 else 1)
        shown += rows
        pager = html.split('data-testid="table-pager"', 1)[1].split("</nav>", 1)[0]
        assert f"Rows {2 * number - 1}–{min(2 * number, 5)} of 5;" in pager
        assert ('rel="next"' in pager) == (number < 3)
        assert ('rel="prev"' in pager) == (number > 1)
        if number < 3:
            assert f"{query.replace('&', '&amp;')}&amp;page={number + 1}#report-table-1" in pager
    # Every interpreter once across the pages, in the table's order (nobody is
    # booked: equal utilisation, then by name).
    assert shown == sorted(names)
    answer = browser.get(_url("interpreters", f"{query}&format=csv"))
    lines = list(csv.reader(io.StringIO(answer.getvalue().decode())))
    assert [line[0] for line in lines[2:7]] == sorted(names)
    assert lines[7] == []  # then the languages' table


def test_interpreters_are_ranked_busiest_first():
    def row(name, booked, working):
        return selectors.InterpreterRow(1, name, 1, Decimal(booked), ZERO, Decimal(working))

    rows = [
        row("idle", "0", "40"),
        row("no hours", "5", "0"),
        row("half b", "10", "20"),
        row("full", "40", "40"),
        row("half a", "10", "20"),
        row("half, more", "20", "40"),
    ]
    ranked = [r.name for r in busiest_first(rows)]
    assert ranked == ["full", "half, more", "half a", "half b", "idle", "no hours"]
