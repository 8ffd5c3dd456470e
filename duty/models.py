"""Disputes: a client or an agent contests a settled call; the duty manager decides.

The decision is a ledger adjustment (through billing's services) or a refusal,
each with a reason, audited on the dispute itself (who, when, why, how much).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models import MONEY


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ADJUSTED = "adjusted", _("Resolved with an adjustment")
    REFUSED = "refused", _("Refused")


class Dispute(models.Model):
    call = models.ForeignKey(
        "calls.Call", verbose_name=_("call"), on_delete=models.PROTECT, related_name="disputes"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), max_length=2000)
    raised_at = models.DateTimeField(_("raised at"))
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision = models.TextField(_("decision"), blank=True)
    # Credits given back to the client (+) and taken from the agency's commission (-).
    client_refund = models.DecimalField(_("refund to the client"), null=True, blank=True, **MONEY)
    agency_correction = models.DecimalField(
        _("correction of the agency's commission"), null=True, blank=True, **MONEY
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["status", "-raised_at"]
        constraints = [
            # One open dispute per call: a second press, or the other side, joins it.
            models.UniqueConstraint(
                fields=["call"], condition=models.Q(status="open"), name="dispute_one_open_per_call"
            ),
        ]

    def __str__(self) -> str:
        return f"dispute on {self.call}"
