"""Channels a notification leaves through: email first, SMS behind the same interface.

A channel sends one outbox row or raises; it never touches the database (the
delivery service claims the row before and marks it after). Logs name the
row, never the address or the text (personal data).

Every copy of one outbox row carries the same Message-ID, derived from the
row's unique key: if a worker dies after the mail left but before the row was
marked sent, the copy sent again is recognised as a duplicate by mail systems.

An email is multipart/alternative: the text, its HTML, and, when the message
schedules, moves or cancels a session, the invite as `text/calendar;
method=REQUEST|CANCEL` (iMIP, RFC 6047: what makes Outlook and Gmail update
the event in place), plus the same invite as an `invite.ics` attachment for
the apps that only look at attachments.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

from calendars.invites import method_of

from .models import Channel, Notification

logger = logging.getLogger(__name__)


class EmailChannel:
    def send(self, notification: Notification) -> None:
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.address],
            # The same for every copy of this row: a mail system drops a duplicate.
            headers={
                "Message-ID": message_id_for(notification.key),
                "X-Notification-Key": notification.key,
            },
        )
        if notification.html:
            message.attach_alternative(notification.html, "text/html")
        if notification.calendar:
            method = method_of(notification.calendar)
            # Django makes a text part of "<type>/<rest>": the parameter rides along
            # (tests/test_calendar_emails.py reads it back from the sent message).
            message.attach_alternative(notification.calendar, f"text/calendar; method={method}")
            message.attach(INVITE_FILENAME, notification.calendar.encode(), "application/ics")
        message.send(fail_silently=False)


INVITE_FILENAME = "invite.ics"


def message_id_for(key: str) -> str:
    """A Message-ID that is a function of the outbox key (RFC 5322: <left@domain>)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "calls.invalid"
    return f"<{digest}.outbox@{domain}>"


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
