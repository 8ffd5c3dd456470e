"""Writes to the ledger: holds, releases, settlements, top-ups and adjustments.

SPEC "Money: the ledger". Every service is one transaction that locks the
rows it changes in a fixed order (the call's charge record first, then the
accounts by primary key), so concurrent requests queue instead of
overdrawing or deadlocking. Each step of a call happens once: the service
returns early when the step is done, and a unique constraint on
(account, call, kind) refuses a second entry whatever happens above it.

The calls workflow asks billing to hold (booking), release (declined,
cancelled, missed) and settle (completed); billing knows the call only by
its key.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import Conflict, DomainError, NotFound

from .formatting import credits
from .models import (
    Account,
    AccountKind,
    CallCharge,
    ChargeStatus,
    Entry,
    EntryKind,
    Outcome,
)
from .pricing import (
    CENT,
    check_kind,
    check_outcome,
    hold_amount,
    policies_in_force,
    price_outcome,
    rule_in_force,
    tariff_in_force,
)
from .signals import client_overdrawn

logger = logging.getLogger(__name__)

MAX_REASON = 500
ADJUSTABLE_KINDS = (
    AccountKind.CLIENT_CREDIT,
    AccountKind.AGENCY_COMMISSION,
    AccountKind.HOUSE_REVENUE,
)


# --- accounts and transfers (internal) -----------------------------------------


def _account(kind: str, *, user=None, agency_id=None) -> Account:
    account, _created = Account.objects.get_or_create(kind=kind, user=user, agency_id=agency_id)
    return account


def agency_account(agency_id: int) -> Account:
    """The agency's commission account, created on first use."""
    return _account(AccountKind.AGENCY_COMMISSION, agency_id=agency_id)


def client_accounts(client) -> tuple[Account, Account]:
    """The client's credit and held accounts, created on first use."""
    return (
        _account(AccountKind.CLIENT_CREDIT, user=client),
        _account(AccountKind.CLIENT_HELD, user=client),
    )


def _client_accounts_locked(client) -> tuple[Account, Account]:
    """The client's credit and held accounts, locked in primary-key order: one
    query once they exist (the first use creates them, then locks them)."""
    kinds = (AccountKind.CLIENT_CREDIT, AccountKind.CLIENT_HELD)
    for _first_use in (False, True):
        locked = {
            account.kind: account
            for account in Account.objects.select_for_update()
            .filter(user=client, kind__in=kinds)
            .order_by("pk")
        }
        if len(locked) == len(kinds):
            return locked[AccountKind.CLIENT_CREDIT], locked[AccountKind.CLIENT_HELD]
        client_accounts(client)
    raise AssertionError("the client's accounts exist by now")  # pragma: no cover


def _lock(*accounts: Account) -> dict[int, Account]:
    """Lock the accounts in primary-key order; return them fresh, by pk."""
    pks = sorted({a.pk for a in accounts})
    locked = Account.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    return {a.pk: a for a in locked}


def _transfer(
    kind: str,
    legs: list[tuple[Account, Decimal]],
    *,
    call_id: int | None,
    actor,
    reason: str,
    now: datetime,
) -> uuid.UUID | None:
    """Write one balanced movement. The accounts must be locked by the caller."""
    entries = _movement(kind, legs, call_id=call_id, actor=actor, reason=reason, now=now)
    _write(entries)
    return entries[0].transfer if entries else None


def _movement(
    kind: str,
    legs: list[tuple[Account, Decimal]],
    *,
    call_id: int | None,
    actor,
    reason: str,
    now: datetime,
) -> list[Entry]:
    """The entries of one balanced movement, unsaved; the (locked) accounts'
    balances move in memory. `_write` saves them."""
    legs = [(account, amount) for account, amount in legs if amount]
    if sum(amount for _account, amount in legs) != 0:
        raise ValueError("A transfer must balance.")
    transfer = uuid.uuid4()
    entries = []
    for account, amount in legs:
        account.balance += amount
        entries.append(
            Entry(
                transfer=transfer,
                account=account,
                kind=kind,
                amount=amount,
                call_id=call_id,
                actor=actor,
                reason=reason[:MAX_REASON],
                created_at=now,
            )
        )
    return entries


def _write(entries: list[Entry]) -> None:
    """Save movements' entries and their accounts' new balances: one insert, one update."""
    if not entries:
        return
    Entry.objects.bulk_create(entries)
    # Written as values (one UPDATE for all accounts), not F() arithmetic: the
    # rows are locked, and SQLite would add decimals as floats.
    accounts = {entry.account.pk: entry.account for entry in entries}
    Account.objects.bulk_update(list(accounts.values()), ["balance"])


