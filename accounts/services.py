"""Writes about people: their preferences and their API tokens."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from common.errors import DomainError

from .models import User, validate_time_zone


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


def api_token_issue(*, user: User) -> Token:
    """A fresh API token for `user`; any earlier token stops working."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def api_token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
