"""The five reports: for a period, the selector's figures as tables, a chart and a summary line.

The page, the CSV and the XLSX of a report are built from the same `Built`,
so an export always says what the page says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import dateformat, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from billing.formatting import credits
from billing.models import Kind, Outcome

from . import selectors
from .charts import Series, bar_chart
from .models import UNMET_REASONS
from .periods import MONTH, QUARTER, Period
from .tables import COUNT, DATE, HOURS, MONEY, MONTH_START, RATE, TEXT, Column, Table


@dataclass
class Built:
    tables: list[Table]
    chart: str
    summary: list[str] = field(default_factory=list)
    # A line that must stand out (the money report's reconciliation).
    alert: str = ""
    ok: str = ""


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    blurb: str
    default_period: str
    build: Callable[[Period], Built]


def _short_day(day) -> str:
    """ "Oct 5" / "5 окт." under a chart's bar; the table has the whole date."""
    return dateformat.format(day, "j M" if translation.get_language() == "ru" else "M j")


def _short_month(day) -> str:
    return dateformat.format(day, "M Y")


def outcome_label(column: str) -> str:
    if column == "missed":
        return _("Missed, no outcome recorded")
    return str(Outcome(column).label)


def build_outcomes(period: Period) -> Built:
    weeks = selectors.calls_by_outcome(period)
    columns = selectors.OUTCOME_COLUMNS
    table = Table(
        _("Calls by outcome, per week"),
        [Column(_("Week from"), DATE)]
        + [Column(outcome_label(c), COUNT) for c in columns]
        + [Column(_("All"), COUNT), Column(_("Share that happened"), RATE)],
    )
    for week in weeks:
        table.rows.append(
            [week.week, *(week.counts[c] for c in columns), week.total, week.happened_share]
        )
    totals = {c: sum(w.counts[c] for w in weeks) for c in columns}
    total = sum(totals.values())
    table.footer = [
        _("Total"),
        *(totals[c] for c in columns),
        total,
        selectors.share(totals[Outcome.COMPLETED], total),
    ]
    chart = bar_chart(
        title=_("Calls by outcome, per week"),
        description=_(
            "Stacked bars: for each week, the calls that ended with each outcome. "
            "The table below has every figure."
        ),
        categories=[_short_day(w.week) for w in weeks],
        series=[Series(outcome_label(c), [w.counts[c] for w in weeks]) for c in columns],
        stacked=True,
    )
    happened = selectors.share(totals[Outcome.COMPLETED], total)
    summary = [
        _("%(total)s calls ended; %(share)s of them happened.")
        % {
            "total": number_format(total),
            "share": f"{number_format((happened or 0) * 100, decimal_pos=1)} %",
        }
    ]
    return Built([table], chart, summary)


def build_money(period: Period) -> Built:
    report = selectors.money_by_month(period)
    table = Table(
        _("Money per month"),
        [
            Column(_("Month"), MONTH_START),
            Column(_("Client charges"), MONEY),
            Column(_("Refunds and adjustments to clients"), MONEY),
            Column(_("Agent commissions"), MONEY),
            Column(_("Commission corrections"), MONEY),
            Column(_("Adjustments to the office's revenue"), MONEY),
            Column(_("Office margin"), MONEY),
            Column(_("Settled calls"), COUNT),
            Column(_("Charges on call records"), MONEY),
            Column(_("Commissions on call records"), MONEY),
            Column(_("Charges: ledger − records"), MONEY),
            Column(_("Commissions: ledger − records"), MONEY),
        ],
    )
    names = [
        "client_charges",
        "client_adjustments",
        "commissions",
        "agency_adjustments",
        "house_adjustments",
        "margin",
    ]
    for i, month in enumerate(report.months):
        table.rows.append(
            [
                month.month,
                *(getattr(month, n) for n in names),
                month.settled_calls,
                month.recorded_charges,
                month.recorded_commissions,
                month.charges_difference,
                month.commissions_difference,
            ]
        )
        if not month.reconciles:
            table.marked.add(i)
    table.footer = [
        _("Total"),
        *(report.total(n) for n in names),
        sum(m.settled_calls for m in report.months),
        report.total("recorded_charges"),
        report.total("recorded_commissions"),
        report.total("charges_difference"),
        report.total("commissions_difference"),
    ]
    services = Table(
        _("Settled calls by service"),
        [
            Column(_("Service"), TEXT),
            Column(_("Settled calls"), COUNT),
            Column(_("Client charges"), MONEY),
            Column(_("Agent commissions"), MONEY),
            Column(_("Office keeps"), MONEY),
        ],
        rows=[[str(Kind(kind).label), *rest] for kind, *rest in report.by_service],
    )
    labels = [_short_month(m.month) for m in report.months]
    chart = bar_chart(
        title=_("Money per month"),
        description=_(
            "Bars per month: client charges, agent commissions and the office's margin, "
            "in credits. The table below has every figure."
        ),
        categories=labels,
        series=[
            Series(_("Client charges"), [m.client_charges for m in report.months]),
            Series(_("Agent commissions"), [m.commissions for m in report.months]),
            Series(_("Office margin"), [m.margin for m in report.months]),
        ],
    )
    built = Built([table, services], chart)
    built.summary = [
        _("Charged %(charges)s, paid %(commissions)s in commission, kept %(margin)s.")
        % {
            "charges": credits(report.total("client_charges")),
            "commissions": credits(report.total("commissions")),
            "margin": credits(report.total("margin")),
        }
    ]
    if report.reconciles:
        built.ok = _(
            "Reconciles: the ledger's charges and commissions equal the call records' "
            "to the cent in every month."
        )
    else:
        built.alert = _(
            "Does not reconcile: ledger − records = %(charges)s in charges and "
            "%(commissions)s in commissions. The months concerned are highlighted."
        ) % {
            "charges": credits(report.total("charges_difference")),
            "commissions": credits(report.total("commissions_difference")),
        }
    return built