MAX_AMOUNT = Decimal("1000000000")  # fits the ledger's 13 digits with room for sums


def _money(amount, *, field="amount") -> Decimal:
    try:
        value = Decimal(str(amount))
        exact = value.is_finite() and value == value.quantize(CENT) and abs(value) < MAX_AMOUNT
    except ArithmeticError:
        exact = False
    if not exact:
        raise DomainError(
            "bad_amount", _("Give an amount in credits with at most two decimals."), field=field
        )
    return value.quantize(CENT)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "reason_required", _("Say why (the reason is kept in the ledger)."), field="reason"
        )
    if len(reason) > MAX_REASON:
        raise DomainError(
            "reason_too_long",
            _("The reason is too long (at most %(max)d characters).") % {"max": MAX_REASON},
            field="reason",
        )
    return reason


def _require_operator(actor, *, duty_manager_too: bool = False) -> None:
    allowed = getattr(actor, "is_operator", False) or (
        duty_manager_too and getattr(actor, "role", None) == "duty_manager" and actor.is_active
    )
    if not allowed:
        raise DomainError("not_allowed", _("Only operators may change balances by hand."))


# --- a call's money ------------------------------------------------------------


def call_hold(
    *, call_id: int, client, kind: str, planned_minutes: int, actor, now=None
) -> CallCharge:
    """Booking: hold the planned cost on the client's credit, or refuse.

    Prices with the tariff and rule in force now and records them, so a later
    tariff does not reprice the call. Holding the same call again returns the
    first hold.
    """
    now = now or timezone.now()
    check_kind(kind)
    tariff = tariff_in_force(kind, now)
    rule = rule_in_force(kind, now)
    amount = hold_amount(kind=kind, planned_minutes=int(planned_minutes), tariff=tariff)
    with transaction.atomic():
        credit, held = _client_accounts_locked(client)
        existing = CallCharge.objects.filter(call_id=call_id).first()
        if existing is not None:
            return existing
        if credit.balance < amount:
            missing = amount - credit.balance
            raise DomainError(
                "insufficient_credit",
                _(
                    "Not enough credit: this call needs %(needed)s, the available balance is "
                    "%(available)s. %(missing)s more are needed."
                )
                % {
                    "needed": credits(amount),
                    "available": credits(credit.balance),
                    "missing": credits(missing),
                },
            )
        charge = CallCharge.objects.create(
            call_id=call_id,
            client=client,
            kind=kind,
            planned_minutes=int(planned_minutes),
            tariff=tariff,
            rule=rule,
            held=amount,
            held_at=now,
        )
        _transfer(
            EntryKind.HOLD,
            [(credit, -amount), (held, amount)],
            call_id=call_id,
            actor=actor,
            reason="",
            now=now,
        )
    return charge


def _locked_charge(call_id: int) -> CallCharge | None:
    return CallCharge.objects.select_for_update().filter(call_id=call_id).first()


def _release_hold(charge: CallCharge, credit: Account, held: Account, *, actor, now) -> None:
    _transfer(
        EntryKind.RELEASE,
        _hold_back(charge, credit, held),
        call_id=charge.call_id,
        actor=actor,
        reason="",
        now=now,
    )


def _hold_back(charge: CallCharge, credit: Account, held: Account) -> list[tuple[Account, Decimal]]:
    """The legs that give a call's hold back to the client's credit."""
    return [(held, -charge.held), (credit, charge.held)]


