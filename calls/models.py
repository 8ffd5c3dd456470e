"""A call's data: the request, the agent's confirmation, sessions, audit.

Recordings live in the recordings app (sealed; the one way in and out).

State changes never happen here: `calls.workflow.transition` is the only
writer of `Call.state`, `calls.workflow.session_transition` of `Session.status`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from agents.contact_rules import NumberRole
from billing.models import Kind as CallKind  # one source: the services billing prices
from billing.models import Outcome
from common import dates
from common.caches import settings_cache
from common.call_numbers import call_number

# SPEC: a call is planned for 5 to 240 minutes (every door's limit, and the database's).
MIN_PLANNED_MINUTES = 5
MAX_PLANNED_MINUTES = 240


class CallState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    AWAITING_AGENT = "awaiting_agent", _("Awaiting agent")
    DECLINED = "declined", _("Declined")
    CONFIRMED = "confirmed", _("Confirmed")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    MISSED = "missed", _("Missed")


def _label(choices: type[models.TextChoices], value: str) -> str:
    """The label of `value` among `choices` in the active language (a string,
    as Django's get_FOO_display gives); unknown values as they are."""
    return _label_in(choices, value, translation.get_language())


@settings_cache(maxsize=1024)
def _label_in(choices: type[models.TextChoices], value: str, language: str | None) -> str:
    # Remembered per language: a list of calls asks for the same few labels on every row.
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class Call(models.Model):
    # Public identifier for URLs and the API: ids that can't be enumerated.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="calls",
    )
    member = models.ForeignKey(
        "agents.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="calls"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CallKind.choices)
    planned_minutes = models.PositiveSmallIntegerField(_("planned duration (minutes)"))
    # Free text from before windows existed; kept and shown, no longer asked.
    preferred_times = models.TextField(_("preferred times"), blank=True, max_length=1000)
    # When the client can talk: windows (scheduling.windows) in `client_time_zone`,
    # the client's zone when they gave them.
    client_windows = models.JSONField(_("client's times"), default=list, blank=True)
    client_time_zone = models.CharField(_("client's time zone"), max_length=64, blank=True)
    # ISO 639-1 codes ("en, ru"); by default the client's and the member's.
    languages = models.CharField(_("languages"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    state = models.CharField(
        _("state"), max_length=20, choices=CallState.choices, default=CallState.REQUESTED
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    # How a scheduled call ended (SPEC "outcomes"); written only by the workflow.
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Defaults, not auto_now_add: services pass their `now` (tests, demo data).
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    # The order form's one-time key: the same order sent twice (Back, then
    # submit again) books one call, not two.
    request_key = models.UUIDField(null=True, blank=True, editable=False)
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)
    # When the call reached each stage on the way to being held (STAGE_TIMES: the
    # workflow's awaiting_agent → confirmed, confirmed → scheduled and scheduled →
    # in_progress edges, each taken at most once) and whether its own client picked
    # the time (the scheduling edge's actor; None until scheduled). Copies of the
    # audit's rows, written by calls.workflow.transition with them: the reports
    # read a period's calls without joining them to millions of audit rows.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True, editable=False)
    held_at = models.DateTimeField(_("call started at"), null=True, blank=True, editable=False)
    picked_by_client = models.BooleanField(
        _("time picked by the client"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "state_changed_at"]),
            # A client's lists, newest first, and their sizes, read from the
            # index alone (the dashboard's counts and pages at 2,000 calls).
            models.Index(
                fields=["client", "-created_at"],
                include=["state", "id"],
                name="call_client_newest",
            ),
            # The reports read calls requested in a period (agencies, time to a call).
            models.Index(fields=["created_at"], name="call_created_at_reports"),
            # The admin's list: newest first, a page at a time (ORDER BY created_at DESC, id DESC).
            models.Index(fields=["-created_at", "-id"], name="call_newest_first"),
            # Requests still open (a few thousand of a million): front page, sweeps, inboxes.
            models.Index(
                fields=["state_changed_at"],
                condition=models.Q(state__in=["requested", "awaiting_agent", "confirmed"]),
                name="call_open_requests",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_minutes__gte=MIN_PLANNED_MINUTES)
                & models.Q(planned_minutes__lte=MAX_PLANNED_MINUTES),
                name="call_planned_minutes_range",
            ),
            models.UniqueConstraint(
                fields=["client", "request_key"], name="call_one_booking_per_request_key"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """What people call this call: `C-10427` (common/call_numbers.py)."""
        return call_number(self.pk) if self.pk else "—"

    # Django's get_FOO_display rebuilds the choices map on every call; lists
    # of calls call these per row, so look the label up in the enum instead.
    def get_kind_display(self):
        return _label(CallKind, self.kind)

    def get_state_display(self):
        return _label(CallState, self.state)

    @property
    def is_video(self) -> bool:
        return self.kind == CallKind.VIDEO

    @property
    def active_session(self):
        """The live session, if any (prefetch `sessions` to avoid a query)."""
        for session in self.sessions.all():
            if session.is_live:
                return session
        return None


class AgentConfirmation(models.Model):
    """What the agent answered for the member: yes with contacts, or no with a reason."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="confirmation")
    responsible_name = models.CharField(_("responsible employee"), max_length=200, blank=True)
    agent_is_responsible = models.BooleanField(_("the agent is the responsible person"))
    dial_number = PhoneNumberField(_("number to dial"), blank=True)
    video_handle = models.CharField(_("video handle"), max_length=100, blank=True)
    # Free text from before windows existed; kept and shown.
    availability = models.TextField(_("member's availability"), blank=True, max_length=1000)
    member_windows = models.JSONField(_("member's times"), default=list, blank=True)
    member_time_zone = models.CharField(_("member's time zone"), max_length=64, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agent's confirmation")
        verbose_name_plural = _("agent's confirmations")

    def __str__(self) -> str:
        return f"confirmation of {self.call}"


class ContactNumber(models.Model):
    confirmation = models.ForeignKey(
        AgentConfirmation, on_delete=models.CASCADE, related_name="numbers"
    )
    role = models.CharField(_("whose number"), max_length=20, choices=NumberRole.choices)
    number = PhoneNumberField(_("number"))

    class Meta:
        verbose_name = _("contact number")
        verbose_name_plural = _("contact numbers")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["confirmation", "role", "number"], name="contact_number_unique"
            )
        ]
        # "Is this another member's own number?" is asked at every confirmation
        # (calls.selectors.numbers_of_other_members).
        indexes = [
            models.Index(
                fields=["number"],
                condition=models.Q(role="member"),
                name="contactnumber_member_own",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.number}"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OVERDUE = "overdue", _("Overdue")
    IN_PROGRESS = "in_progress", _("In progress")
    ENDED = "ended", _("Ended")
    MISSED = "missed", _("Missed")
    SUPERSEDED = "superseded", _("Superseded by a reschedule")
    CANCELLED = "cancelled", _("Cancelled")


# A call has at most one live session; these are the dead ones.
DEAD_SESSION_STATUSES = (SessionStatus.SUPERSEDED, SessionStatus.CANCELLED)


class SessionQuerySet(models.QuerySet):
    def live(self):
        """The sessions that still stand: not superseded by a reschedule, not
        cancelled. A call has at most one (the `one_live_session_per_call`
        constraint)."""
        return self.exclude(status__in=DEAD_SESSION_STATUSES)


# Sessions that occupy their interpreter's time (the exclusion constraint's
# condition, kept in step with migration calls.0002).
BLOCKING_STATUSES = (
    SessionStatus.PLANNED,
    SessionStatus.OVERDUE,
    SessionStatus.IN_PROGRESS,
    SessionStatus.ENDED,
)


class Session(models.Model):
    """A scheduled conversation. A reschedule supersedes the old session."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="sessions")
    interpreter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("interpreter"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    starts_at = models.DateTimeField(_("starts at"))
    planned_end = models.DateTimeField(_("planned end"))
    # The interpreter's time the session holds: from its start to its planned,
    # then actual, end plus the buffer once (calls.occupancy). Stored so the
    # database can enforce no overlap (see 0002).
    blocked_from = models.DateTimeField()
    blocked_until = models.DateTimeField()
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    overdue_at = models.DateTimeField(_("marked overdue at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # What is billed: the measured time, or a correction of it (calls.talk_time).
    talk_seconds = models.PositiveIntegerField(_("talk time (seconds)"), null=True, blank=True)
    # End − start by the server's clock; a correction never exceeds it.
    measured_seconds = models.PositiveIntegerField(
        _("measured talk time (seconds)"), null=True, blank=True
    )
    no_recording_reason = models.TextField(_("why there is no recording"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["interpreter", "starts_at"]),
            # Live sessions (a few thousand of a million): front page, duty desk, sweeps.
            models.Index(
                fields=["starts_at"],
                condition=models.Q(status__in=["planned", "overdue", "in_progress"]),
                name="session_live_starts_at",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gt=models.F("starts_at")),
                name="session_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(blocked_from__lte=models.F("starts_at"))
                & models.Q(blocked_until__gte=models.F("blocked_from"))
                & (
                    models.Q(blocked_until__gte=models.F("planned_end"))
                    | models.Q(ended_at__isnull=False, blocked_until__gte=models.F("ended_at"))
                ),
                name="session_blocked_covers_session",
            ),
            models.UniqueConstraint(
                fields=["call"],
                condition=~models.Q(status__in=["superseded", "cancelled"]),
                name="one_live_session_per_call",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(started_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="session_ends_after_it_started",
            ),
            # Billed talk time never exceeds the measured one (and, on
            # PostgreSQL, never the elapsed time itself: migration 0012).
            models.CheckConstraint(
                condition=models.Q(talk_seconds__isnull=True)
                | models.Q(measured_seconds__isnull=True)
                | models.Q(talk_seconds__lte=models.F("measured_seconds")),
                name="session_talk_within_measured",
            ),
        ]

    def __str__(self) -> str:
        # In the reader's zone and language (common/dates.py), like every time shown.
        return f"{self.call} · {dates.format_datetime(self.starts_at)}"

    @property
    def planned_minutes(self) -> int:
        """The length agreed when scheduling (may differ from what the client asked)."""
        return int((self.planned_end - self.starts_at).total_seconds() // 60)

    @property
    def is_live(self) -> bool:
        """Still stands (`Session.objects.live()`, for one row in hand)."""
        return self.status not in DEAD_SESSION_STATUSES


def recording_path(instance, filename: str) -> str:
    """Named by migration 0001 (recordings were plain files here before recordings/)."""
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"recordings/{uuid.uuid4().hex}.{suffix}"


class TalkTimeCorrection(models.Model):
    """The audit of a corrected talk time: both figures, who, when and why."""

    session = models.OneToOneField(
        Session, on_delete=models.PROTECT, related_name="talk_correction"
    )
    measured_seconds = models.PositiveIntegerField(_("measured (seconds)"))
    talk_seconds = models.PositiveIntegerField(_("billed (seconds)"))
    reason = models.TextField(_("why"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("talk time correction")
        verbose_name_plural = _("talk time corrections")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(talk_seconds__lte=models.F("measured_seconds")),
                name="talk_correction_not_over_measured",
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="talk_correction_has_a_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measured_seconds}s → {self.talk_seconds}s"


class AuditRow(models.Model):
    """What every audit row says besides what changed: who, when and why."""

    # None means the system (a scheduled sweep), never an unknown person.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("why"), blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    @property
    def reason_shown(self) -> str:
        return reason_label(self.reason)


class SessionTransition(AuditRow):
    """The audit trail of a session: every change of its status."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=20, choices=SessionStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=SessionStatus.choices)

    class Meta(AuditRow.Meta):
        verbose_name = _("session change")
        verbose_name_plural = _("session changes")
        indexes = [models.Index(fields=["session", "at"])]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


# Reasons the system writes itself: stored as written, shown in the reader's language.
SYSTEM_REASONS = {
    "agent asked": _("agent asked"),
    "scheduled": _("scheduled"),
    "rescheduled": _("rescheduled"),
    "picked from the proposed times": _("picked from the proposed times"),
    "not started in time": _("not started in time"),
    "cancelled by operator (bulk)": _("cancelled by operator (bulk)"),
    "marked missed by operator (bulk)": _("marked missed by operator (bulk)"),
}


def reason_label(reason: str) -> str:
    """A transition's reason as the reader should see it (a person's words stay as typed)."""
    return str(SYSTEM_REASONS.get(reason, reason))


# The stage each workflow edge reaches (Call.confirmed_at, scheduled_at, held_at).
STAGE_TIMES = {
    (CallState.AWAITING_AGENT, CallState.CONFIRMED): "confirmed_at",
    (CallState.CONFIRMED, CallState.SCHEDULED): "scheduled_at",
    (CallState.SCHEDULED, CallState.IN_PROGRESS): "held_at",
}


class CallTransition(AuditRow):
    """The audit trail: every change of a call's state (and the outcome it ended with)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("from"), max_length=20, choices=CallState.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=CallState.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)

    class Meta(AuditRow.Meta):
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        indexes = [models.Index(fields=["call", "at"])]

    def __str__(self) -> str:
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class DialResult(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    SWITCHED_OFF = "switched_off", _("Switched off")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class DialAttempt(models.Model):
    """One try of one given number: the evidence behind "member unreachable"."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="dial_attempts")
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="dial_attempts", null=True, blank=True
    )
    number = PhoneNumberField(_("number"))
    result = models.CharField(_("result"), max_length=20, choices=DialResult.choices)
    at = models.DateTimeField(_("when"))
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dial attempt")
        verbose_name_plural = _("dial attempts")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["call", "at"])]

    def __str__(self) -> str:
        return f"{self.get_result_display()} · {dates.format_datetime(self.at)}"


class NotCalledAlarm(models.Model):
    """The agent's "we were not called": raised once per session, from its start
    time until it is marked missed; the interpreter and the duty manager are told."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="alarms")
    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="alarm")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    via_link = models.BooleanField(_("from the emailed link"), default=False)
    raised_at = models.DateTimeField(_("raised at"))

    class Meta:
        verbose_name = _("“we were not called” alarm")
        verbose_name_plural = _("“we were not called” alarms")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"alarm on {self.call}"
