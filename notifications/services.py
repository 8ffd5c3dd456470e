"""Writes for the outbox: record a message, deliver it once, escalate to operators.

Recording and delivery are separate on purpose (SPEC "Reminders and
escalations"). `notify` writes rows with unique keys and queues their delivery
after commit: each message is recorded exactly once. `notification_deliver`
delivers it at least once, in four steps: claim (lock the row, check it is
still pending and due, set `claimed_until`, count the attempt), commit, send
(no transaction or lock held while the mail server answers), mark (sent, or a
retry, or failed). A task delivered twice by the broker finds the row claimed
or sent and walks away. A worker that dies between claim and mark leaves the
row pending with an expired claim; the re-queue sweep hands it out again and
it is sent again. That copy carries the same Message-ID (derived from the
outbox key, notifications/channels.py), so mail systems drop it; an SMS
provider gets the key as its client reference (what it does with it is the
provider's).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from accounts.models import User
from calls.models import Session, SessionStatus

from .channels import address_for, channel_send
from .html import html_render
from .links import page_url_for
from .models import (
    Channel,
    Notification,
    NotificationStatus,
    OperatorTask,
    OperatorTaskKind,
    OperatorTaskStatus,
)
from .task_texts import piece, task_summary

logger = logging.getLogger(__name__)

# Plain-text messages: no HTML escaping of names and notes.
_TEXT_ENGINE = Engine(
    app_dirs=True,
    autoescape=False,
    # `pages` for amounts in the reader's language (|credits).
    libraries={"i18n": "django.templatetags.i18n", "pages": "calls.templatetags.pages"},
    # The date policy (common/dates.py) and numbers as people read them (common/phones.py).
    builtins=["common.templatetags.dates", "common.templatetags.phones"],
)


class Message(NamedTuple):
    """A message as written for one recipient: subject, plain text, and its HTML
    alternative (notifications/html.py)."""

    subject: str
    body: str
    html: str


def render_message(
    *, template: str, recipient: User, context: dict, now: datetime | None = None
) -> Message:
    """Subject, text and HTML in the recipient's language, times in their time zone.

    The template's first line is the subject, the rest the body. `now` is when
    the message is written, for "in 3 hours".
    """
    with translation.override(recipient.language), timezone.override(recipient.tz):
        full_context = {
            **context,
            "recipient": recipient,
            "tz_name": recipient.time_zone,
            "now": now or timezone.now(),
            "page_url": page_url_for(call=context.get("call"), recipient=recipient),
            "overdue_minutes": settings.NOTIFY_OVERDUE_AFTER_MINUTES,
        }
        text = _TEXT_ENGINE.get_template(f"notifications/{template}.txt").render(
            Context(full_context, autoescape=False)
        )
        subject, _sep, body = text.strip().partition("\n")
        subject, body = subject.strip()[:300], body.strip() + "\n"
        html = html_render(subject=subject, body=body, context=full_context)
    return Message(subject, body, html)


def message_key(*, kind: str, scope: str, channel: str, recipient: User) -> str:
    return f"{kind}:{scope}:{channel}:{recipient.pk}"


def notify(
    *,
    kind: str,
    template: str,
    recipients,
    context,
    call=None,
    session=None,
    now: datetime | None = None,
    into: list | None = None,
    invite=None,
) -> list[int]:
    """Record one message per recipient and channel; queue the new ones after commit.

    A message whose key exists already is left alone, so calling this twice
    (a sweep run twice, a signal and a sweep) records and sends it once.
    `context` is a dict, or a function of the recipient returning one (for
    what differs per person, such as an agent's signed link). Returns the ids
    of the rows recorded by this call. With `into`, the rows are only written
    out (rendered) and appended to that list, for `outbox_record` to insert a
    whole sweep batch at once. `invite`, a function of the recipient, gives the
    calendar invite (.ics text, or "") an email carries (calendars.invites).
    """
    now = now or timezone.now()
    scope = f"s{session.pk}" if session is not None else f"c{call.pk}"
    rows = []
    for recipient in dict.fromkeys(r for r in recipients if r is not None and r.is_active):
        rendered = None
        calendar = None
        for channel in settings.NOTIFY_CHANNELS:
            address = address_for(recipient, channel)
            if not address:
                continue
            rendered = rendered or render_message(
                template=template,
                recipient=recipient,
                context=context(recipient) if callable(context) else context,
                now=now,
            )
            if channel == Channel.EMAIL and invite is not None and calendar is None:
                calendar = invite(recipient) or ""
            rows.append(
                outbox_row(
                    kind=kind,
                    scope=scope,
                    channel=channel,
                    recipient=recipient,
                    address=address,
                    call=call,
                    session=session,
                    now=now,
                    subject=rendered.subject,
                    body=rendered.body,
                    html=rendered.html if channel == Channel.EMAIL else "",
                    calendar=calendar if channel == Channel.EMAIL else "",
                )
            )
    if into is not None:
        into.extend(rows)
        return []
    return outbox_record(rows)


def outbox_row(
    *,
    kind: str,
    scope: str,
    channel: str,
    recipient: User,
    address: str,
    call,
    session,
    now: datetime,
    subject: str = "",
    body: str = "",
    html: str = "",
    calendar: str = "",
    template: str = "",
) -> Notification:
    """One unsaved outbox row, keyed so that it exists once: written now
    (`subject`/`body`) or named by its `template` and written when it leaves."""
    return Notification(
        key=message_key(kind=kind, scope=scope, channel=channel, recipient=recipient),
        kind=kind,
        channel=channel,
        recipient=recipient,
        address=address,
        language=recipient.language,
        subject=subject,
        body=body,
        html=html,
        calendar=calendar or "",
        template=template,
        call=call,
        session=session,
        next_attempt_at=now,
        created_at=now,
    )


def outbox_record(rows: list[Notification]) -> list[int]:
    """Insert the rows whose key is new and queue them after commit; their ids."""
    if not rows:
        return []
    with transaction.atomic():
        ids = record_new(rows)
        notification_enqueue(ids)
    return ids


def record_new(rows: list[Notification]) -> list[int]:
    """Insert the rows whose key is new; the ids of what this call inserted."""
    existing = set(
        Notification.objects.filter(key__in=[r.key for r in rows]).values_list("key", flat=True)
    )
    new = [r for r in rows if r.key not in existing]
    if not new:
        return []
    try:
        with transaction.atomic():
            Notification.objects.bulk_create(new)
    except IntegrityError:
        # Another sweep recorded some of them a moment ago. Queue whatever is
        # still pending: a second delivery task for a row is harmless.
        Notification.objects.bulk_create(new, ignore_conflicts=True)
        return list(
            Notification.objects.filter(
                key__in=[r.key for r in new], status=NotificationStatus.PENDING
            ).values_list("id", flat=True)
        )
    if any(r.pk is None for r in new):  # a database that can't return ids from a bulk insert
        return list(
            Notification.objects.filter(key__in=[r.key for r in new]).values_list("id", flat=True)
        )
    return [r.pk for r in new]


class _BrokerBreaker:
    """After a failed publish, this process leaves the broker alone for a while.

    The outbox row, not the broker, is the truth: a row not queued stays
    pending and the re-queue sweep queues it. So a request never waits for a
    broker that is down more than once (one short connect timeout, no publish
    retries: settings CELERY_BROKER_TRANSPORT_OPTIONS / TASK_PUBLISH_RETRY),
    and the requests after it for NOTIFY_BROKER_PAUSE_SECONDS not at all.
    """

    def __init__(self):
        self.closed_until = 0.0

    def open(self) -> bool:
        return time.monotonic() >= self.closed_until

    def trip(self) -> None:
        self.closed_until = time.monotonic() + settings.NOTIFY_BROKER_PAUSE_SECONDS


broker_breaker = _BrokerBreaker()


def notification_enqueue(ids) -> None:
    """Queue delivery of these rows once the transaction commits.

    A broker that is down loses nothing and costs the request no wait: the
    rows stay pending and the re-queue sweep queues them again (`_BrokerBreaker`).
    """
    ids = list(ids)
    if not ids:
        return

    def send():
        from . import tasks  # tasks import this module

        if not broker_breaker.open():
            return  # the broker failed a moment ago; the sweep will queue these
        for pk in ids:
            try:
                tasks.deliver.delay(pk)
            except Exception as exc:  # noqa: BLE001 - the sweep re-queues what was not queued
                broker_breaker.trip()
                # One line, no traceback: an outage is expected, not a bug.
                logger.warning(
                    "broker unreachable (%s); %d notification(s) left for the re-queue sweep",
                    type(exc).__name__,
                    len(ids) - ids.index(pk),
                )
                return

    transaction.on_commit(send)


@dataclass(frozen=True)
class Delivery:
    # "sent", "retry", "failed", "stale" (out of date, not sent),
    # "busy" (being sent elsewhere), "done" (sent or failed before), "gone" (no such row)
    outcome: str
    retry_in: int | None = None


# Kept well under Redis's visibility timeout (an hour): a task waiting longer
# for its countdown would be handed out a second time (celery issue 5935).
MAX_RETRY_DELAY = 30 * 60


def retry_delay(attempts: int) -> int:
    """Back-off after `attempts` failed tries: base, 4x, 16x... at most 30 minutes."""
    return min(settings.NOTIFY_RETRY_BASE_SECONDS * 4 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


# Messages about a session make sense only while the session is in one of
# these states (a reminder for a superseded session would give a wrong time).
LIVE_FOR = {
    "reminder": {SessionStatus.PLANNED},
    "scheduled": {SessionStatus.PLANNED, SessionStatus.OVERDUE},
    "overdue": {SessionStatus.OVERDUE},
}


def _is_stale(row: Notification) -> bool:
    kind = "reminder" if row.kind.startswith("reminder") else row.kind
    if row.session_id is None or kind not in LIVE_FOR:
        return False
    status = Session.objects.filter(pk=row.session_id).values_list("status", flat=True).first()
    return status not in LIVE_FOR[kind]


# Written at delivery for rows recorded in bulk; kept, so what was sent is what is shown.
TEXT_FIELDS = ("subject", "body", "html")


def _text_write(row: Notification, *, now: datetime) -> None:
    """Write the subject and text of a row recorded in bulk from its template.
    A failure here counts as a failed try, like a mail server that refuses."""
    from .messages import text_write  # messages builds on this module

    row.subject, row.body, row.html = text_write(row, now=now)


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> Delivery:
    """Send one outbox row: claim, commit, send, mark (see the module docstring)."""
    now = now or timezone.now()
    claimed = _delivery_claim(notification_id, now=now)
    if isinstance(claimed, Delivery):
        return claimed
    row = claimed
    try:
        if row.template and not row.body:
            _text_write(row, now=now)
        channel_send(row)
    except Exception as exc:  # noqa: BLE001 - any failure of the outside world
        return _delivery_failed_try(row, exc, now=now)
    Notification.objects.filter(pk=row.pk, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENT,
        sent_at=now,
        claimed_until=None,
        subject=row.subject,
        body=row.body,
        html=row.html,
    )
    logger.info("notification %s sent", notification_id)
    return Delivery("sent")


def _delivery_claim(notification_id: int, *, now: datetime) -> Notification | Delivery:
    """Lock the row, check it may be sent now, claim it; committed on return."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .first()
        )
        if row is None:
            if Notification.objects.filter(pk=notification_id).exists():
                return Delivery("busy")  # another worker is claiming it right now
            return Delivery("gone")
        if row.status != NotificationStatus.PENDING:
            logger.info("notification %s already %s; not sent again", row.pk, row.status)
            return Delivery("done")
        if row.claimed_until is not None and row.claimed_until > now:
            return Delivery("busy")  # another worker is sending it right now
        if _is_stale(row):
            row.status = NotificationStatus.STALE
            row.save(update_fields=["status"])
            logger.info("notification %s is out of date; not sent", row.pk)
            return Delivery("stale")
        if row.claimed_until is not None:
            logger.warning("notification %s: a worker died sending it; sending again", row.pk)
        row.attempts += 1
        # Long enough for the slowest mail server; a dead worker's claim lapses after it.
        row.claimed_until = now + timedelta(seconds=settings.NOTIFY_STUCK_AFTER_SECONDS)
        row.save(update_fields=["attempts", "claimed_until"])
    return row


