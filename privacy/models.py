"""The audit of exports and erasures: who asked, when, about whom (by pseudonym)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Export (GDPR art. 15, 20)")
    ERASE = "erase", _("Erasure (GDPR art. 17)")


class PrivacyRequest(models.Model):
    kind = models.CharField(_("what"), max_length=8, choices=RequestKind.choices)
    # "user" or "member" and its key; the pseudonym, never the name, names them.
    subject_kind = models.CharField(_("whose data"), max_length=8)
    subject_id = models.PositiveBigIntegerField(_("their key"))
    subject_pseudonym = models.CharField(_("pseudonym"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("when"))
    # Counts of what was exported or changed (no personal data).
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_kind} {self.subject_pseudonym}"
