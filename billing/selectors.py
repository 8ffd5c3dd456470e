"""Reads of balances, entries, quotes and what calls cost; and the ledger's self-check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import DecimalField, IntegerField, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from common.sql import sql_names

from .models import (
    MONEY,
    Account,
    AccountKind,
    CallCharge,
    ChargeStatus,
    Entry,
    EntryKind,
    Outcome,
)
from .pricing import CENT, Price, hold_amount, policy_in_force, price_outcome, tariff_in_force

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(**MONEY)


def _balance(**account_filter) -> Decimal:
    account = Account.objects.filter(**account_filter).only("balance").first()
    return account.balance if account is not None else ZERO


def client_balance(client) -> Decimal:
    """Credit the client can use now (held credit not included)."""
    return _balance(kind=AccountKind.CLIENT_CREDIT, user=client)


def client_held(client) -> Decimal:
    """Credit held for the client's booked calls."""
    return _balance(kind=AccountKind.CLIENT_HELD, user=client)


def client_balances(client) -> tuple[Decimal, Decimal]:
    """The client's usable and held credit, in one query."""
    found = dict(
        Account.objects.filter(
            user=client, kind__in=[AccountKind.CLIENT_CREDIT, AccountKind.CLIENT_HELD]
        ).values_list("kind", "balance")
    )
    return found.get(AccountKind.CLIENT_CREDIT, ZERO), found.get(AccountKind.CLIENT_HELD, ZERO)


def call_money_annotations(call_key: str) -> dict[str, RawSQL]:
    """What a call holds and cost, as annotations of a query of calls whose
    key is the SQL expression `call_key` (the outer table's quoted key column):
    `held` (credit held while the call is open), `charge` and `billed_minutes`
    (once it is settled); None where there is none. `call_holds` and
    `call_charges` read the same by key.

    Plain SQL with names from `_meta` (`RawSQL`, a public expression): as
    three `Subquery`s, compiling them cost the call list API more than
    PostgreSQL took to answer them."""
    table, column = sql_names(CallCharge)

    def one(field: str, status: str, output_field) -> RawSQL:
        sql = (
            f"SELECT {column(field)} FROM {table}"  # noqa: S608 - names from _meta
            f" WHERE {column('call_id')} = {call_key} AND {column('status')} = %s"
        )
        return RawSQL(sql, [status], output_field=output_field)  # noqa: S611 - names from _meta

    return {
        "held": one("held", ChargeStatus.HELD, MONEY_FIELD),
        "charge": one("client_charge", ChargeStatus.SETTLED, MONEY_FIELD),
        "billed_minutes": one("billed_minutes", ChargeStatus.SETTLED, IntegerField()),
    }


def call_money_sql(call_key: str) -> tuple[str, str, list]:
    """`call_money_annotations` as plain SQL, for a statement over calls whose
    key is the SQL expression `call_key`: `(columns, join, params)`, the
    columns `held`, `charge` and `billed_minutes` read through one LEFT JOIN
    on the call's charge (one a call at most). Values come back as the
    database gives them (`as_money` reads a column of them)."""
    table, column = sql_names(CallCharge)
    status = f"money.{column('status')}"
    columns = (
        f"CASE WHEN {status} = %s THEN money.{column('held')} END AS held, "
        f"CASE WHEN {status} = %s THEN money.{column('client_charge')} END AS charge, "
        f"CASE WHEN {status} = %s THEN money.{column('billed_minutes')} END AS billed_minutes"
    )
    join = f"LEFT JOIN {table} money ON money.{column('call_id')} = {call_key}"
    return columns, join, [ChargeStatus.HELD, ChargeStatus.SETTLED, ChargeStatus.SETTLED]


def client_balance_sql(client) -> tuple[str, list]:
    """`client_balances` as two plain-SQL select-list items, `balance` and
    `held_credit` (NULL before the account exists): `(columns, params)`."""
    table, column = sql_names(Account)
    one = (
        f"(SELECT {column('balance')} FROM {table}"  # noqa: S608 - names from _meta
        f" WHERE {column('user')} = %s AND {column('kind')} = %s)"
    )
    columns = f"{one} AS balance, {one} AS held_credit"
    return columns, [client.pk, AccountKind.CLIENT_CREDIT, client.pk, AccountKind.CLIENT_HELD]


