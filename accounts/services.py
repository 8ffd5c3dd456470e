"""Writes about people: their preferences, sign-in basics and their API tokens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from knox.models import AuthToken

from common.errors import DomainError, NotFound

from .models import User, validate_time_zone
from .signals import signed_out_everywhere


def user_preferences_update(
    *, user: User, time_zone: str | None = None, language: str | None = None
) -> User:
    """Change the time zone and/or language a person sees everything in."""
    changed = []
    if time_zone is not None and time_zone != user.time_zone:
        try:
            validate_time_zone(time_zone)
        except Exception:
            raise DomainError(
                "bad_time_zone",
                _("“%(value)s” is not a known time zone.") % {"value": time_zone[:64]},
                field="time_zone",
            ) from None
        user.time_zone = time_zone
        changed.append("time_zone")
    if language is not None and language != user.language:
        if language not in dict(settings.LANGUAGES):
            raise DomainError("bad_language", _("Choose a known language."), field="language")
        user.language = language
        changed.append("language")
    if changed:
        user.save(update_fields=changed)
    return user


def user_phone_set(*, user: User, phone: str) -> User:
    """The number the interpreter calls a client on (empty: none). Stored in E.164."""
    text = (phone or "").strip()
    if not text:
        user.phone = ""
        user.save(update_fields=["phone"])
        return user
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise DomainError(
            "bad_phone",
            _(
                "This is not a valid phone number. "
                "Write it with the country code, e.g. +1 202 555 0143."
            ),
            field="phone",
        )
    user.phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    user.save(update_fields=["phone"])
    return user


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: `key` is shown this once and stored only as a digest."""

    key: str
    token: AuthToken

    @property
    def expires_at(self):
        return self.token.expiry


def api_token_issue(*, user: User) -> IssuedToken:
    """A fresh API token for `user`, expiring after API_TOKEN_MAX_AGE_DAYS; any
    earlier token stops working."""
    with transaction.atomic():
        AuthToken.objects.filter(user=user).delete()
        token, key = AuthToken.objects.create(
            user=user, expiry=timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)
        )
    return IssuedToken(key=key, token=token)


def api_token_revoke(*, user: User) -> None:
    AuthToken.objects.filter(user=user).delete()


# Sign-in basics: sign out everywhere, a new email address, a forgotten password.

EMAIL_CHANGE_SALT = "accounts.email-change"
EMAIL_CHANGE_MAX_AGE = timedelta(hours=24)


def user_sessions_end_all(*, user: User) -> None:
    """Sign the person out of every browser and revoke their API tokens (and,
    through the signal, every other credential: the calendar feed's link)."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        AuthToken.objects.filter(user_id=user.pk).delete()
        signed_out_everywhere.send(sender=User, user_id=user.pk)
    user.refresh_from_db(fields=["session_generation"])


def email_digest(address: str) -> str:
    """An address as a key that names it without showing it (links, rate-limit
    counters): an address is personal data."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]


def user_email_change_request(*, user: User, new_email: str, password: str) -> str:
    """Keep `new_email` as pending and return the token of the link that confirms it.

    The password is asked again: a borrowed, signed-in browser must not be
    enough to take over the account's address (and with it password resets).
    """
    if not user.check_password(password):
        raise DomainError("bad_password", _("The password is not right."), field="password")
    new_email = new_email.strip()
    try:
        validate_email(new_email)
    except ValidationError:
        raise DomainError(
            "bad_email", _("Enter a valid email address."), field="new_email"
        ) from None
    if new_email.lower() == (user.email or "").lower():
        raise DomainError("same_email", _("This is already your email address."), field="new_email")
    user.pending_email = new_email
    user.save(update_fields=["pending_email"])
    return signing.dumps({"u": user.pk, "h": email_digest(new_email)}, salt=EMAIL_CHANGE_SALT)


def user_email_change_confirm(*, token: str) -> User:
    """Make the pending address the person's email; the link works once."""
    try:
        data = signing.loads(
            token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        raise DomainError(
            "link_expired", _("This link has expired. Ask for the change again.")
        ) from None
    except signing.BadSignature:
        raise NotFound("not_found", _("This link is not valid.")) from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data.get("u"), is_active=True).first()
        if (
            user is None
            or not user.pending_email
            or (email_digest(user.pending_email) != data.get("h"))
        ):
            raise DomainError(
                "link_used", _("This link was already used or replaced by a newer one.")
            )
        user.email, user.pending_email = user.pending_email, ""
        user.save(update_fields=["email", "pending_email"])
    return user
