"""The reports' figures: each one aggregate query (or a few), never a loop over rows.

Every selector takes a `Period` (reports.periods: UTC bounds computed from
local midnights in the reader's zone) and returns plain values. Buckets
(weeks, months) are truncated by the database in the reader's zone. Python
only fills in empty buckets and divides; it never walks calls or entries.

Which calls a report counts, and when:
- Calls by outcome: calls that ended (completed, missed, cancelled with an
  outcome) in the period, in the week they ended (`Call.state_changed_at`; an
  ended call never changes state again). A call cancelled in good time has no
  outcome and is not a call that failed to happen: it is left out.
- Money: ledger entries made in the period, in the month they were made; the
  call records (billing.CallCharge, settled) in the month they were settled.
- Interpreters: sessions starting in the period that held the interpreter's
  time (not superseded or cancelled); working hours are the weekly hours plus
  extra hours less time off, in the interpreter's zone, inside the period.
- Agencies and time to a call: calls requested in the period (a cohort: each
  rate is over the same calls).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.aggregates import Aggregate
from django.db.models.functions import TruncMonth, TruncWeek

from accounts.models import Role, User
from agents.models import Agency
from billing.models import Account, AccountKind, CallCharge, ChargeStatus, Entry, EntryKind, Outcome
from calls.models import (
    BLOCKING_STATUSES,
    STAGE_TIMES,
    Call,
    CallState,
    Session,
    SessionStatus,
)
from scheduling.models import WorkingTime
from scheduling.windows import merge, parse_windows, subtract, to_epoch, window_intervals

from .models import UnmetSearch
from .periods import Period

CENT = Decimal("0.01")
CLIENT_ACCOUNTS = [AccountKind.CLIENT_CREDIT, AccountKind.CLIENT_HELD]
ZERO = Decimal("0.00")


def cents(value) -> Decimal:
    """A sum from the database as exact cents (SQLite adds decimals as floats)."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT)


def share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole to four places (0.1234 = 12.34 %), None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


class Median(Aggregate):
    """PostgreSQL's median (`percentile_cont(0.5)`); other databases have none."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def _has_median() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def report_reading():
    """The report's statements in a transaction of their own, without JIT compilation.

    PostgreSQL compiles any statement it costs above `jit_above_cost` (100,000
    by default); on the scale data set (a million calls) compiling a report's
    aggregate took 0.25-0.6 s (EXPLAIN ANALYZE), longer than it then ran.
    `SET LOCAL` lasts until the transaction ends: nothing else is compiled so.
    (random_page_cost 1.1 was tried as well: it made time to a call over a
    quarter faster and money and agencies slower; not kept.)
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def _hours(value: timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.total_seconds()) / 3600).quantize(Decimal("0.01"))


# --- calls by outcome ------------------------------------------------------------

# The report's columns, in the order shown. "missed" is a missed call with no
# outcome recorded (before outcomes existed, or an operator gave none).
OUTCOME_COLUMNS = [
    Outcome.COMPLETED,
    Outcome.MEMBER_UNREACHABLE,
    Outcome.CLIENT_NO_SHOW,
    Outcome.OFFICE_FAULT,
    Outcome.LATE_CANCEL,
    Outcome.MEMBER_CANCELLED,
    "missed",
]


@dataclass
class OutcomeWeek:
    week: date  # the Monday, local
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def happened(self) -> int:
        return self.counts[Outcome.COMPLETED]

    @property
    def happened_share(self) -> Decimal | None:
        return share(self.happened, self.total)


def _outcome_filter(column: str) -> Q:
    if column == "missed":
        return Q(state=CallState.MISSED, outcome="")
    return Q(outcome=column)


def ended_calls(period: Period):
    """Calls that ended in the period and count in the outcome report."""
    return (
        Call.objects.filter(
            state__in=[CallState.COMPLETED, CallState.MISSED, CallState.CANCELLED],
            state_changed_at__gte=period.start,
            state_changed_at__lt=period.end,
        )
        .exclude(state=CallState.CANCELLED, outcome="")
        .order_by()
    )


def calls_by_outcome(period: Period) -> list[OutcomeWeek]:
    """Per local week: how many calls ended with each outcome (one query)."""
    rows = (
        ended_calls(period)
        .annotate(week=TruncWeek("state_changed_at", tzinfo=period.tz))
        .values("week")
        .annotate(**{c: Count("pk", filter=_outcome_filter(c)) for c in OUTCOME_COLUMNS})
    )
    found = {row["week"].date(): row for row in rows}
    return [
        OutcomeWeek(week, {c: found.get(week, {}).get(c, 0) for c in OUTCOME_COLUMNS})
        for week in period.weeks()
    ]