def as_money(value) -> Decimal | None:
    """A money column of plain SQL as a Decimal in cents: PostgreSQL gives a
    Decimal already, SQLite a number."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(CENT)


def client_entries(client) -> QuerySet[Entry]:
    """Movements of the client's usable credit, newest first.

    Each has `kind`, `amount` (signed), `call_id`, `reason`, `created_at`.
    """
    return Entry.objects.filter(
        account__kind=AccountKind.CLIENT_CREDIT, account__user=client
    ).order_by("-created_at", "-id")


def call_charges(call_ids: Iterable[int]) -> dict[int, Price]:
    """What each completed (settled) call cost, by call id; others are left out."""
    rows = CallCharge.objects.filter(
        call_id__in=list(call_ids), status=ChargeStatus.SETTLED
    ).values_list("call_id", "billed_minutes", "client_charge", "agent_commission", "house_revenue")
    return {
        call_id: Price(
            billed_minutes=minutes,
            client_charge=charge,
            agent_commission=commission,
            house_revenue=house,
        )
        for call_id, minutes, charge, commission, house in rows
    }


def client_call_adjustments(call_id: int, client) -> Decimal:
    """What adjustments (a dispute's refund, say) gave back to the client for
    this call: positive is credit returned."""
    total = Entry.objects.filter(
        call_id=call_id,
        kind=EntryKind.ADJUSTMENT,
        account__kind=AccountKind.CLIENT_CREDIT,
        account__user=client,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def call_holds(call_ids: Iterable[int]) -> dict[int, Decimal]:
    """Credit still held for each open call, by call id."""
    return dict(
        CallCharge.objects.filter(call_id__in=list(call_ids), status=ChargeStatus.HELD).values_list(
            "call_id", "held"
        )
    )


def outcome_price(call_id: int, outcome: str) -> Price | None:
    """What the open call would cost if it ended with `outcome` now (its booked
    terms), e.g. to warn a client that cancelling now is a late cancellation."""
    charge = CallCharge.objects.filter(call_id=call_id, status=ChargeStatus.HELD).first()
    if charge is None:
        return None
    return price_outcome(
        kind=charge.kind,
        outcome=outcome,
        seconds=0,
        tariff=charge.tariff,
        rule=charge.rule,
        policy=policy_in_force(charge.kind, outcome, charge.held_at),
    )


@dataclass(frozen=True)
class Quote:
    kind: str
    planned_minutes: int
    hold_amount: Decimal
    price_per_minute: Decimal
    minimum_minutes: int


def booking_quote(*, kind: str, planned_minutes: int) -> Quote:
    """What booking would hold now, and the price per minute (for the booking form)."""
    tariff = tariff_in_force(kind)
    return Quote(
        kind=kind,
        planned_minutes=int(planned_minutes),
        hold_amount=hold_amount(kind=kind, planned_minutes=int(planned_minutes), tariff=tariff),
        price_per_minute=tariff.price_per_minute.quantize(CENT),
        minimum_minutes=tariff.minimum_minutes,
    )


class BookingPreview:
    """What booking a call would hold and leave the client, before it is booked
    (the client's order page and the office's booking screen alike)."""

    def __init__(self, quote: Quote, balance: Decimal | None):
        self.quote = quote
        self.balance = balance  # the client's free credit; None while no client is chosen

    @property
    def after(self) -> Decimal | None:
        return None if self.balance is None else self.balance - self.quote.hold_amount

    @property
    def enough(self) -> bool:
        return self.after is None or self.after >= 0

    @property
    def short(self) -> Decimal:
        """Credit missing for the hold (0 when the balance covers it)."""
        return ZERO if self.enough else -self.after

    # What a call that does not take place costs when the client is to blame:
    # nothing for phone calls, the prepaid minimum for video (SPEC "Who pays").
    # Read when shown (the client's page), not for every preview.
    @cached_property
    def no_show_fee(self) -> Decimal:
        return self._fee(Outcome.CLIENT_NO_SHOW)

    @cached_property
    def late_cancel_fee(self) -> Decimal:
        return self._fee(Outcome.LATE_CANCEL)

    def _fee(self, outcome: str) -> Decimal:
        return price_outcome(kind=self.quote.kind, outcome=outcome, seconds=0).client_charge


def booking_preview(*, kind: str, planned_minutes: int, client=None) -> BookingPreview:
    """The booking's quote with the client's free credit before and after the hold."""
    quote = booking_quote(kind=kind, planned_minutes=planned_minutes)
    return BookingPreview(quote, client_balance(client) if client is not None else None)


def agency_commission_total(agency_id: int) -> Decimal:
    """Commission the agency has earned (with any corrections), all time."""
    return _balance(kind=AccountKind.AGENCY_COMMISSION, agency_id=agency_id)


@dataclass(frozen=True)
class LedgerProblem:
    what: str
    detail: str


def ledger_problems() -> list[LedgerProblem]:
    """Everything that would mean a lost or doubled credit; empty when the ledger is sound.

    Every cached balance equals the sum of its entries; every transfer and
    every kind of entry sums to zero; a held account holds exactly the open
    calls' holds; a settled call's charge is its commission plus revenue.
    Sums are compared in Python: SQLite adds decimals as floats.
    """
    problems = []
    totals = Account.objects.annotate(
        total=Coalesce(Sum("entries__amount"), ZERO, output_field=MONEY_FIELD)
    )
    for account in totals:
        if account.balance != _cents(account.total):
            problems.append(
                LedgerProblem(
                    "balance",
                    f"account {account.pk}: cached {account.balance}, entries {account.total}",
                )
            )
    for transfer, total in Entry.objects.values_list("transfer").annotate(total=Sum("amount")):
        if _cents(total) != 0:
            problems.append(LedgerProblem("transfer", f"transfer {transfer} sums to {total}"))
    for kind, total in Entry.objects.values_list("kind").annotate(total=Sum("amount")):
        if _cents(total) != 0:
            problems.append(LedgerProblem("kind", f"{kind} entries sum to {total}"))
    open_holds: dict[int, Decimal] = {}
    for client_id, held in CallCharge.objects.filter(status=ChargeStatus.HELD).values_list(
        "client_id", "held"
    ):
        open_holds[client_id] = open_holds.get(client_id, ZERO) + held
    for account in Account.objects.filter(kind=AccountKind.CLIENT_HELD):
        expected = open_holds.get(account.user_id, ZERO)
        if account.balance != expected:
            problems.append(
                LedgerProblem(
                    "held", f"account {account.pk}: holds {account.balance}, open calls {expected}"
                )
            )
    for charge in CallCharge.objects.filter(status=ChargeStatus.SETTLED):
        if charge.client_charge != charge.agent_commission + charge.house_revenue:
            problems.append(LedgerProblem("split", f"call {charge.call_id} does not split exactly"))
    return problems


def _cents(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)
