"""Partner agencies and the members they placed (members have no login)."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from common.timezones import validate_time_zone


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    city = models.CharField(_("city"), max_length=100)
    # ISO 3166 code; also the default region for numbers typed without "+".
    country = models.CharField(_("country"), max_length=2, default="RU")
    email = models.EmailField(_("email"))
    phone = PhoneNumberField(_("office phone"), blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class Member(models.Model):
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="members"
    )
    # The agency's own reference for the member, shown to clients instead of
    # personal details.
    reference = models.CharField(_("reference"), max_length=40)
    full_name = models.CharField(_("full name"), max_length=200)
    city = models.CharField(_("city"), max_length=100, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    languages = models.CharField(_("languages"), max_length=100, default="ru")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["agency", "reference"]
        indexes = [
            # Searching members by a fragment of a name or code (UPPER(column), as
            # Django's icontains compares); PostgreSQL only
            # (migration 0002 skips it elsewhere).
            GinIndex(
                OpClass(Upper("full_name"), name="gin_trgm_ops"),
                OpClass(Upper("reference"), name="gin_trgm_ops"),
                name="member_names_trigram",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["agency", "reference"], name="member_reference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.reference})"
