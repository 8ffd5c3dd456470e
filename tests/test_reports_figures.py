"""Each report's figures against a naive Python loop over the same generated data,
to the cent and to the call; the money report against the ledger.

The data set (tests/reports_data.py) is built once for the module inside a
transaction that is rolled back at the end; each test runs in a savepoint.
Periods are read by an operator in Berlin: October 2026 has the autumn clock
change (25 October), so one of its days is 25 hours long.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F

from billing.models import Account, AccountKind, CallCharge, ChargeStatus, Entry, EntryKind
from calls.models import AgentConfirmation, Call, CallState, Session
from duty.models import Dispute
from reports import catalogue, selectors
from reports.models import UnmetSearch
from reports.periods import MONTH, QUARTER, custom_period, period_of

from .reports_data import build

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

BERLIN = "Europe/Berlin"
TZ = ZoneInfo(BERLIN)
OCTOBER = period_of(MONTH, date(2026, 10, 14), BERLIN)
EVERYTHING = custom_period(date(2026, 9, 1), date(2026, 12, 31), BERLIN)
HOUR = Decimal(3600)


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build()
        yield built
        transaction.set_rollback(True)


def _within(moment, period) -> bool:
    return period.start <= moment < period.end


def _hours(seconds) -> Decimal:
    return (Decimal(seconds) / HOUR).quantize(Decimal("0.01"))


def test_a_period_starts_and_ends_at_local_midnight_across_the_clock_change():
    assert OCTOBER.start == datetime(2026, 10, 1, tzinfo=TZ).astimezone(UTC)
    assert OCTOBER.end == datetime(2026, 11, 1, tzinfo=TZ).astimezone(UTC)
    # Summer time at the start (+2), winter time at the end (+1): 31 days and one hour.
    assert OCTOBER.end - OCTOBER.start == timedelta(days=31, hours=1)
    week = period_of("week", date(2026, 10, 25), BERLIN)
    assert (week.first_day, week.last_day) == (date(2026, 10, 19), date(2026, 10, 25))
    assert week.end - week.start == timedelta(days=7, hours=1)
    quarter = period_of(QUARTER, date(2026, 11, 30), BERLIN)
    assert (quarter.first_day, quarter.last_day) == (date(2026, 10, 1), date(2026, 12, 31))


@pytest.mark.parametrize("period", [OCTOBER, EVERYTHING], ids=["october", "everything"])
def test_calls_by_outcome_match_a_loop_over_the_calls(data, period):
    expected: dict[date, Counter] = defaultdict(Counter)
    for call in Call.objects.all():
        if call.state not in (CallState.COMPLETED, CallState.MISSED, CallState.CANCELLED):
            continue
        if call.state == CallState.CANCELLED and not call.outcome:
            continue  # cancelled in good time: not a call that failed to happen
        if not _within(call.state_changed_at, period):
            continue
        day = call.state_changed_at.astimezone(TZ).date()
        expected[day - timedelta(days=day.weekday())][call.outcome or "missed"] += 1
    weeks = selectors.calls_by_outcome(period)
    assert [w.week for w in weeks] == period.weeks()
    for week in weeks:
        assert week.counts == {c: expected[week.week][c] for c in selectors.OUTCOME_COLUMNS}
        total = sum(expected[week.week].values())
        assert week.total == total
        if total:
            assert week.happened_share == (
                Decimal(expected[week.week]["completed"]) / total
            ).quantize(Decimal("0.0001"))
    assert sum(w.total for w in weeks) > 0
    if period is EVERYTHING:
        everything = Counter()
        for week in weeks:
            everything.update({k: v for k, v in week.counts.items() if v})
        # Every outcome of SPEC, and a legacy missed call, is in the data set.
        assert set(everything) == set(selectors.OUTCOME_COLUMNS)


def _money_by_loop(period):
    months = defaultdict(lambda: defaultdict(Decimal))
    for entry in Entry.objects.select_related("account"):
        if not _within(entry.created_at, period):
            continue
        month = entry.created_at.astimezone(TZ).date().replace(day=1)
        kind, account = entry.kind, entry.account.kind
        if account == AccountKind.HOUSE_REVENUE and kind == EntryKind.CHARGE:
            months[month]["client_charges"] += entry.amount
        if account == AccountKind.AGENCY_COMMISSION and kind == EntryKind.COMMISSION:
            months[month]["commissions"] += entry.amount
        if kind == EntryKind.ADJUSTMENT:
            if account == AccountKind.CLIENT_CREDIT:
                months[month]["client_adjustments"] += entry.amount
            elif account == AccountKind.AGENCY_COMMISSION:
                months[month]["agency_adjustments"] += entry.amount
            elif account == AccountKind.HOUSE_REVENUE:
                months[month]["house_adjustments"] += entry.amount
    for charge in CallCharge.objects.filter(status=ChargeStatus.SETTLED):
        if _within(charge.closed_at, period):
            month = charge.closed_at.astimezone(TZ).date().replace(day=1)
            months[month]["recorded_charges"] += charge.client_charge
            months[month]["recorded_commissions"] += charge.agent_commission
            months[month]["settled_calls"] += 1
    return months


MONEY_FIGURES = [
    "client_charges",
    "client_adjustments",
    "commissions",
    "agency_adjustments",
    "house_adjustments",
    "recorded_charges",
    "recorded_commissions",
    "settled_calls",
]


@pytest.mark.parametrize("period", [OCTOBER, EVERYTHING], ids=["october", "everything"])
def test_money_per_month_matches_a_loop_over_the_ledger_to_the_cent(data, period):
    expected = _money_by_loop(period)
    report = selectors.money_by_month(period)
    assert [m.month for m in report.months] == period.months()
    for month in report.months:
        for name in MONEY_FIGURES:
            assert getattr(month, name) == expected[month.month][name], (month.month, name)
        e = expected[month.month]
        assert month.margin == (
            e["client_charges"]
            - e["client_adjustments"]
            - e["commissions"]
            - e["agency_adjustments"]
            + e["house_adjustments"]
        )
    assert report.total("client_charges") > 0
    assert report.reconciles


def test_the_money_report_reconciles_with_ledger_checks_sums(data, capsys):
    call_command("ledger_check")
    assert "ledger OK" in capsys.readouterr().out
    report = selectors.money_by_month(EVERYTHING)
    # ledger_check proves each cached balance equal to its entries: the report's
    # figures for all time must add up to those balances.
    house = Account.objects.get(kind=AccountKind.HOUSE_REVENUE).balance
    assert report.total("house_account_movement") == house
    agencies = sum(a.balance for a in Account.objects.filter(kind=AccountKind.AGENCY_COMMISSION))
    assert report.total("commissions") + report.total("agency_adjustments") == agencies
    assert report.total("client_adjustments") > 0  # the disputes' refunds are in
    assert report.total("agency_adjustments") < 0  # and their commission corrections


def test_the_money_report_shows_a_difference_when_a_call_record_disagrees(data):
    settled = CallCharge.objects.filter(status=ChargeStatus.SETTLED, client_charge__gt=0)
    charge = settled.order_by("closed_at").first()
    CallCharge.objects.filter(pk=charge.pk).update(client_charge=F("client_charge") + 1)
    report = selectors.money_by_month(EVERYTHING)
    assert not report.reconciles
    assert report.total("charges_difference") == Decimal("-1.00")
    wrong = [m for m in report.months if not m.reconciles]
    assert [m.month for m in wrong] == [charge.closed_at.astimezone(TZ).date().replace(day=1)]


def _working_hours_by_loop(period, zone: str) -> Decimal:
    """Mon–Fri 09:00–18:00 on the interpreter's wall clock, clipped to the period."""
    tz = ZoneInfo(zone)
    seconds = 0
    day = period.start.astimezone(tz).date() - timedelta(days=1)
    while day <= period.end.astimezone(tz).date():
        if day.weekday() < 5:
            a = datetime.combine(day, time(9), tzinfo=tz).astimezone(UTC)
            b = datetime.combine(day, time(18), tzinfo=tz).astimezone(UTC)
            a, b = max(a, period.start), min(b, period.end)
            seconds += max(0, (b - a).total_seconds())
        day += timedelta(days=1)
    return _hours(seconds)


