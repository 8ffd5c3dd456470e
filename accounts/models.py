"""People who sign in: clients, agency staff, interpreters, operators, duty managers."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken
from phonenumber_field.modelfields import PhoneNumberField

from common import timezones
from scheduling.languages import validate_language_codes


def validate_time_zone(value: str) -> None:
    """Only real zones people live in (common/timezones.py); named here for the migrations."""
    timezones.validate_time_zone(value)


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
    # A new address waits here until a link sent to it is followed.
    pending_email = models.EmailField(_("new email, not yet confirmed"), blank=True)
    # Raised by "sign out everywhere": every signed-in session carries a hash
    # that includes it, so all of them stop matching at once.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["role"]),
            # "Tell the operators": a few people among tens of thousands of clients.
            models.Index(
                fields=["id"],
                condition=models.Q(role="operator") | models.Q(is_superuser=True),
                name="user_operators",
            ),
            # Searching people by a fragment of a name or an email (admin, office): on
            # UPPER(column), the expression Django's icontains compares on PostgreSQL;
            # PostgreSQL only (migration 0005 skips it elsewhere).
            GinIndex(
                OpClass(Upper("username"), name="gin_trgm_ops"),
                OpClass(Upper("first_name"), name="gin_trgm_ops"),
                OpClass(Upper("last_name"), name="gin_trgm_ops"),
                OpClass(Upper("email"), name="gin_trgm_ops"),
                name="user_names_trigram",
            ),
        ]
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

    def get_session_auth_hash(self) -> str:
        """Django's hash of the password, salted with the sign-out generation."""
        return self.session_hash_with(settings.SECRET_KEY)

    def get_session_auth_fallback_hash(self):
        # Sessions survive a SECRET_KEY rotation, as Django's own hash does.
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self.session_hash_with(secret)

    def session_hash_with(self, secret: str) -> str:
        return salted_hmac(
            "accounts.User.session",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class ApiToken(AuthToken):
    """django-rest-knox's hashed API token, named for the admin in our languages."""

    class Meta:
        proxy = True
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        # Never the digest: it would read like a token in the admin's messages.
        return f"{self.token_key}… ({self.user})"