# --- money -----------------------------------------------------------------------


@dataclass
class MoneyMonth:
    month: date  # first day, local
    # From the ledger (entries made in the month):
    client_charges: Decimal = ZERO  # charges credited to the house
    client_adjustments: Decimal = ZERO  # + refunds to clients, − taken back
    commissions: Decimal = ZERO  # commission paid to agencies
    agency_adjustments: Decimal = ZERO  # + given to agencies, − taken back
    house_adjustments: Decimal = ZERO  # corrections posted to the house's revenue
    # From the call records (billing.CallCharge, settled in the month):
    recorded_charges: Decimal = ZERO
    recorded_commissions: Decimal = ZERO
    recorded_house: Decimal = ZERO
    settled_calls: int = 0

    @property
    def margin(self) -> Decimal:
        """What the office kept: charges less refunds, commissions and their corrections,
        plus corrections to its own revenue."""
        return (
            self.client_charges
            - self.client_adjustments
            - self.commissions
            - self.agency_adjustments
            + self.house_adjustments
        )

    @property
    def house_account_movement(self) -> Decimal:
        """The house revenue account's entries in the month (what ledger_check sums)."""
        return self.client_charges - self.commissions + self.house_adjustments

    @property
    def charges_difference(self) -> Decimal:
        return self.client_charges - self.recorded_charges

    @property
    def commissions_difference(self) -> Decimal:
        return self.commissions - self.recorded_commissions

    @property
    def reconciles(self) -> bool:
        return (
            not self.charges_difference
            and not self.commissions_difference
            and self.recorded_charges == self.recorded_commissions + self.recorded_house
        )


@dataclass
class MoneyReport:
    months: list[MoneyMonth]
    by_service: list[
        tuple[str, int, Decimal, Decimal, Decimal]
    ]  # kind, calls, charge, comm., house

    @property
    def reconciles(self) -> bool:
        return all(month.reconciles for month in self.months)

    def total(self, name: str) -> Decimal:
        return sum((getattr(month, name) for month in self.months), ZERO)


def money_by_month(period: Period) -> MoneyReport:
    """Charges, refunds and adjustments, commissions and the margin per local month,
    with the call records beside the ledger (four queries).

    The ledger is read as `ledger_check` reads it: sums of entries by account
    and kind. The house revenue account carries a charge's credit and a
    commission's debit, so one index range on it gives charges and commissions;
    manual adjustments are read from their own account, each classified by the
    kind of account on its other leg.
    """
    months: dict[date, MoneyMonth] = {m: MoneyMonth(m) for m in period.months()}
    in_period = Q(created_at__gte=period.start, created_at__lt=period.end)
    month = TruncMonth("created_at", tzinfo=period.tz)

    house = (
        Entry.objects.filter(in_period, account__kind=AccountKind.HOUSE_REVENUE)
        .order_by()
        .annotate(month=month)
        .values("month")
        .annotate(
            charges=Sum("amount", filter=Q(kind=EntryKind.CHARGE)),
            commissions=Sum("amount", filter=Q(kind=EntryKind.COMMISSION)),
            adjustments=Sum("amount", filter=Q(kind=EntryKind.ADJUSTMENT)),
        )
    )
    for row in house:
        target = months[row["month"].date()]
        target.client_charges = cents(row["charges"])
        target.commissions = -cents(row["commissions"])
        target.house_adjustments = cents(row["adjustments"])

    other_leg = (
        Entry.objects.filter(transfer=OuterRef("transfer"))
        .exclude(account__kind=AccountKind.ADJUSTMENTS)
        .values("account__kind")[:1]
    )
    adjustments = (
        Entry.objects.filter(
            in_period, kind=EntryKind.ADJUSTMENT, account__kind=AccountKind.ADJUSTMENTS
        )
        .order_by()
        .annotate(month=month, other=Subquery(other_leg))
        .values("month")
        .annotate(
            # The adjustments account is the mirror: −amount is what the other side got.
            clients=Sum("amount", filter=Q(other__in=CLIENT_ACCOUNTS)),
            agencies=Sum("amount", filter=Q(other=AccountKind.AGENCY_COMMISSION)),
        )
    )
    for row in adjustments:
        target = months[row["month"].date()]
        target.client_adjustments = -cents(row["clients"])
        target.agency_adjustments = -cents(row["agencies"])

    settled = CallCharge.objects.filter(
        status=ChargeStatus.SETTLED, closed_at__gte=period.start, closed_at__lt=period.end
    ).order_by()
    records = (
        settled.annotate(month=TruncMonth("closed_at", tzinfo=period.tz))
        .values("month")
        .annotate(
            charges=Sum("client_charge"),
            commissions=Sum("agent_commission"),
            house=Sum("house_revenue"),
            calls=Count("pk"),
        )
    )
    for row in records:
        target = months[row["month"].date()]
        target.recorded_charges = cents(row["charges"])
        target.recorded_commissions = cents(row["commissions"])
        target.recorded_house = cents(row["house"])
        target.settled_calls = row["calls"]

    by_service = [
        (row["kind"], row["calls"], cents(row["c"]), cents(row["a"]), cents(row["h"]))
        for row in settled.values("kind")
        .annotate(
            calls=Count("pk"),
            c=Sum("client_charge"),
            a=Sum("agent_commission"),
            h=Sum("house_revenue"),
        )
        .order_by("kind")
    ]
    return MoneyReport(list(months.values()), by_service)


