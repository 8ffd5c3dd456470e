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
from datetime import datetime
from decimal import Decimal

from django.db import transaction
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
    policy_in_force,
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
    legs = [(account, amount) for account, amount in legs if amount]
    if sum(amount for _account, amount in legs) != 0:
        raise ValueError("A transfer must balance.")
    if not legs:
        return None
    transfer = uuid.uuid4()
    Entry.objects.bulk_create(
        [
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
            for account, amount in legs
        ]
    )
    for account, amount in legs:
        account.balance += amount
    # Written as values (one UPDATE for all legs), not F() arithmetic: the rows
    # are locked, and SQLite would add decimals as floats.
    Account.objects.bulk_update([account for account, _amount in legs], ["balance"])
    return transfer


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
        [(held, -charge.held), (credit, charge.held)],
        call_id=charge.call_id,
        actor=actor,
        reason="",
        now=now,
    )


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
    now = now or timezone.now()
    check_outcome(outcome)
    with transaction.atomic():
        charge = _locked_charge(call_id)
        if charge is None:
            raise NotFound("not_held", _("No credit was held for this call."))
        if charge.status == ChargeStatus.SETTLED:
            return charge
        if charge.status == ChargeStatus.RELEASED:
            raise Conflict(
                "already_released", _("This call's hold was released; it can't be charged.")
            )
        policy = policy_in_force(charge.kind, outcome, charge.held_at)
        price = price_outcome(
            kind=charge.kind,
            outcome=outcome,
            seconds=talk_seconds,
            tariff=charge.tariff,
            rule=charge.rule,
            policy=policy,
        )
        credit, held = client_accounts(charge.client)
        agency = _account(AccountKind.AGENCY_COMMISSION, agency_id=agency_id)
        house = _account(AccountKind.HOUSE_REVENUE)
        locked = _lock(credit, held, agency, house)
        credit, held = locked[credit.pk], locked[held.pk]
        agency, house = locked[agency.pk], locked[house.pk]
        _release_hold(charge, credit, held, actor=actor, now=now)
        common = {"call_id": call_id, "actor": actor, "reason": "", "now": now}
        _transfer(
            EntryKind.CHARGE,
            [(credit, -price.client_charge), (house, price.client_charge)],
            **common,
        )
        _transfer(
            EntryKind.COMMISSION,
            [(house, -price.agent_commission), (agency, price.agent_commission)],
            **common,
        )
        charge.status = ChargeStatus.SETTLED
        charge.closed_at = now
        charge.outcome = outcome
        charge.policy = policy
        charge.agency_id = agency_id
        charge.talk_seconds = talk_seconds
        charge.billed_minutes = price.billed_minutes
        charge.client_charge = price.client_charge
        charge.agent_commission = price.agent_commission
        charge.house_revenue = price.house_revenue
        charge.overrun = credit.balance < 0
        charge.save()
        if charge.overrun:
            logger.warning(
                "call %s overdrew client account %s to %s", call_id, credit.pk, credit.balance
            )
            # Inside the transaction: the operators' task exists exactly when the charge does.
            client_overdrawn.send(
                sender=CallCharge,
                call_id=call_id,
                client_id=charge.client_id,
                balance=credit.balance,
            )
    return charge


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
