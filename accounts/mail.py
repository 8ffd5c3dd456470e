"""Emails about a person's own account: a password reset link, a new address to confirm.

They are not about a call, so they don't go through the call outbox: a lost
one is asked for again by the person. They are sent by a Celery task so a
request takes as long whether or not an account exists for the address
(no account enumeration by timing), and each is written in the reader's
language.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(*, to: str, language: str, template: str, context: dict) -> None:
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}.txt", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), body, to=[to])
    message.send()


def password_reset_send(*, email: str) -> int:
    """Send a reset link to every active account with this address; how many were sent."""
    sent = 0
    for user in PasswordResetForm(data={"email": email}).get_users(email):
        path = reverse(
            "password-reset-confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        _send(
            to=user.email,
            language=user.language,
            template="password_reset",
            context={"user": user, "link": _absolute(path)},
        )
        sent += 1
    return sent


def email_change_send(*, user_id: int, token: str) -> None:
    """The confirmation link to the new address, and a notice to the old one."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.pending_email:
        return
    link = _absolute(reverse("email-change-confirm", args=[token]))
    context = {"user": user, "link": link}
    _send(to=user.pending_email, language=user.language, template="email_change", context=context)
    if user.email:
        _send(
            to=user.email, language=user.language, template="email_change_notice", context=context
        )


def queue_after_commit(task, **kwargs) -> None:
    """Queue `task` once the transaction commits; a broker that is down is logged, not raised."""

    def send():
        try:
            task.delay(**kwargs)
        except Exception:  # noqa: BLE001 - the person sees the same page and can ask again
            logger.warning("could not queue %s; the person can ask again", task.name)

    transaction.on_commit(send)