# --- interpreters ----------------------------------------------------------------

# Sessions that held the interpreter's time: booked, whatever became of the call.
BOOKED_STATUSES = [*BLOCKING_STATUSES, SessionStatus.MISSED]


@dataclass
class InterpreterRow:
    interpreter_id: int
    name: str
    sessions: int
    booked_hours: Decimal
    talk_hours: Decimal
    working_hours: Decimal

    @property
    def utilisation(self) -> Decimal | None:
        return share(self.booked_hours, self.working_hours)


@dataclass
class LanguageDemand:
    language: str  # "" is a call without interpretation
    calls: int
    no_interpreter: int  # calls whose search found nobody who speaks it
    all_busy: int  # calls whose search found everyone who speaks it busy


@dataclass
class InterpretersReport:
    rows: list[InterpreterRow]
    demand: list[LanguageDemand] = field(default_factory=list)


def working_seconds(zone: str, hours, extra, off, period: Period) -> int:
    """An interpreter's working time inside the period, as the slot finder reads it."""
    lo, hi = to_epoch(period.start), to_epoch(period.end)
    try:
        working = subtract(
            merge(
                window_intervals(zone, parse_windows(hours or []), lo, hi)
                + window_intervals(zone, parse_windows(extra or []), lo, hi)
            ),
            window_intervals(zone, parse_windows(off or []), lo, hi),
        )
    except (ValueError, TypeError):
        return 0  # stored windows were checked when written; one broken row shows as none
    return sum(end - start for start, end in working)


def interpreters(period: Period) -> InterpretersReport:
    """Booked hours against working hours per interpreter, and the languages asked
    for when nobody was free (three queries; working hours are computed per
    interpreter from their weekly windows, not per session)."""
    booked = (
        Session.objects.filter(
            starts_at__gte=period.start, starts_at__lt=period.end, status__in=BOOKED_STATUSES
        )
        .order_by()
        .values("interpreter_id")
        .annotate(
            sessions=Count("pk"),
            booked=Sum(
                ExpressionWrapper(F("planned_end") - F("starts_at"), output_field=DurationField())
            ),
            talk=Sum("talk_seconds"),
        )
    )
    by_interpreter = {row["interpreter_id"]: row for row in booked}
    # The active interpreters through the role's index, then anyone else who was
    # booked (someone since deactivated or moved to another role): one query
    # with "role or one of these ids" reads every user instead.
    columns = ("pk", "first_name", "last_name", "username", "time_zone")
    people = list(User.objects.filter(role=Role.INTERPRETER, is_active=True).values_list(*columns))
    others = set(by_interpreter) - {row[0] for row in people}
    if others:
        people += User.objects.filter(pk__in=others).values_list(*columns)
    people.sort(key=lambda row: (row[2], row[1], row[0]))  # by last name, first name
    working = {
        row[0]: row[1:]
        for row in WorkingTime.objects.values_list("interpreter_id", "hours", "extra", "off")
    }
    rows = []
    # Interpreters with the same zone and windows work the same hours: computed once.
    computed: dict[str, int] = {}
    for pk, first, last, username, zone in people:
        found = by_interpreter.get(pk, {})
        hours, extra, off = working.get(pk, ([], [], []))
        key = json.dumps([zone, hours, extra, off], sort_keys=True)
        if key not in computed:
            computed[key] = working_seconds(zone, hours, extra, off, period)
        rows.append(
            InterpreterRow(
                interpreter_id=pk,
                name=f"{first} {last}".strip() or username,
                sessions=found.get("sessions", 0),
                booked_hours=_hours(found.get("booked")) or ZERO,
                talk_hours=(Decimal(found.get("talk") or 0) / 3600).quantize(CENT),
                working_hours=(Decimal(computed[key]) / 3600).quantize(CENT),
            )
        )
    return InterpretersReport(rows, unmet_demand(period))