def call_release(*, call_id: int, actor, now=None) -> CallCharge | None:
    """Declined, cancelled or missed: give the whole hold back. Doing it twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        charge = _locked_charge(call_id)
        if charge is None or charge.status != ChargeStatus.HELD:
            return charge
        credit, held = _client_accounts_locked(charge.client)
        _release_hold(charge, credit, held, actor=actor, now=now)
        charge.status = ChargeStatus.RELEASED
        charge.closed_at = now
        charge.save(update_fields=["status", "closed_at"])
    return charge


@dataclass(frozen=True)
class Settlement:
    """One call to settle (`calls_settle`): how it ended and its talk time."""

    call_id: int
    agency_id: int
    outcome: str = Outcome.COMPLETED
    talk_seconds: int = 0


def call_settle(
    *,
    call_id: int,
    agency_id: int,
    actor,
    talk_seconds: int = 0,
    outcome: str = Outcome.COMPLETED,
    now=None,
) -> CallCharge:
    """The call ended with `outcome`: release the hold, charge what the policy says,
    credit the agent's commission and the house's revenue.

    Priced with the tariff, rule and who-pays policy in force at booking (the
    policy is then recorded on the charge). An outcome that costs nothing
    writes only the release, and is still settled, so the statement lists it.
    A call longer than planned is charged in full; if that takes the client
    below zero the call is flagged (`overrun`) and operators are told
    (`client_overdrawn`: notifications opens a task to ask for a top-up), never
    capped. Settling a settled call returns the first settlement.
    """
    settlement = Settlement(
        call_id=call_id, agency_id=agency_id, outcome=outcome, talk_seconds=talk_seconds
    )
    return calls_settle(settlements=[settlement], actor=actor, now=now)[0]


def calls_settle(*, settlements: list[Settlement], actor, now=None) -> list[CallCharge]:
    """`call_settle` for many calls (a sweep's batch) in one transaction, with a
    few statements: locks the charges (by call key), then every account
    involved (by id), writes all the entries with one insert and the balances
    with one update. A call that can't be settled (no hold, or released) fails
    the whole batch, as it fails its own settlement."""
    now = now or timezone.now()
    for settlement in settlements:
        check_outcome(settlement.outcome)
    if not settlements:
        return []
    with transaction.atomic():
        charges = {
            charge.call_id: charge
            for charge in CallCharge.objects.select_for_update(of=("self",))
            .select_related("tariff", "rule")
            .filter(call_id__in=[s.call_id for s in settlements])
            .order_by("call_id")
        }
        todo: dict[int, tuple[Settlement, CallCharge]] = {}
        for settlement in settlements:
            charge = charges.get(settlement.call_id)
            if charge is None:
                raise NotFound("not_held", _("No credit was held for this call."))
            if charge.status == ChargeStatus.RELEASED:
                raise Conflict(
                    "already_released", _("This call's hold was released; it can't be charged.")
                )
            if charge.status != ChargeStatus.SETTLED:
                todo.setdefault(settlement.call_id, (settlement, charge))
        if todo:
            _settle(list(todo.values()), actor=actor, now=now)
    return [charges[s.call_id] for s in settlements]


def _settle(todo: list[tuple[Settlement, CallCharge]], *, actor, now) -> None:
    """Price and settle these held charges (locked by the caller)."""
    policies = policies_in_force(
        [(charge.kind, settlement.outcome, charge.held_at) for settlement, charge in todo]
    )
    # Each account once, however many calls it takes part in: found with one
    # query (created on first use), then locked in id order.
    wanted = {
        key
        for settlement, charge in todo
        for key in (
            (AccountKind.CLIENT_CREDIT, charge.client_id, None),
            (AccountKind.CLIENT_HELD, charge.client_id, None),
            (AccountKind.AGENCY_COMMISSION, None, settlement.agency_id),
            (AccountKind.HOUSE_REVENUE, None, None),
        )
    }
    clients = {user_id for _kind, user_id, _agency in wanted if user_id}
    agencies = {agency_id for _kind, _user, agency_id in wanted if agency_id}
    accounts = {
        (account.kind, account.user_id, account.agency_id): account
        for account in Account.objects.filter(
            Q(kind__in=[AccountKind.CLIENT_CREDIT, AccountKind.CLIENT_HELD], user_id__in=clients)
            | Q(kind=AccountKind.AGENCY_COMMISSION, agency_id__in=agencies)
            | Q(kind=AccountKind.HOUSE_REVENUE)
        )
    }
    for key in wanted - accounts.keys():
        kind, user_id, agency_id = key
        accounts[key] = Account.objects.get_or_create(
            kind=kind, user_id=user_id, agency_id=agency_id
        )[0]
    locked = _lock(*(accounts[key] for key in wanted))
    entries: list[Entry] = []
    overdrawn = []
    for (settlement, charge), policy in zip(todo, policies, strict=True):
        price = price_outcome(
            kind=charge.kind,
            outcome=settlement.outcome,
            seconds=settlement.talk_seconds,
            tariff=charge.tariff,
            rule=charge.rule,
            policy=policy,
        )
        credit = locked[accounts[AccountKind.CLIENT_CREDIT, charge.client_id, None].pk]
        held = locked[accounts[AccountKind.CLIENT_HELD, charge.client_id, None].pk]
        agency = locked[accounts[AccountKind.AGENCY_COMMISSION, None, settlement.agency_id].pk]
        house = locked[accounts[AccountKind.HOUSE_REVENUE, None, None].pk]
        common = {"call_id": charge.call_id, "actor": actor, "reason": "", "now": now}
        entries += _movement(EntryKind.RELEASE, _hold_back(charge, credit, held), **common)
        entries += _movement(
            EntryKind.CHARGE,
            [(credit, -price.client_charge), (house, price.client_charge)],
            **common,
        )
        entries += _movement(
            EntryKind.COMMISSION,
            [(house, -price.agent_commission), (agency, price.agent_commission)],
            **common,
        )
        charge.status = ChargeStatus.SETTLED
        charge.closed_at = now
        charge.outcome = settlement.outcome
        charge.policy = policy
        charge.agency_id = settlement.agency_id
        charge.talk_seconds = settlement.talk_seconds
        charge.billed_minutes = price.billed_minutes
        charge.client_charge = price.client_charge
        charge.agent_commission = price.agent_commission
        charge.house_revenue = price.house_revenue
        # The balance after this call's charge, as if the calls were settled one by one.
        charge.overrun = credit.balance < 0
        if charge.overrun:
            overdrawn.append((charge, credit.pk, credit.balance))
    _write(entries)
    CallCharge.objects.bulk_update([charge for _settlement, charge in todo], SETTLED_FIELDS)
    for charge, account_id, balance in overdrawn:
        logger.warning(
            "call %s overdrew client account %s to %s", charge.call_id, account_id, balance
        )
        # Inside the transaction: the operators' task exists exactly when the charge does.
        client_overdrawn.send(
            sender=CallCharge, call_id=charge.call_id, client_id=charge.client_id, balance=balance
        )


SETTLED_FIELDS = [
    "status",
    "closed_at",
    "outcome",
    "policy",
    "agency",
    "talk_seconds",
    "billed_minutes",
    "client_charge",
    "agent_commission",
    "house_revenue",
    "overrun",
]


# --- operators' hand ------------------------------------------------------------


def client_top_up(*, client, amount, reason: str, actor, now=None) -> uuid.UUID:
    """Credits bought by a client, posted by an operator with a reason."""
    now = now or timezone.now()
    _require_operator(actor)
    amount = _money(amount)
    if amount <= 0:
        raise DomainError("bad_amount", _("A top-up must be more than zero."), field="amount")
    reason = _reason(reason)
    if getattr(client, "role", None) != "client":
        raise DomainError("not_a_client", _("Only clients have credit."), field="client")
    with transaction.atomic():
        credit, _held = client_accounts(client)
        bought = _account(AccountKind.TOP_UPS)
        locked = _lock(credit, bought)
        return _transfer(
            EntryKind.TOP_UP,
            [(locked[bought.pk], -amount), (locked[credit.pk], amount)],
            call_id=None,
            actor=actor,
            reason=reason,
            now=now,
        )


def adjustment_post(
    *,
    amount,
    reason: str,
    actor,
    account: Account | None = None,
    client=None,
    call_id: int | None = None,
    now=None,
) -> uuid.UUID:
    """A manual correction of a client's credit, an agency's commission or the house's revenue.

    Positive adds, negative takes away; the other side is the adjustments
    account, so the ledger still balances. A correction may not take a
    client's credit below zero.
    """
    now = now or timezone.now()
    # The duty manager settles disputes with adjustments (SPEC "outcomes").
    _require_operator(actor, duty_manager_too=True)
    amount = _money(amount)
    if amount == 0:
        raise DomainError("bad_amount", _("An adjustment can't be zero."), field="amount")
    reason = _reason(reason)
    if (account is None) == (client is None):
        raise DomainError("no_account", _("Choose one account or one client."), field="account")
    with transaction.atomic():
        if client is not None:
            account, _held = client_accounts(client)
        if account.kind not in ADJUSTABLE_KINDS:
            raise DomainError(
                "not_adjustable", _("This account can't be adjusted by hand."), field="account"
            )
        other = _account(AccountKind.ADJUSTMENTS)
        locked = _lock(account, other)
        target = locked[account.pk]
        if target.kind == AccountKind.CLIENT_CREDIT and target.balance + amount < 0:
            raise DomainError(
                "would_overdraw",
                _("This would take the balance below zero (it is %(balance)s).")
                % {"balance": credits(target.balance)},
                field="amount",
            )
        return _transfer(
            EntryKind.ADJUSTMENT,
            [(target, amount), (locked[other.pk], -amount)],
            call_id=call_id,
            actor=actor,
            reason=reason,
            now=now,
        )
