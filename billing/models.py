"""Tariffs, commission rules, the credit ledger and billing's record of each call.

SPEC "Services and tariffs" and "Money: the ledger". Billing knows a call only
by its key (`call_id`, the calls.Call primary key); everything else it needs is
passed in by the workflow.

The ledger is double-entry: one movement of credits (a *transfer*) is two or
more `Entry` rows that share a transfer id and sum to zero, each on one
`Account`. Entries are never changed or deleted; a mistake is corrected by an
adjustment. `Account.balance` is a cache of the sum of its entries, written
only by `billing.services` under a row lock; `python manage.py ledger_check`
proves it equal to the sum.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.dates import format_date
from common.errors import DomainError
from common.models import AppendOnly

MONEY = {"max_digits": 13, "decimal_places": 2}


def plain_number(value, *, places: int | None = None) -> str:
    """A Decimal as people write it in the active language: "60", "1.8" / "1,8",
    never "6E+1" (what `Decimal("60.00").normalize()` prints)."""
    value = Decimal(value)
    if places is None:
        value = value.normalize()
        places = max(0, -value.as_tuple().exponent)
    return number_format(value, decimal_pos=places)


def _date_text(moment) -> str:
    if moment is None:
        return "—"
    return format_date(moment)


class Kind(models.TextChoices):
    """The services of SPEC (the same values as calls.models.CallKind)."""

    PHONE_INTERPRETED = "phone_interpreted", _("Phone call with an interpreter")
    PHONE_DIRECT = "phone_direct", _("Phone call without an interpreter")
    VIDEO = "video", _("Video call")


class Terms(models.Model):
    """Terms for one service, in force from `effective_from` until the next row of its kind.

    Frozen once they have priced a call (`usage_field` names the CallCharge
    field that points here): a change is a new row with a later start.
    """

    kind = models.CharField(_("service"), max_length=20, choices=Kind.choices)
    effective_from = models.DateTimeField(_("in force from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    usage_field = ""

    class Meta:
        abstract = True
        ordering = ["kind", "-effective_from"]

    @classmethod
    def in_force(cls, kind: str, at):
        return (
            cls.objects.filter(kind=kind, effective_from__lte=at)
            .order_by("-effective_from")
            .first()
        )

    def in_use(self) -> bool:
        return bool(self.pk) and CallCharge.objects.filter(**{self.usage_field: self.pk}).exists()

    def alongside(self) -> tuple[list[Tariff], list[CommissionRule]]:
        """The tariffs and rules that will apply together with this row."""
        raise NotImplementedError

    def clean(self):
        if self.in_use():
            raise ValidationError(
                _("These terms have priced calls and can't be changed; add new ones instead.")
            )
        if self.kind and self.effective_from and self.terms_given():
            tariffs, rules = self.alongside()
            check_terms_against(tariffs=tariffs, rules=rules)

    def terms_given(self) -> bool:
        raise NotImplementedError


class Tariff(Terms):
    """The price of one service per started minute, with a prepaid minimum."""

    # Four places so that an operator *can* type a price that does not work out
    # to whole cents; pricing then refuses loudly instead of rounding.
    price_per_minute = models.DecimalField(
        _("price per minute (credits)"), max_digits=9, decimal_places=4
    )
    minimum_minutes = models.PositiveIntegerField(
        _("minimum billed minutes"),
        default=0,
        help_text=_("Prepaid minutes; a shorter call is billed as this many."),
    )

    usage_field = "tariff"

    class Meta(Terms.Meta):
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "effective_from"], name="tariff_one_per_kind_and_start"
            ),
            models.CheckConstraint(
                condition=models.Q(price_per_minute__gte=0), name="tariff_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s: %(price)s a minute, from %(date)s") % {
            "kind": self.get_kind_display(),
            "price": plain_number(self.price_per_minute),
            "date": _date_text(self.effective_from),
        }

    def terms_given(self) -> bool:
        return None not in (self.price_per_minute, self.minimum_minutes)

    def alongside(self):
        rules = CommissionRule.objects.filter(kind=self.kind)
        return [self], _overlapping(rules, self.effective_from)


class CommissionRule(Terms):
    """The agent's share of one service's calls: a percentage, with a minimum."""

    percent = models.DecimalField(_("percent of the call's total"), max_digits=5, decimal_places=2)
    minimum_amount = models.DecimalField(
        _("minimum commission (credits)"), default=Decimal("0.00"), **MONEY
    )

    usage_field = "rule"

    class Meta(Terms.Meta):
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "effective_from"], name="commission_one_per_kind_and_start"
            ),
            models.CheckConstraint(
                condition=models.Q(percent__gte=0, percent__lte=100),
                name="commission_percent_range",
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_amount__gte=0), name="commission_minimum_not_negative"
            ),
        ]

    def __str__(self) -> str:
        values = {
            "kind": self.get_kind_display(),
            "percent": plain_number(self.percent),
            "minimum": plain_number(self.minimum_amount or 0, places=2),
            "date": _date_text(self.effective_from),
        }
        if self.minimum_amount:
            return gettext("%(kind)s: %(percent)s %%, at least %(minimum)s, from %(date)s") % values
        return gettext("%(kind)s: %(percent)s %%, from %(date)s") % values

    def terms_given(self) -> bool:
        return None not in (self.percent, self.minimum_amount)

    def alongside(self):
        tariffs = Tariff.objects.filter(kind=self.kind)
        return _overlapping(tariffs, self.effective_from), [self]


def _overlapping(queryset, start):
    """The row in force at `start` and every later one: all that will apply alongside."""
    current = queryset.filter(effective_from__lte=start).order_by("-effective_from")[:1]
    return [*current, *queryset.filter(effective_from__gt=start)]


def check_terms_against(*, tariffs, rules) -> None:
    """Refuse terms that, together, would need rounding (see pricing.check_terms)."""
    from .pricing import check_terms

    for tariff in tariffs:
        for rule in rules:
            try:
                check_terms(tariff=tariff, rule=rule)
            except DomainError as error:
                raise ValidationError(error.message) from error


class Outcome(models.TextChoices):
    """How a scheduled call ended (SPEC "When a call does not happen").

    The calls workflow records one on the call; billing prices it by the
    policy below. The same values as calls.models.Call.outcome.
    """

    COMPLETED = "completed", _("Completed")
    MEMBER_UNREACHABLE = "member_unreachable", _("Member unreachable")
    CLIENT_NO_SHOW = "client_no_show", _("Client did not come")
    OFFICE_FAULT = "office_fault", _("Our fault (interpreter absent, line failed)")
    LATE_CANCEL = "late_cancel", _("Cancelled late by the client")
    MEMBER_CANCELLED = "member_cancelled", _("Cancelled by the agency")


class ChargeBasis(models.TextChoices):
    TALK_TIME = "talk_time", _("Per minute of talk time (tariff and commission rule)")
    MINIMUM = "minimum", _("The tariff's prepaid minimum, with its commission")
    FIXED = "fixed", _("Fixed amounts")


class OutcomePolicy(Terms):
    """Who pays what when a call of one kind ends with one outcome.

    Effective-dated like tariffs; a call is priced by the policy in force when
    it was booked, which is then recorded on its charge and frozen.
    """

    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    basis = models.CharField(_("client pays"), max_length=10, choices=ChargeBasis.choices)
    client_amount = models.DecimalField(
        _("fixed: client pays (credits)"),
        default=Decimal("0.00"),
        help_text=_("Only for fixed amounts."),
        **MONEY,
    )
    agent_amount = models.DecimalField(
        _("fixed: agent gets (credits)"),
        default=Decimal("0.00"),
        help_text=_("Only for fixed amounts."),
        **MONEY,
    )

    usage_field = "policy"

    class Meta:
        verbose_name = _("who-pays policy")
        verbose_name_plural = _("who-pays policies")
        ordering = ["kind", "outcome", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "outcome", "effective_from"],
                name="policy_one_per_kind_outcome_and_start",
            ),
            models.CheckConstraint(
                condition=models.Q(client_amount__gte=0, agent_amount__gte=0)
                & models.Q(agent_amount__lte=models.F("client_amount")),
                name="policy_amounts_sane",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s / %(outcome)s: %(basis)s, from %(date)s") % {
            "kind": self.get_kind_display(),
            "outcome": self.get_outcome_display(),
            "basis": self.get_basis_display(),
            "date": _date_text(self.effective_from),
        }

    @classmethod
    def in_force(cls, kind: str, at, *, outcome: str = Outcome.COMPLETED):
        return (
            cls.objects.filter(kind=kind, outcome=outcome, effective_from__lte=at)
            .order_by("-effective_from")
            .first()
        )

    def clean(self):
        if self.in_use():
            raise ValidationError(
                _("This policy has priced calls and can't be changed; add a new one instead.")
            )
        if self.basis != ChargeBasis.FIXED and (self.client_amount or self.agent_amount):
            raise ValidationError(_("Fixed amounts are only for the “fixed amounts” basis."))
        if (
            self.client_amount is not None
            and self.agent_amount is not None
            and self.agent_amount > self.client_amount
        ):
            raise ValidationError(
                {"agent_amount": _("The agent can't get more than the client pays.")}
            )


class AccountKind(models.TextChoices):
    CLIENT_CREDIT = "client_credit", _("Client's credit")
    CLIENT_HELD = "client_held", _("Client's held credit")
    AGENCY_COMMISSION = "agency_commission", _("Agency's commission")
    HOUSE_REVENUE = "house_revenue", _("House revenue")
    # The outside world: credits bought (top-ups) and manual corrections.
    # Their balances are negative: the mirror of what was put in.
    TOP_UPS = "top_ups", _("Credits bought")
    ADJUSTMENTS = "adjustments", _("Manual adjustments")


CLIENT_KINDS = (AccountKind.CLIENT_CREDIT, AccountKind.CLIENT_HELD)
SINGLETON_KINDS = (AccountKind.HOUSE_REVENUE, AccountKind.TOP_UPS, AccountKind.ADJUSTMENTS)


class Account(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="billing_accounts",
    )
    agency = models.ForeignKey(
        "agents.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="billing_accounts",
    )
    # Cache of the sum of this account's entries (see the module docstring).
    balance = models.DecimalField(_("balance"), default=Decimal("0.00"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["kind", "id"]
        indexes = [
            # The office's front page: clients whose credit runs low, lowest first.
            models.Index(
                fields=["balance", "id"],
                condition=models.Q(kind="client_credit"),
                name="account_client_credit_balance",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "user"],
                condition=models.Q(kind__in=["client_credit", "client_held"]),
                name="account_one_per_client_and_kind",
            ),
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(kind="agency_commission"),
                name="account_one_per_agency",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind__in=["house_revenue", "top_ups", "adjustments"]),
                name="account_singletons",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind__in=["client_credit", "client_held"],
                        user__isnull=False,
                        agency__isnull=True,
                    )
                    | models.Q(kind="agency_commission", user__isnull=True, agency__isnull=False)
                    | models.Q(
                        kind__in=["house_revenue", "top_ups", "adjustments"],
                        user__isnull=True,
                        agency__isnull=True,
                    )
                ),
                name="account_owner_fits_kind",
            ),
            # Holds are taken only from what is available: never negative.
            models.CheckConstraint(
                condition=~models.Q(kind="client_held") | models.Q(balance__gte=0),
                name="account_held_not_negative",
            ),
        ]

    def __str__(self) -> str:
        owner = self.user or self.agency
        label = AccountKind(self.kind).label
        return f"{label}: {owner}" if owner else str(label)

    @property
    def is_overdrawn(self) -> bool:
        """A client's credit below zero: only a call longer than planned can do it."""
        return self.kind == AccountKind.CLIENT_CREDIT and self.balance < 0


class EntryKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    HOLD = "hold", _("Hold")
    RELEASE = "release", _("Release")
    CHARGE = "charge", _("Charge")
    COMMISSION = "commission", _("Commission")
    ADJUSTMENT = "adjustment", _("Adjustment")


# At most one of these per call and account: doing a call's step twice fails
# in the database, whatever the code above it does.
PER_CALL_KINDS = (EntryKind.HOLD, EntryKind.RELEASE, EntryKind.CHARGE, EntryKind.COMMISSION)


class Entry(AppendOnly):
    """One leg of a transfer of credits. Immutable."""

    transfer = models.UUIDField(_("transfer"), default=uuid.uuid4, db_index=True)
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    # Positive adds to the account's balance, negative takes from it.
    amount = models.DecimalField(_("amount"), **MONEY)
    call_id = models.PositiveBigIntegerField(_("call"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty means the system (a scheduled task)."),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"))

    append_only_message = "Ledger entries are immutable."

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-created_at"]),
            models.Index(fields=["call_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "call_id", "kind"],
                condition=models.Q(kind__in=["hold", "release", "charge", "commission"]),
                name="entry_once_per_call_account_and_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["top_up", "adjustment"])
                | models.Q(call_id__isnull=False),
                name="entry_call_steps_name_their_call",
            ),
            models.CheckConstraint(condition=~models.Q(amount=0), name="entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:+}"


class ChargeStatus(models.TextChoices):
    HELD = "held", _("Held")
    RELEASED = "released", _("Released (no call)")
    SETTLED = "settled", _("Settled")


class CallCharge(models.Model):
    """Billing's record of one call: what priced it, what is held, what it cost."""

    call_id = models.PositiveBigIntegerField(_("call"), unique=True)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="call_charges",
    )
    kind = models.CharField(_("service"), max_length=20, choices=Kind.choices)
    planned_minutes = models.PositiveIntegerField(_("planned minutes"))
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(CommissionRule, on_delete=models.PROTECT, related_name="+")
    # How the call ended and the policy that priced that outcome (when settled).
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    policy = models.ForeignKey(
        OutcomePolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held = models.DecimalField(_("held"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.HELD
    )
    held_at = models.DateTimeField(_("held at"))
    closed_at = models.DateTimeField(_("released or settled at"), null=True, blank=True)
    # Filled when settled.
    agency = models.ForeignKey(
        "agents.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    talk_seconds = models.PositiveIntegerField(_("talk time (seconds)"), null=True, blank=True)
    billed_minutes = models.PositiveIntegerField(_("billed minutes"), null=True, blank=True)
    client_charge = models.DecimalField(_("client pays"), null=True, blank=True, **MONEY)
    agent_commission = models.DecimalField(_("agent gets"), null=True, blank=True, **MONEY)
    house_revenue = models.DecimalField(_("house keeps"), null=True, blank=True, **MONEY)
    # The charge pushed the client's credit below zero: operators follow up.
    overrun = models.BooleanField(_("overdrew the client"), default=False)

    class Meta:
        verbose_name = _("call charge")
        verbose_name_plural = _("call charges")
        ordering = ["-held_at"]
        indexes = [
            models.Index(fields=["agency", "status", "closed_at"]),
            models.Index(fields=["client", "status"]),
            # The money report reads the calls settled in a period.
            models.Index(fields=["closed_at"], name="charge_closed_at_reports"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(held__gte=0), name="charge_held_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="settled")
                | models.Q(
                    agency__isnull=False,
                    talk_seconds__isnull=False,
                    client_charge__isnull=False,
                    agent_commission__isnull=False,
                    house_revenue__isnull=False,
                ),
                name="charge_settled_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"call #{self.call_id}: {self.get_status_display()}"