def busiest_first(rows: list[selectors.InterpreterRow]) -> list[selectors.InterpreterRow]:
    """Highest utilisation first (those with no working hours after), then most
    hours booked, then by name: the overloaded interpreters head the table."""
    return sorted(
        rows,
        key=lambda r: (r.utilisation is None, -(r.utilisation or 0), -r.booked_hours, r.name),
    )


def build_interpreters(period: Period) -> Built:
    report = selectors.interpreters(period)
    ranked = busiest_first(report.rows)
    table = Table(
        _("Interpreters"),
        [
            Column(_("Interpreter"), TEXT),
            Column(_("Sessions"), COUNT),
            Column(_("Booked hours"), HOURS),
            Column(_("Talk hours"), HOURS),
            Column(_("Working hours"), HOURS),
            Column(_("Utilisation"), RATE),
        ],
        rows=[
            [r.name, r.sessions, r.booked_hours, r.talk_hours, r.working_hours, r.utilisation]
            for r in ranked
        ],
        paged=True,
    )
    demand = Table(
        _("Languages in demand with no interpreter free"),
        [
            Column(_("Language"), TEXT),
            Column(_("Calls"), COUNT),
            Column(str(UNMET_REASONS["no_interpreter_for_languages"]), COUNT),
            Column(str(UNMET_REASONS["interpreters_busy"]), COUNT),
        ],
        rows=[
            [d.language or _("any (no interpretation)"), d.calls, d.no_interpreter, d.all_busy]
            for d in report.demand
        ],
    )
    shown = ranked[:20]
    chart = bar_chart(
        title=_("Interpreters: booked and working hours"),
        description=_(
            "For each interpreter (at most 20, the busiest first), the hours booked in sessions "
            "beside the working hours. The table below lists them all, the busiest first, "
            "a page at a time."
        ),
        categories=[r.name for r in shown],
        series=[
            Series(_("Booked hours"), [r.booked_hours for r in shown]),
            Series(_("Working hours"), [r.working_hours for r in shown]),
        ],
    )
    booked = sum(r.booked_hours for r in report.rows)
    working = sum(r.working_hours for r in report.rows)
    rate = selectors.share(booked, working)
    summary = [
        _("%(booked)s of %(working)s working hours booked (%(rate)s).")
        % {
            "booked": number_format(booked, decimal_pos=1),
            "working": number_format(working, decimal_pos=1),
            "rate": f"{number_format((rate or 0) * 100, decimal_pos=1)} %",
        }
    ]
    return Built([table, demand], chart, summary)


