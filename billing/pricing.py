"""What a call costs: SPEC "Services and tariffs", as one function.

`price_call` turns a service and a talk time into billed minutes, the client's
charge, the agent's commission and the house's revenue. Billed minutes are the
started minutes of the conversation (at least the tariff's minimum). Amounts
are Decimal with two places and are never rounded: a tariff or rule that would
need rounding raises PricingError, so client charge = commission + house
revenue to the cent, always.

Tariffs and rules are effective-dated rows; when none is given, the one in
force now (or at `at`) is used. A booked call keeps the rows that priced it
(`billing.models.CallCharge`), so a later tariff does not reprice it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError

from .models import ChargeBasis, CommissionRule, Kind, Outcome, OutcomePolicy, Tariff

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class PricingError(DomainError):
    """A tariff or rule that would need rounding, or none in force: a setup mistake."""

    status_code = 500


@dataclass(frozen=True)
class Price:
    billed_minutes: int
    client_charge: Decimal
    agent_commission: Decimal
    house_revenue: Decimal

    def as_dict(self) -> dict:
        return {
            "billed_minutes": self.billed_minutes,
            "client_charge": f"{self.client_charge:.2f}",
            "agent_commission": f"{self.agent_commission:.2f}",
            "house_revenue": f"{self.house_revenue:.2f}",
        }


def exact(amount: Decimal, what: str) -> Decimal:
    """`amount` at two places, or PricingError if that would change it."""
    cents = amount.quantize(CENT)
    if cents != amount:
        raise PricingError(
            "pricing_not_exact",
            _("The %(what)s %(amount)s is not a whole number of cents; check the tariff.")
            % {"what": what, "amount": amount},
        )
    return cents


def check_kind(kind: str) -> str:
    if kind not in Kind.values:
        raise DomainError(
            "bad_kind",
            _("Unknown kind of call “%(kind)s”; use one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(Kind.values)},
            field="kind",
        )
    return kind


def check_seconds(seconds) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
        raise DomainError(
            "bad_talk_time",
            _("Talk time must be a whole number of seconds, 0 or more."),
            field="seconds",
        )
    return seconds


def _in_force(model, kind: str, at: datetime | None, code: str, message: str):
    terms = model.in_force(check_kind(kind), at or timezone.now())
    if terms is None:
        raise PricingError(code, message % {"kind": Kind(kind).label})
    return terms


def tariff_in_force(kind: str, at: datetime | None = None) -> Tariff:
    return _in_force(Tariff, kind, at, "no_tariff", _("No tariff is in force for %(kind)s."))


def rule_in_force(kind: str, at: datetime | None = None) -> CommissionRule:
    return _in_force(
        CommissionRule,
        kind,
        at,
        "no_commission_rule",
        _("No commission rule is in force for %(kind)s."),
    )


def check_outcome(outcome: str) -> str:
    if outcome not in Outcome.values:
        raise DomainError(
            "bad_outcome",
            _("Unknown outcome “%(outcome)s”; use one of: %(outcomes)s.")
            % {"outcome": outcome, "outcomes": ", ".join(Outcome.values)},
            field="outcome",
        )
    return outcome


def policy_in_force(kind: str, outcome: str, at: datetime | None = None) -> OutcomePolicy:
    check_outcome(outcome)
    policy = OutcomePolicy.in_force(check_kind(kind), at or timezone.now(), outcome=outcome)
    if policy is None:
        raise _no_policy(kind, outcome)
    return policy


def policies_in_force(wanted: list[tuple[str, str, datetime]]) -> list[OutcomePolicy]:
    """`policy_in_force` for each (kind, outcome, at), with one query: the
    latest policy of that kind and outcome effective at `at`."""
    if not wanted:
        return []
    for kind, outcome, _at in wanted:
        check_kind(kind)
        check_outcome(outcome)
    candidates = list(
        OutcomePolicy.objects.filter(
            kind__in={kind for kind, _o, _a in wanted},
            outcome__in={outcome for _k, outcome, _a in wanted},
            effective_from__lte=max(at for _k, _o, at in wanted),
        ).order_by("-effective_from")
    )
    found = []
    for kind, outcome, at in wanted:
        policy = next(
            (
                p
                for p in candidates
                if p.kind == kind and p.outcome == outcome and p.effective_from <= at
            ),
            None,
        )
        if policy is None:
            raise _no_policy(kind, outcome)
        found.append(policy)
    return found


def _no_policy(kind: str, outcome: str) -> PricingError:
    return PricingError(
        "no_policy",
        _("No who-pays policy is in force for %(kind)s, outcome “%(outcome)s”.")
        % {"kind": Kind(kind).label, "outcome": Outcome(outcome).label},
    )


def price_outcome(
    *,
    kind: str,
    outcome: str,
    seconds: int,
    tariff=None,
    rule=None,
    policy=None,
    at=None,
) -> Price:
    """What a call of `kind` that ended with `outcome` costs (SPEC "Who pays").

    The policy says how: per minute of talk time (completed), the tariff's
    prepaid minimum with its commission, or fixed amounts (0 for "nothing").
    """
    check_kind(kind)
    check_seconds(seconds)
    policy = policy or policy_in_force(kind, outcome, at)
    if policy.kind != kind or policy.outcome != outcome:
        raise PricingError("pricing_kind_mismatch", _("The policy is for another call."))
    if policy.basis == ChargeBasis.TALK_TIME:
        return price_call(kind=kind, seconds=seconds, tariff=tariff, rule=rule, at=at)
    if policy.basis == ChargeBasis.MINIMUM:
        return price_call(kind=kind, seconds=0, tariff=tariff, rule=rule, at=at)
    charge = exact(Decimal(policy.client_amount), _("client charge"))
    agent = exact(Decimal(policy.agent_amount), _("agent commission"))
    if agent > charge:
        raise PricingError(
            "commission_exceeds_charge",
            _("The agent's commission would exceed what the client pays; check the rule."),
        )
    return Price(
        billed_minutes=0, client_charge=charge, agent_commission=agent, house_revenue=charge - agent
    )


def billed_minutes(*, seconds: int, tariff) -> int:
    """Started minutes of the conversation, at least the tariff's minimum."""
    started = -(-check_seconds(seconds) // 60)
    return max(started, tariff.minimum_minutes)


def client_charge(*, minutes: int, tariff) -> Decimal:
    return exact(Decimal(tariff.price_per_minute) * minutes, _("client charge"))


def commission(*, charge: Decimal, rule) -> Decimal:
    share = exact(charge * Decimal(rule.percent) / HUNDRED, _("agent commission"))
    return max(share, exact(Decimal(rule.minimum_amount), _("minimum commission")))


def price_call(*, kind: str, seconds: int, tariff=None, rule=None, at=None) -> Price:
    """Price a conversation of `seconds` of service `kind` (SPEC worked figures)."""
    check_kind(kind)
    tariff = tariff or tariff_in_force(kind, at)
    rule = rule or rule_in_force(kind, at)
    if tariff.kind != kind or rule.kind != kind:
        raise PricingError("pricing_kind_mismatch", _("The tariff or rule is for another service."))
    minutes = billed_minutes(seconds=seconds, tariff=tariff)
    charge = client_charge(minutes=minutes, tariff=tariff)
    agent = commission(charge=charge, rule=rule)
    if agent > charge:
        raise PricingError(
            "commission_exceeds_charge",
            _("The agent's commission would exceed what the client pays; check the rule."),
        )
    return Price(
        billed_minutes=minutes,
        client_charge=charge,
        agent_commission=agent,
        house_revenue=charge - agent,
    )


def hold_amount(*, kind: str, planned_minutes: int, tariff=None, at=None) -> Decimal:
    """Credits held when a call is booked: its planned cost (video: at least the minimum)."""
    tariff = tariff or tariff_in_force(kind, at)
    return client_charge(
        minutes=billed_minutes(seconds=planned_minutes * 60, tariff=tariff), tariff=tariff
    )


def check_terms(*, tariff, rule) -> None:
    """Refuse a tariff and rule that together could ever need rounding or overpay the agent.

    A charge is whole minutes times the price, so it is exact for every call if
    the price has two places; the commission is exact for every call if one
    minute's commission is. The minimum commission must fit in the smallest charge.
    """
    exact(Decimal(tariff.price_per_minute), _("price per minute"))
    exact(
        Decimal(tariff.price_per_minute) * Decimal(rule.percent) / HUNDRED,
        _("commission per minute"),
    )
    exact(Decimal(rule.minimum_amount), _("minimum commission"))
    smallest = Decimal(tariff.price_per_minute) * tariff.minimum_minutes
    if Decimal(rule.minimum_amount) > smallest:
        raise PricingError(
            "commission_exceeds_charge",
            _(
                "The minimum commission (%(commission)s) is more than the smallest charge "
                "(%(charge)s)."
            )
            % {"commission": rule.minimum_amount, "charge": smallest.quantize(CENT)},
        )
