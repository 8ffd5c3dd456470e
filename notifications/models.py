"""The outbox: every message the product sends is a row first, then delivered.

SPEC "Reminders and escalations": a message is recorded with a unique key
(what, for which call or session, through which channel, to whom) so a sweep
that runs twice, or two sweeps at once, record it once; delivery claims the
row (committed), sends, then marks it sent, so a task the broker hands out
twice finds it claimed or sent (notifications/services.py). Operator tasks are the escalations that
need a person: they appear in the admin until someone closes them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .task_texts import task_text


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # About a session that was rescheduled, cancelled or started before the
    # message left: sending it would mislead.
    STALE = "stale", _("Not sent: out of date")


class Notification(models.Model):
    # e.g. "reminder60:s42:email:7". Unique: the same message can't be recorded twice.
    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    # The address at the time of writing: what was used is what is shown.
    address = models.CharField(_("address"), max_length=254)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    # The email's HTML alternative of `body` (notifications/html.py), written with it.
    # Defaults in the database too: the sweeps' bulk INSERT ... SELECT (bulk.py) leaves them out.
    html = models.TextField(_("HTML text"), blank=True, db_default="")
    # The iCalendar invite an email that schedules, moves or cancels a session
    # carries (calendars.invites), as written when its cause committed.
    calendar = models.TextField(_("calendar invite"), blank=True, db_default="")
    # Rows the sweeps record in bulk (notifications/bulk.py) name their template
    # and get their subject and text when they leave, written from it then.
    template = models.CharField(_("template"), max_length=60, blank=True)
    call = models.ForeignKey(
        "calls.Call",
        verbose_name=_("call"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_index=False,  # (call, kind) below serves lookups by call too
    )
    session = models.ForeignKey(
        "calls.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_index=False,  # (session, kind) below serves lookups by session too
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the next delivery is due; a pending row long past it is re-queued.
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("recorded at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Set (and committed) before a worker sends the message, cleared when it is
    # marked: while in the future, other workers leave the row alone; once past
    # with the row still pending, the worker died and the message may or may
    # not have left, so it is sent again (same Message-ID).
    claimed_until = models.DateTimeField(_("being sent until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The re-queue sweep: pending rows by due time, and nothing else.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="notification_pending_due",
            ),
            # "Has this session had its 1 h reminder?" (the sweeps' anti-joins).
            models.Index(fields=["session", "kind"], name="notification_session_kind"),
            models.Index(fields=["call", "kind"], name="notification_call_kind"),
            models.Index(fields=["status", "-created_at"], name="notification_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.get_status_display()})"


# What each kind of message is, for the people reading the outbox (a message's
# kind is its key's first part; reminders and unassignments carry a suffix).
MESSAGE_KINDS = {
    "agent_request": _("Agent asked"),
    "agent_chase": _("Agent reminded"),
    "agent_escalated": _("Agent did not answer"),
    "declined": _("Declined"),
    "confirmed": _("Member agreed"),
    "scheduled": _("Scheduled"),
    "cancelled": _("Cancelled"),
    "reminder": _("Reminder"),
    "overdue": _("Overdue"),
    "missed": _("Missed"),
    "unassigned": _("Taken off the call"),
    "not_called": _("Agent: we were not called"),
    "webhook_disabled": _("Webhook endpoint switched off"),
    "account_sign_in_paused": _("Sign-in paused"),
}


def message_kind_label(kind: str) -> str:
    for prefix, label in MESSAGE_KINDS.items():
        if kind == prefix or kind.startswith(prefix) and not kind[len(prefix)].isalpha():
            return str(label)
    return kind


class OperatorTaskKind(models.TextChoices):
    # Two escalation steps, each with its own kind and key (one per call): an
    # agency with nobody to ask, and an agent who was asked and never answered.
    AGENCY_WITHOUT_AGENT = "agency_without_agent", _("Agency has nobody to ask")
    AGENT_NO_ANSWER = "agent_no_answer", _("Agent has not answered")
    RESCHEDULE_MISSED = "reschedule_missed", _("Missed call: reschedule")
    DELIVERY_FAILED = "delivery_failed", _("A message could not be delivered")
    CLIENT_OVERDRAWN = "client_overdrawn", _("Client overdrawn: ask for a top-up")
    MOVE_REQUESTED = "move_requested", _("Asked to move a call")


class OperatorTaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class OperatorTask(models.Model):
    """Something an operator must do; opened by the sweeps, closed in the admin."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OperatorTaskKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OperatorTaskStatus.choices,
        default=OperatorTaskStatus.OPEN,
    )
    call = models.ForeignKey(
        "calls.Call",
        verbose_name=_("call"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="operator_tasks",
    )
    session = models.ForeignKey(
        "calls.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="operator_tasks",
    )
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="operator_tasks",
    )
    summary = models.TextField(_("what to do"))
    # The message (English msgid) and its values: the summary in the reader's
    # language when shown (notifications/task_texts.py); empty for older tasks.
    # (Defaults in the database too: bulk loaders that name only the old columns still work.)
    summary_msgid = models.TextField(blank=True, default="", db_default="")
    summary_params = models.JSONField(blank=True, null=True, default=dict)
    created_at = models.DateTimeField(_("opened at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("operator task")
        verbose_name_plural = _("operator tasks")
        ordering = ["status", "-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="operatortask_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def summary_text(self) -> str:
        """What to do, in the active language."""
        return task_text(self)
