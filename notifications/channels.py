"""Channels a notification leaves through: email first, SMS behind the same interface.

A channel sends one outbox row or raises; it never touches the database, so
the delivery service can send inside the transaction that holds the row lock.
Logs name the row, never the address or the text (personal data).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from .models import Channel, Notification

logger = logging.getLogger(__name__)


class EmailChannel:
    def send(self, notification: Notification) -> None:
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.address],
            # The key lets a mail system recognise a message it has already seen.
            headers={"X-Notification-Key": notification.key},
        )
        message.send(fail_silently=False)


class LogSmsBackend:
    """Stands in for an SMS provider until one is configured: logs, sends nothing."""

    def send(self, *, to: str, text: str, key: str) -> None:
        logger.info("SMS %s not sent: no SMS provider is configured", key)


class SmsChannel:
    def send(self, notification: Notification) -> None:
        backend = import_string(settings.NOTIFY_SMS_BACKEND)()
        # SMS carries the subject line only: short, and the email has the details.
        backend.send(to=notification.address, text=notification.subject, key=notification.key)


CHANNELS = {Channel.EMAIL: EmailChannel, Channel.SMS: SmsChannel}


def channel_send(notification: Notification) -> None:
    CHANNELS[notification.channel]().send(notification)


def address_for(user, channel: str) -> str:
    """Where `user` gets messages on `channel`, or "" if they can't."""
    if channel == Channel.EMAIL:
        return user.email or ""
    if channel == Channel.SMS:
        return str(user.phone) if user.phone else ""
    return ""