def unmet_demand(period: Period) -> list[LanguageDemand]:
    """Languages of calls whose slot search first found no interpreter in the period."""
    rows = (
        UnmetSearch.objects.filter(first_at__gte=period.start, first_at__lt=period.end)
        .order_by()
        .values("language")
        .annotate(
            calls=Count("call_id", distinct=True),
            no_interpreter=Count(
                "call_id", distinct=True, filter=Q(reason="no_interpreter_for_languages")
            ),
            all_busy=Count("call_id", distinct=True, filter=Q(reason="interpreters_busy")),
        )
        .order_by("-calls", "language")
    )
    return [
        LanguageDemand(row["language"], row["calls"], row["no_interpreter"], row["all_busy"])
        for row in rows
    ]


# --- agencies --------------------------------------------------------------------

WORST_SHOWN = 10


@dataclass
class AgencyRow:
    agency_id: int
    name: str
    requests: int = 0
    confirmed: int = 0
    declined: int = 0
    ended: int = 0  # calls with an outcome
    member_unreachable: int = 0
    member_cancelled: int = 0
    confirm_hours: Decimal | None = None  # average, request to the agent's answer
    disputes: int = 0
    commission: Decimal = ZERO  # ledger: commission and its corrections, in the period
    worst: bool = False

    @property
    def decline_rate(self) -> Decimal | None:
        return share(self.declined, self.confirmed + self.declined)

    @property
    def unreachable_rate(self) -> Decimal | None:
        return share(self.member_unreachable, self.ended)

    @property
    def member_cancelled_rate(self) -> Decimal | None:
        return share(self.member_cancelled, self.confirmed)

    @property
    def problems(self) -> int:
        """Requests that went wrong on the agency's side."""
        return self.declined + self.member_unreachable + self.member_cancelled

    @property
    def problem_share(self) -> Decimal | None:
        return share(self.problems, self.requests)


def agency_rows(period: Period, *, agency_id: int | None = None) -> list[AgencyRow]:
    """Per agency: requests, answers, outcomes, disputes and commission (four queries:
    the agencies, the period's calls with their answers, disputes, commission).

    Worst ten: the agencies with the highest share of requests that went wrong
    on their side (declined, member unreachable, member cancelled), most
    requests first among equals; only agencies with a problem are marked.
    """
    agencies = Agency.objects.order_by("name")
    # The calls requested in the period, each with the agent's answer (the time
    # of its awaiting → confirmed edge, on the call: Call.confirmed_at, as "time
    # to a call" reads it): the period's calls are read once, from the reports'
    # cohort index (reports.0003), for every figure of the row.
    calls = Call.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    # Disputes through the call's reverse relation: duty (a door) is not imported here.
    disputes = Call.objects.filter(
        disputes__raised_at__gte=period.start, disputes__raised_at__lt=period.end
    )
    # The agencies' accounts by id (a few hundred): each is one range of the
    # (account, created_at) index, where a join on the kind reads every entry.
    agency_accounts = Account.objects.filter(kind=AccountKind.AGENCY_COMMISSION)
    entries = Entry.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    if agency_id is not None:
        agencies = agencies.filter(pk=agency_id)
        calls = calls.filter(member__agency_id=agency_id)
        disputes = disputes.filter(member__agency_id=agency_id)
        agency_accounts = agency_accounts.filter(agency_id=agency_id)
    rows = {pk: AgencyRow(pk, name) for pk, name in agencies.values_list("pk", "name")}
    confirm_time = ExpressionWrapper(
        F("confirmed_at") - F("created_at"), output_field=DurationField()
    )
    for row in (
        calls.order_by()
        .values("member__agency_id")
        .annotate(
            requests=Count("pk"),
            confirmed=Count("confirmed_at"),
            wait=Avg(confirm_time),
            declined=Count("pk", filter=Q(state=CallState.DECLINED)),
            ended=Count("pk", filter=~Q(outcome="")),
            unreachable=Count("pk", filter=Q(outcome=Outcome.MEMBER_UNREACHABLE)),
            withdrawn=Count("pk", filter=Q(outcome=Outcome.MEMBER_CANCELLED)),
        )
    ):
        target = rows[row["member__agency_id"]]
        target.requests = row["requests"]
        target.confirmed = row["confirmed"]
        target.confirm_hours = _hours(row["wait"])
        target.declined = row["declined"]
        target.ended = row["ended"]
        target.member_unreachable = row["unreachable"]
        target.member_cancelled = row["withdrawn"]
    for pk, count in (
        disputes.order_by()
        .values("member__agency_id")
        .annotate(n=Count("disputes"))
        .values_list("member__agency_id", "n")
    ):
        rows[pk].disputes = count
    agency_of = dict(agency_accounts.values_list("pk", "agency_id"))
    for account_id, total in (
        entries.filter(account_id__in=list(agency_of))
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    ):
        rows[agency_of[account_id]].commission = cents(total)
    result = list(rows.values())
    ranked = sorted(
        (row for row in result if row.problems),
        key=lambda row: (-row.problem_share, -row.requests, row.name),
    )
    for row in ranked[:WORST_SHOWN]:
        row.worst = True
    return result