def build_agencies(period: Period) -> Built:
    rows = selectors.agency_rows(period)
    rows.sort(key=lambda r: (not r.worst, -(r.problem_share or 0), -r.requests, r.name))
    table = Table(
        _("Agencies"),
        [
            Column(_("Agency"), TEXT),
            Column(_("Requests"), COUNT),
            Column(_("Hours to confirm (average)"), HOURS),
            Column(_("Decline rate"), RATE),
            Column(_("Member unreachable rate"), RATE),
            Column(_("Member cancelled rate"), RATE),
            Column(_("Disputes"), COUNT),
            Column(_("Commission"), MONEY),
            Column(_("Requests that went wrong"), RATE),
        ],
        paged=True,
    )
    for i, r in enumerate(rows):
        table.rows.append(
            [
                r.name,
                r.requests,
                r.confirm_hours,
                r.decline_rate,
                r.unreachable_rate,
                r.member_cancelled_rate,
                r.disputes,
                r.commission,
                r.problem_share,
            ]
        )
        if r.worst:
            table.marked.add(i)
    worst = [r for r in rows if r.worst]
    chart = bar_chart(
        title=_("The worst ten agencies"),
        description=_(
            "For each of the agencies with the highest share of requests that went wrong on "
            "their side, the percentages declined, member unreachable and member cancelled."
        ),
        categories=[r.name for r in worst],
        series=[
            Series(_("Declined"), [_pct(r.declined, r.requests) for r in worst]),
            Series(
                _("Member unreachable"), [_pct(r.member_unreachable, r.requests) for r in worst]
            ),
            Series(_("Member cancelled"), [_pct(r.member_cancelled, r.requests) for r in worst]),
        ],
        stacked=True,
    )
    summary = [
        _(
            "Highlighted: the agencies with the highest share of requests declined, "
            "member unreachable or member cancelled (at most ten)."
        )
    ]
    return Built([table], chart, summary)


def _pct(part: int, whole: int):
    value = selectors.share(part, whole)
    return None if value is None else value * 100


STAGE_LABELS = {
    "confirmed": gettext_lazy("Request to confirmed"),
    "scheduled": gettext_lazy("Request to scheduled"),
    "held": gettext_lazy("Request to held"),
}


def build_time_to_call(period: Period) -> Built:
    found = selectors.time_to_call(period)
    table = Table(
        _("Time to a call"),
        [
            Column(_("Stage"), TEXT),
            Column(_("Calls"), COUNT),
            Column(_("Average hours"), HOURS),
            Column(_("Median hours"), HOURS),
        ],
        rows=[
            [str(STAGE_LABELS[s.name]), s.calls, s.average_hours, s.median_hours]
            for s in found.stages
        ],
    )
    picked = Table(
        _("Who picked the time"),
        [Column(_("Picked by"), TEXT), Column(_("Calls"), COUNT)],
        rows=[
            [pgettext("picked by", "Client"), found.picked_by_client],
            [pgettext("picked by", "Operator"), found.picked_by_operator],
        ],
    )
    chart = bar_chart(
        title=_("Time to a call"),
        description=_(
            "Hours from the request to the agent's confirmation, to the scheduled time being "
            "chosen and to the call being held: average and median."
        ),
        categories=[str(STAGE_LABELS[s.name]) for s in found.stages],
        series=[
            Series(_("Average hours"), [s.average_hours for s in found.stages]),
            Series(_("Median hours"), [s.median_hours for s in found.stages]),
        ],
    )
    summary = [
        _(
            "%(requested)s calls requested; the time was picked by the client %(client)s times, "
            "by an operator %(operator)s times."
        )
        % {
            "requested": number_format(found.requested),
            "client": number_format(found.picked_by_client),
            "operator": number_format(found.picked_by_operator),
        }
    ]
    return Built([table, picked], chart, summary)


REPORTS = {
    r.slug: r
    for r in [
        Report(
            "outcomes",
            gettext_lazy("Calls by outcome"),
            gettext_lazy("How many calls happened each week, and why the others did not."),
            QUARTER,
            build_outcomes,
        ),
        Report(
            "money",
            gettext_lazy("Money"),
            gettext_lazy(
                "Client charges, refunds, agent commissions and the office's margin per month, "
                "checked against the ledger."
            ),
            QUARTER,
            build_money,
        ),
        Report(
            "interpreters",
            gettext_lazy("Interpreters"),
            gettext_lazy(
                "Booked against working hours, sessions, and languages nobody was free for."
            ),
            MONTH,
            build_interpreters,
        ),
        Report(
            "agencies",
            gettext_lazy("Agencies"),
            gettext_lazy(
                "Requests, answers, unreachable and withdrawn members, disputes, commission."
            ),
            MONTH,
            build_agencies,
        ),
        Report(
            "time-to-call",
            gettext_lazy("Time to a call"),
            gettext_lazy("From request to confirmed, scheduled and held; who picked the time."),
            MONTH,
            build_time_to_call,
        ),
    ]
}