def _delivery_failed_try(row: Notification, exc: Exception, *, now: datetime) -> Delivery:
    row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
    row.claimed_until = None
    with transaction.atomic():
        if row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            row.status = NotificationStatus.FAILED
            row.save(update_fields=["last_error", "status", "claimed_until", *TEXT_FIELDS])
            _delivery_failed_task_open(row, now=now)
            logger.warning("notification %s failed after %s tries", row.pk, row.attempts)
            return Delivery("failed")
        delay = retry_delay(row.attempts)
        row.next_attempt_at = now + timedelta(seconds=delay)
        row.save(update_fields=["last_error", "next_attempt_at", "claimed_until", *TEXT_FIELDS])
    logger.info("notification %s: try %s failed, next in %ss", row.pk, row.attempts, delay)
    return Delivery("retry", retry_in=delay)


def notification_retry(*, notification: Notification, now: datetime | None = None) -> bool:
    """An operator sends a failed message again (admin action). True if queued."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Notification.objects.filter(
            pk=notification.pk, status=NotificationStatus.FAILED
        ).update(status=NotificationStatus.PENDING, attempts=0, next_attempt_at=now)
        if changed:
            notification_enqueue([notification.pk])
    return bool(changed)


def operator_task_open(
    *,
    kind: str,
    key: str,
    summary: str,
    summary_msgid: str = "",
    summary_params: dict | None = None,
    call=None,
    session=None,
    notification=None,
    now: datetime | None = None,
) -> OperatorTask:
    """Open an operator task once per key; a second call returns the first task.
    `summary_msgid` and `summary_params` (task_texts.task_summary) let it be read
    in each operator's language; `summary` is its text in the site's language."""
    now = now or timezone.now()
    operator_tasks_open(
        [
            OperatorTask(
                key=key,
                kind=kind,
                summary=summary,
                summary_msgid=summary_msgid,
                summary_params=summary_params or {},
                call=call,
                session=session,
                notification=notification,
                created_at=now,
            )
        ]
    )
    return OperatorTask.objects.get(key=key)


def operator_tasks_open(tasks: list[OperatorTask]) -> None:
    """Open these tasks with one insert, each once per key (an open or closed
    task with the same key is left as it is)."""
    OperatorTask.objects.bulk_create(tasks, ignore_conflicts=True)


def operator_task_close(
    *, task: OperatorTask, actor: User, note: str = "", now: datetime | None = None
) -> OperatorTask:
    now = now or timezone.now()
    with transaction.atomic():
        locked = OperatorTask.objects.select_for_update().get(pk=task.pk)
        if locked.status == OperatorTaskStatus.DONE:
            return locked
        locked.status = OperatorTaskStatus.DONE
        locked.done_at = now
        locked.done_by = actor
        if note.strip():
            locked.note = note.strip()
        locked.save(update_fields=["status", "done_at", "done_by", "note"])
    return locked


def operator_tasks_settle(
    *, call, kind: str | tuple[str, ...], note: str, now: datetime | None = None
) -> int:
    """Close the open tasks of `kind` (or kinds) for `call` that events made moot
    (e.g. the agent answered after all). Closed by the system: done_by stays empty."""
    kinds = (kind,) if isinstance(kind, str) else kind
    return OperatorTask.objects.filter(
        call=call, kind__in=kinds, status=OperatorTaskStatus.OPEN
    ).update(status=OperatorTaskStatus.DONE, done_at=now or timezone.now(), note=note)


# The channels' names as their labels' msgids (models.Channel), for a task's text.
CHANNEL_MSGIDS = {Channel.EMAIL: gettext_noop("Email"), Channel.SMS: gettext_noop("SMS")}


def _delivery_failed_task_open(row: Notification, *, now: datetime) -> None:
    operator_task_open(
        kind=OperatorTaskKind.DELIVERY_FAILED,
        key=f"delivery_failed:n{row.pk}:{row.attempts}",
        **task_summary(
            gettext_noop(
                "A “%(kind)s” message to %(recipient)s could not be delivered "
                "(%(channel)s). Contact them another way, then retry or close."
            ),
            kind=row.kind,
            recipient=str(row.recipient),
            channel=piece(CHANNEL_MSGIDS.get(row.channel, row.channel)),
        ),
        call=row.call,
        session=row.session,
        notification=row,
        now=now,
    )