@dataclass
class AgencyMonth:
    month: date
    commission: Decimal
    corrections: Decimal
    calls: int  # settled calls with a commission in the month


def agency_commission_by_month(period: Period, agency_id: int) -> list[AgencyMonth]:
    """The agency's commission per local month from its ledger account (one query)."""
    months = {m: AgencyMonth(m, ZERO, ZERO, 0) for m in period.months()}
    for row in (
        Entry.objects.filter(
            account__kind=AccountKind.AGENCY_COMMISSION,
            account__agency_id=agency_id,
            created_at__gte=period.start,
            created_at__lt=period.end,
        )
        .order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=period.tz))
        .values("month")
        .annotate(
            commission=Sum("amount", filter=Q(kind=EntryKind.COMMISSION)),
            corrections=Sum("amount", filter=Q(kind=EntryKind.ADJUSTMENT)),
            calls=Count("pk", filter=Q(kind=EntryKind.COMMISSION)),
        )
    ):
        target = months[row["month"].date()]
        target.commission = cents(row["commission"])
        target.corrections = cents(row["corrections"])
        target.calls = row["calls"]
    return list(months.values())


# --- time to a call --------------------------------------------------------------


@dataclass
class Stage:
    name: str  # confirmed, scheduled, held
    calls: int
    average_hours: Decimal | None
    median_hours: Decimal | None  # None where the database has no median


@dataclass
class TimeToCall:
    requested: int
    stages: list[Stage]
    picked_by_client: int
    picked_by_operator: int


# Each stage is one edge of the workflow, taken at most once per call (calls.workflow:
# awaiting_agent, confirmed and in_progress are each entered from one state only);
# the workflow writes its time on the call (calls.models.STAGE_TIMES).
STAGE_FROM_TO = {
    "confirmed": (CallState.AWAITING_AGENT, CallState.CONFIRMED),
    "scheduled": (CallState.CONFIRMED, CallState.SCHEDULED),
    "held": (CallState.SCHEDULED, CallState.IN_PROGRESS),
}
STAGE_FIELDS = {name: STAGE_TIMES[edge] for name, edge in STAGE_FROM_TO.items()}


def time_to_call(period: Period) -> TimeToCall:
    """From request to confirmed, scheduled and held, for calls requested in the
    period; who picked the time (the actor of the confirmed → scheduled edge:
    the client who picked a proposal, or an operator). One query over the
    period's calls: the stage times are on the call (Call.confirmed_at,
    scheduled_at, held_at, picked_by_client; written by the workflow with the
    audit row of the same edge), read from the reports' cohort index. Joining
    each call to its audit rows instead cost 1-3.5 s for a quarter at a million
    calls (the whole audit hashed)."""
    calls = Call.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    aggregates = {"requested": Count("pk")}
    for name, column in STAGE_FIELDS.items():
        # A call that has not reached the stage has no time for it (NULL): counts,
        # averages and medians leave it out.
        since_request = ExpressionWrapper(F(column) - F("created_at"), output_field=DurationField())
        aggregates[f"{name}_n"] = Count(column)
        aggregates[f"{name}_avg"] = Avg(since_request)
        if _has_median():
            aggregates[f"{name}_median"] = Median(since_request, output_field=DurationField())
    aggregates["by_client"] = Count("pk", filter=Q(picked_by_client=True))
    aggregates["by_operator"] = Count("pk", filter=Q(picked_by_client=False))
    found = calls.order_by().aggregate(**aggregates)
    stages = [
        Stage(
            name,
            found[f"{name}_n"],
            _hours(found[f"{name}_avg"]),
            _hours(found.get(f"{name}_median")),
        )
        for name in STAGE_FROM_TO
    ]
    return TimeToCall(found["requested"], stages, found["by_client"], found["by_operator"])