@pytest.mark.parametrize("period", [OCTOBER, EVERYTHING], ids=["october", "everything"])
def test_interpreters_match_a_loop_over_the_sessions(data, period):
    sessions = Counter()
    booked = defaultdict(timedelta)
    talk = Counter()
    for session in Session.objects.all():
        if session.status in selectors.BOOKED_STATUSES and _within(session.starts_at, period):
            sessions[session.interpreter_id] += 1
            booked[session.interpreter_id] += session.planned_end - session.starts_at
            talk[session.interpreter_id] += session.talk_seconds or 0
    report = selectors.interpreters(period)
    rows = {row.interpreter_id: row for row in report.rows}
    assert set(rows) >= {i.pk for i in data.interpreters}
    for person in data.interpreters:
        row = rows[person.pk]
        assert row.sessions == sessions[person.pk]
        assert row.booked_hours == _hours(booked[person.pk].total_seconds())
        assert row.talk_hours == _hours(talk[person.pk])
        assert row.working_hours == _working_hours_by_loop(period, person.time_zone)
        assert row.utilisation == selectors.share(row.booked_hours, row.working_hours)
    assert sum(sessions.values()) > 0


def test_languages_in_demand_come_from_searches_that_found_no_interpreter(data):
    # The call's languages are the client's (en) and the member's (ja); searched twice.
    rows = UnmetSearch.objects.filter(call_id=data.unmet_call.pk)
    assert sorted(rows.values_list("language", "reason")) == [
        ("en", "no_interpreter_for_languages"),
        ("ja", "no_interpreter_for_languages"),
    ]
    assert all(row.last_at - row.first_at == timedelta(minutes=5) for row in rows)
    demand = selectors.interpreters(OCTOBER).demand
    assert [(d.language, d.calls, d.no_interpreter, d.all_busy) for d in demand] == [
        ("en", 1, 1, 0),
        ("ja", 1, 1, 0),
    ]


