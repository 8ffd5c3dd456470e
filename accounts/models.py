"""People who sign in: clients, agency staff, interpreters, operators, duty managers."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from scheduling.languages import validate_language_codes


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Role(models.TextChoices):
    CLIENT = "client", _("Client")
    AGENT = "agent", _("Agency staff")
    INTERPRETER = "interpreter", _("Interpreter")
    OPERATOR = "operator", _("Operator")
    DUTY_MANAGER = "duty_manager", _("Duty manager")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CLIENT)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    phone = PhoneNumberField(_("phone"), blank=True)
    # Languages the person speaks (ISO 639-1 codes, "en, ru"): a client's and
    # a member's make a call's languages; an interpreter's decide their calls.
    languages = models.CharField(
        _("languages spoken"),
        max_length=100,
        blank=True,
        validators=[validate_language_codes],
        help_text=_("ISO 639-1 codes, e.g. “en, ru”."),
    )
    # Agency staff belong to exactly one agency; nobody else belongs to any.
    agency = models.ForeignKey(
        "agents.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    # The duty manager on duty now is the escalation contact of last resort.
    on_duty = models.BooleanField(_("on duty"), default=False)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["role"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="agent", agency__isnull=False)
                | (~models.Q(role="agent") & models.Q(agency__isnull=True)),
                name="user_agency_only_for_agents",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_operator(self) -> bool:
        return self.is_active and (self.role == Role.OPERATOR or self.is_superuser)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)