@pytest.mark.parametrize("period", [OCTOBER, EVERYTHING], ids=["october", "everything"])
def test_agencies_match_a_loop_over_the_calls(data, period):
    expected = defaultdict(Counter)
    waits = defaultdict(list)
    for call in Call.objects.select_related("member"):
        if not _within(call.created_at, period):
            continue
        e = expected[call.member.agency_id]
        e["requests"] += 1
        confirmation = AgentConfirmation.objects.filter(call=call).first()
        if confirmation:
            e["confirmed"] += 1
            waits[call.member.agency_id].append(confirmation.confirmed_at - call.created_at)
        e["declined"] += call.state == CallState.DECLINED
        e["ended"] += bool(call.outcome)
        e["member_unreachable"] += call.outcome == "member_unreachable"
        e["member_cancelled"] += call.outcome == "member_cancelled"
    for dispute in Dispute.objects.select_related("call__member"):
        if _within(dispute.raised_at, period):
            expected[dispute.call.member.agency_id]["disputes"] += 1
    commission = defaultdict(Decimal)
    for entry in Entry.objects.select_related("account"):
        agency_side = entry.account.kind == AccountKind.AGENCY_COMMISSION
        if agency_side and _within(entry.created_at, period):
            commission[entry.account.agency_id] += entry.amount
    rows = {row.agency_id: row for row in selectors.agency_rows(period)}
    for agency in data.agencies:
        row, e = rows[agency.pk], expected[agency.pk]
        for name in ("requests", "confirmed", "declined", "ended", "member_unreachable"):
            assert getattr(row, name) == e[name], (agency.name, name)
        assert row.member_cancelled == e["member_cancelled"]
        assert row.disputes == e["disputes"]
        assert row.commission == commission[agency.pk]
        wait = waits[agency.pk]
        assert row.confirm_hours == (
            _hours((sum(wait, timedelta()) / len(wait)).total_seconds()) if wait else None
        )
        assert row.decline_rate == selectors.share(e["declined"], e["confirmed"] + e["declined"])
    assert sum(r.requests for r in rows.values()) > 0
    problems = sorted(
        (r for r in rows.values() if r.problems),
        key=lambda r: (-r.problem_share, -r.requests, r.name),
    )
    assert {r.agency_id for r in rows.values() if r.worst} == {r.agency_id for r in problems[:10]}


EDGES = {
    "confirmed": ("awaiting_agent", "confirmed"),
    "scheduled": ("confirmed", "scheduled"),
    "held": ("scheduled", "in_progress"),
}


@pytest.mark.parametrize("period", [OCTOBER, EVERYTHING], ids=["october", "everything"])
def test_time_to_a_call_matches_a_loop_over_the_audit(data, period):
    waits = defaultdict(list)
    picked = Counter()
    requested = 0
    for call in Call.objects.prefetch_related("transitions__actor"):
        if not _within(call.created_at, period):
            continue
        requested += 1
        for change in call.transitions.all():
            for stage, edge in EDGES.items():
                if (change.from_state, change.to_state) == edge:
                    waits[stage].append(change.at - call.created_at)
                    if stage == "scheduled":
                        picked[change.actor.role == "client"] += 1
    found = selectors.time_to_call(period)
    assert found.requested == requested
    for stage in found.stages:
        wait = waits[stage.name]
        assert stage.calls == len(wait)
        assert stage.average_hours == _hours((sum(wait, timedelta()) / len(wait)).total_seconds())
        assert stage.median_hours == _hours(statistics.median(wait).total_seconds())
    assert found.picked_by_client == picked[True] > 0
    assert found.picked_by_operator == picked[False] > 0


def test_the_long_tables_are_in_the_order_their_pages_show_them(data):
    """The pages show 50 rows at a time (reports.tables.PAGE_ROWS): the first page
    must hold the interpreters with the highest utilisation and the worst agencies."""
    table = catalogue.build_interpreters(OCTOBER).tables[0]
    assert table.paged
    rates = [row[5] for row in table.rows]
    known = [rate for rate in rates if rate is not None]
    assert known == sorted(known, reverse=True) and len(set(known)) > 1
    assert rates == known + [None] * (len(rates) - len(known))  # no working hours: last
    by_id = {row.interpreter_id: row for row in selectors.interpreters(OCTOBER).rows}
    assert len(table.rows) == len(by_id)  # every interpreter, in the exports too

    agencies = catalogue.build_agencies(OCTOBER).tables[0]
    assert agencies.paged
    worst = sorted(agencies.marked)
    assert worst == list(range(len(worst))) and worst  # the highlighted ones first
