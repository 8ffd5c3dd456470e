"""Writes for calls: booking, the agent's answer, scheduling, running a session.

Each service is one transaction; every state change goes through
`calls.workflow.transition`. Callers pass `now` in tests; by default it is the
current time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import agency_agents, numbers_of_other_people
from agents.contact_rules import NumberInput, check_contacts, parse_number
from agents.models import Member
from billing import services as billing_services
from calls import occupancy, selectors, talk_time, workflow
from calls.models import (
    MAX_PLANNED_MINUTES,
    MIN_PLANNED_MINUTES,
    AgentConfirmation,
    Call,
    CallKind,
    CallState,
    ContactNumber,
    Session,
    SessionStatus,
    TalkTimeCorrection,
)
from calls.signals import call_requested
from common import dates
from common.errors import Conflict, DomainError
from common.localtime import add, to_utc
from scheduling.finder import INTERPRETED_KINDS, speaks_pair
from scheduling.languages import UnknownLanguage, languages_text, parse_languages, read_stored
from scheduling.windows import DatedWindow, WindowError, parse_windows
from scheduling.windows_text import normalise as normalise_windows

MAX_NOTE = 2000
# Sessions are booked weeks ahead; ten years is a typo (and keeps the
# arithmetic inside the calendar).
MAX_SCHEDULE_AHEAD = timedelta(days=3653)


def call_request_create(
    *,
    client: User,
    member: Member,
    kind: str,
    planned_minutes: int,
    preferred_times: str = "",
    languages: str = "",
    note: str = "",
    client_windows: list | None = None,
    created_by: User,
    request_key=None,
    now: datetime | None = None,
) -> Call:
    """SPEC step 1 and 2: book a call for `client` and ask the member's agent.

    With a `request_key` (the order form's one-time key), sending the same
    order again returns the call it booked instead of booking and holding twice.
    `client_windows` are when the client can talk, in the client's zone
    (`scheduling.windows` JSON form); `languages` pins the call's language pair
    (empty: one language of the client and one of the member, found by the finder).
    """
    now = now or timezone.now()
    client_windows = checked_windows(
        client_windows, field="client_windows", zone=client.time_zone, now=now
    )
    if not client_windows:
        # Without them the finder can only say the two sides never meet.
        raise DomainError(
            "no_windows",
            _(
                "Say when the client can talk: at least one line such as "
                "“mon-fri 09:00-18:00” or “2027-03-29 15:00-20:00”."
            ),
            field="client_windows",
        )
    languages = call_languages_text(languages, kind=kind)
    if request_key is not None:
        earlier = Call.objects.filter(client=client, request_key=request_key).first()
        if earlier is not None:
            return earlier
    if client.role != Role.CLIENT or not client.is_active:
        raise DomainError(
            "not_a_client", _("Calls can be booked only for clients."), field="client"
        )
    if created_by.pk != client.pk and not created_by.is_operator:
        raise DomainError("not_allowed", _("Only operators book calls for someone else."))
    if kind not in CallKind.values:
        raise DomainError("bad_kind", _("Choose a kind of call."), field="kind")
    if not member.is_active:
        raise DomainError("member_inactive", _("This member is not available."), field="member")
    if not MIN_PLANNED_MINUTES <= int(planned_minutes) <= MAX_PLANNED_MINUTES:
        raise DomainError(
            "bad_duration",
            _("The planned duration must be between %(min)d and %(max)d minutes.")
            % {"min": MIN_PLANNED_MINUTES, "max": MAX_PLANNED_MINUTES},
            field="planned_minutes",
        )
    if len(note or "") > MAX_NOTE:
        raise DomainError(
            "note_too_long",
            _("The note is too long (at most %(max)d characters).") % {"max": MAX_NOTE},
            field="note",
        )
    for field, text in (("languages", languages), ("preferred_times", preferred_times)):
        limit = Call._meta.get_field(field).max_length
        if len((text or "").strip()) > limit:
            raise DomainError(
                "too_long",
                _("This is too long (at most %(max)d characters).") % {"max": limit},
                field=field,
            )
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a clash must not spoil the outer one
                call = Call.objects.create(
                    client=client,
                    member=member,
                    kind=kind,
                    planned_minutes=int(planned_minutes),
                    preferred_times=(preferred_times or "").strip(),
                    client_windows=client_windows,
                    client_time_zone=client.time_zone,
                    languages=languages,
                    note=(note or "").strip(),
                    created_by=created_by,
                    request_key=request_key,
                    created_at=now,
                    state_changed_at=now,
                )
        except IntegrityError:
            # The same order sent twice at once: the other request booked it.
            earlier = (
                Call.objects.filter(client=client, request_key=request_key).first()
                if request_key is not None
                else None
            )
            if earlier is None:
                raise
            return earlier
        # SPEC step 1: no hold, no request (refused with how much credit is missing).
        billing_services.call_hold(
            call_id=call.pk,
            client=client,
            kind=kind,
            planned_minutes=call.planned_minutes,
            actor=created_by,
            now=now,
        )
        call_requested.send(sender=Call, call_id=call.pk, actor_id=created_by.pk, at=now)
        # With nobody at the agency to ask, the request waits in "requested"
        # for an operator (who adds the agent and presses "Ask the agent"). The
        # workflow's guard is what knows (asking here first cost a second query).
        try:
            workflow.transition(
                call, CallState.AWAITING_AGENT, actor=None, reason="agent asked", now=now
            )
        except DomainError as refusal:
            if refusal.code != "no_agent":
                raise
    return call


def checked_windows(windows, *, field: str, zone: str, now: datetime) -> list[dict]:
    """Windows in their one stored form, or a readable refusal on `field`.

    A dated window that has already ended (read in its owner's `zone`) is
    refused: nobody can talk then, and the finder would only say "never"."""
    try:
        stored = normalise_windows(windows or [])
    except WindowError as exc:
        raise DomainError(
            "bad_windows",
            _("These times can't be read: %(problem)s.") % {"problem": exc},
            field=field,
        ) from exc
    local_now = now.astimezone(ZoneInfo(zone or "UTC")).replace(tzinfo=None)
    for window in parse_windows(stored):
        if isinstance(window, DatedWindow) and window.end <= local_now:
            raise DomainError(
                "window_in_the_past",
                _("The times from %(start)s to %(end)s are already over.")
                % {
                    "start": window.start.strftime("%Y-%m-%d %H:%M"),
                    "end": window.end.strftime("%Y-%m-%d %H:%M"),
                },
                field=field,
            )
    return stored


def call_languages_text(given: str, *, kind: str = "") -> str:
    """The language pair the call pins, as codes ("en, uk"), or "" when it pins
    none: the finder then looks for an interpreter who speaks one language of
    the client and one of the member (SPEC "Finding the time").

    A pinned pair is at most two languages, and for an interpreted call some
    interpreter must speak it: refused here, before anything is held, rather
    than after the agency was asked."""
    try:
        codes = parse_languages(given)
    except UnknownLanguage as exc:
        raise DomainError(
            "bad_language",
            _("“%(word)s” is not a language we know: write e.g. “en, ru”.") % {"word": exc.word},
            field="languages",
        ) from exc
    if len(codes) > 2:
        raise DomainError(
            "not_a_pair",
            _(
                "Give at most two languages: one the client speaks and one the member "
                "speaks (or leave it empty to take them from both)."
            ),
            field="languages",
        )
    if codes and kind in INTERPRETED_KINDS and not interpreter_speaks_somewhere(frozenset(codes)):
        raise DomainError(
            "no_interpreter_for_languages",
            _("No interpreter of ours speaks %(languages)s. Choose other languages.")
            % {"languages": " ↔ ".join(codes)},
            field="languages",
        )
    return languages_text(codes)


def interpreter_speaks_somewhere(pinned: frozenset[str]) -> bool:
    """Some active interpreter speaks every pinned language."""
    spoken = User.objects.filter(role=Role.INTERPRETER, is_active=True).values_list(
        "languages", flat=True
    )
    return any(speaks_pair(read_stored(text), pinned=pinned) for text in spoken)


def call_confirm(
    *,
    call: Call,
    actor: User,
    numbers: list[NumberInput],
    responsible_name: str = "",
    agent_is_responsible: bool = False,
    dial: str = "",
    video_handle: str = "",
    availability: str = "",
    member_windows: list | None = None,
    now: datetime | None = None,
) -> Call:
    """SPEC step 3, yes: check the contacts as the agent gave them, store them,
    and confirm the call.

    Every door (the agent's page or link, the API, the operator answering for
    the agent) passes what was typed; the contact rules
    (`agents.contact_rules.check_contacts`) run here, once. `dial` is the raw
    number to dial, one of `numbers`. A signed agent link acts as the agent it
    was sent to.
    """
    now = now or timezone.now()
    member_windows = checked_windows(
        member_windows, field="member_windows", zone=call.member.time_zone, now=now
    )
    contacts = check_contacts(
        numbers=numbers,
        responsible_name=responsible_name,
        agent_is_responsible=agent_is_responsible,
        dial=dial,
        video_handle=video_handle,
        is_video=call.is_video,
        region=call.member.agency.country,
    )
    if bool(contacts.video_handle) != call.is_video:
        raise DomainError("contacts_kind_mismatch", _("The contacts do not fit this kind of call."))
    others = numbers_of_other_people(
        contacts.numbers, member=call.member
    ) + selectors.numbers_of_other_members(contacts.numbers, member=call.member)
    if others:
        region = call.member.agency.country
        errors: dict[str, list[str]] = {}
        for role, e164, message in others:
            rows = [
                f"numbers-{index}"
                for index, entry in enumerate(numbers)
                if entry.role == role and parse_number(entry.raw or "", region) == e164
            ]
            errors.setdefault(rows[0] if rows else "numbers", []).append(message)
        raise DomainError("number_of_someone_else", others[0][2], errors=errors)
    with transaction.atomic():
        # Lock first so two confirmations can't both create a record.
        locked = workflow.lock_call(call.pk)
        if locked.state != CallState.AWAITING_AGENT:
            raise Conflict(
                "already_answered",
                _("This request has already been answered or closed."),
            )
        responsible = contacts.responsible_name
        if contacts.agent_is_responsible:
            # The agency's agent, also when an operator takes the answer by phone.
            agent = (
                actor
                if actor.role == Role.AGENT
                else agency_agents(locked.member.agency_id).first()
            )
            responsible = (agent.get_full_name() or agent.username) if agent else ""
        confirmation = AgentConfirmation.objects.create(
            call=locked,
            responsible_name=responsible,
            agent_is_responsible=contacts.agent_is_responsible,
            dial_number=contacts.dial_number,
            video_handle=contacts.video_handle,
            availability=(availability or "").strip(),
            member_windows=member_windows,
            member_time_zone=locked.member.time_zone,
            confirmed_by=actor,
            confirmed_at=now,
        )
        ContactNumber.objects.bulk_create(
            [
                ContactNumber(confirmation=confirmation, role=n.role, number=n.e164)
                for n in dict.fromkeys(contacts.numbers)
            ]
        )
        workflow.transition(locked, CallState.CONFIRMED, actor=actor, reason="", now=now)
    call.refresh_from_db()
    return call


def call_decline(*, call: Call, actor: User, reason: str, now=None) -> Call:
    """SPEC step 3, no: the member declined; the request closes."""
    with transaction.atomic():
        workflow.transition(call, CallState.DECLINED, actor=actor, reason=reason, now=now)
        Call.objects.filter(pk=call.pk).update(decline_reason=(reason or "").strip())
    call.refresh_from_db()
    return call


def call_cancel(
    *, call: Call, actor: User, reason: str = "", outcome: str | None = None, now=None
) -> Call:
    """Cancel: by the client (late inside the cutoff), the agency (member_cancelled)
    or an operator (who says which, or none)."""
    return workflow.transition(
        call, CallState.CANCELLED, actor=actor, reason=reason, outcome=outcome, now=now
    )


def session_schedule(
    *,
    call: Call,
    starts_at: datetime,
    interpreter: User,
    actor: User,
    minutes: int | None = None,
    buffer_minutes: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Session:
    """SPEC step 4: schedule (or reschedule) the call with an interpreter.

    The overlap check here gives a readable message; the exclusion constraint
    on PostgreSQL makes it true even for two operators booking at once.
    """
    now = now or timezone.now()
    if timezone.is_naive(starts_at):
        raise DomainError("naive_time", _("The start time needs a time zone."), field="starts_at")
    # Durations are added to the instant in UTC, never on a local wall clock.
    starts_at = to_utc(starts_at)
    if starts_at <= now:
        raise DomainError("in_the_past", _("The start time is in the past."), field="starts_at")
    if starts_at - now > MAX_SCHEDULE_AHEAD:
        # Also keeps the arithmetic below inside the calendar (year 9999).
        raise DomainError(
            "too_far_ahead",
            _("The start time is more than ten years ahead."),
            field="starts_at",
        )
    if interpreter.role != Role.INTERPRETER or not interpreter.is_active:
        # Calls without an interpreter are still organised and recorded by one.
        raise DomainError(
            "not_an_interpreter", _("Choose an active interpreter."), field="interpreter"
        )
    if not call.is_video and not call.client.phone:
        # The interpreter phones the client to connect the sides (SPEC step 6).
        raise DomainError(
            "client_without_phone",
            _(
                "The client has no phone number, so the interpreter could not phone them. "
                "Add the client's number first, or make it a video call."
            ),
            field="starts_at",
        )
    minutes = minutes or call.planned_minutes
    buffer = occupancy.buffer(buffer_minutes)
    planned_end = add(starts_at, timedelta(minutes=minutes))
    blocked_from, blocked_until = occupancy.held_range(
        starts_at=starts_at, ends_at=planned_end, buffer_minutes=buffer_minutes
    )
    try:
        with transaction.atomic():
            locked = workflow.lock_call(call.pk)
            clash = selectors.interpreter_conflicts(
                interpreter=interpreter,
                blocked_from=blocked_from,
                blocked_until=blocked_until,
                exclude_call=locked,
            ).first()
            if clash is not None:
                raise _busy_error(interpreter, clash, buffer)
            previous = locked.sessions.live().first()
            rescheduled = previous is not None
            if previous is not None:
                if previous.status not in (SessionStatus.PLANNED, SessionStatus.OVERDUE):
                    raise Conflict(
                        "session_running", _("A session that has started cannot be moved.")
                    )
                workflow.session_transition(
                    previous,
                    SessionStatus.SUPERSEDED,
                    actor=actor,
                    reason=reason or "rescheduled",
                    now=now,
                    call_locked=True,
                )
            session = Session.objects.create(
                call=locked,
                interpreter=interpreter,
                starts_at=starts_at,
                planned_end=planned_end,
                blocked_from=blocked_from,
                blocked_until=blocked_until,
            )
            workflow.transition(
                locked,
                CallState.SCHEDULED,
                actor=actor,
                reason=reason or ("rescheduled" if rescheduled else "scheduled"),
                now=now,
            )
    except (IntegrityError, OperationalError) as exc:
        # Another operator took the slot between our check and our insert: the
        # exclusion constraint refuses ours, or, when both inserts wait on each
        # other, PostgreSQL breaks the deadlock by failing one of them.
        if not _is_overlap_refusal(exc):
            raise
        raise Conflict(
            "interpreter_busy",
            _("The interpreter was just booked for an overlapping time. Choose another time."),
            field="starts_at",
        ) from exc
    call.refresh_from_db()
    return session


DEADLOCK_DETECTED = "40P01"


def _is_overlap_refusal(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return "session_interpreter_no_overlap" in str(exc)
    return getattr(exc.__cause__, "pgcode", None) == DEADLOCK_DETECTED


def _busy_error(interpreter: User, clash: Session, buffer: timedelta) -> Conflict:
    """Say when the other session runs, in the reader's time zone, and the gap needed.

    The buffer is the gap between two sessions, counted once (calls.occupancy).
    """
    return Conflict(
        "interpreter_busy",
        _(
            "%(name)s already has a session from %(start)s to %(end)s (%(tz)s), and sessions "
            "need %(gap)d minutes between them. Choose another time or interpreter."
        )
        % {
            "name": interpreter.get_full_name() or interpreter.username,
            "start": dates.format_datetime(clash.started_at or clash.starts_at, zone=False),
            "end": dates.format_time(clash.ended_at or clash.planned_end),
            "tz": timezone.get_current_timezone_name(),
            "gap": int(buffer.total_seconds() // 60),
        },
        field="starts_at",
    )


def session_start(
    *, session: Session, actor: User, now: datetime | None = None, reason: str = ""
) -> Session:
    """SPEC step 6: the interpreter starts the conversation.

    Allowed from SESSION_START_LEAD_MINUTES before its time, not earlier (the
    workflow's session guard). The start time is the server's clock, or the
    media server's (rooms.clock, with a `reason` saying so).
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The call first (the lock order: call, then session).
        workflow.transition(
            session.call, CallState.IN_PROGRESS, actor=actor, reason=reason, now=now
        )
        return workflow.session_transition(
            session,
            SessionStatus.IN_PROGRESS,
            actor=actor,
            reason=reason,
            now=now,
            call_locked=True,
        )


def session_end(
    *,
    session: Session,
    actor: User,
    talk_seconds: int | None = None,
    talk_reason: str = "",
    no_recording_reason: str = "",
    now: datetime | None = None,
    complete: bool = True,
    reason: str = "",
) -> Session:
    """SPEC step 6 and 7: end the conversation and complete the call.

    `complete=False` ends the session only: a video room's recording is
    mixed after the end and completes the call when it is attached
    (rooms.recording); `reason` then says who ended it (the room's clock).

    Talk time is measured: end − start by the server's clock. `talk_seconds`
    corrects it (e.g. the conference line's figure): never more than measured,
    never negative, with `talk_reason`; the correction is audited
    (calls.talk_time). Completing without a recording needs a written reason;
    the workflow guard checks it. The interpreter is free again from the
    actual end plus the buffer (calls.occupancy).
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The call first, then the session (the lock order): an end racing a
        # cancel or a reschedule waits for it, then reads what it left.
        call = workflow.lock_call(session.call_id)
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.IN_PROGRESS or locked.started_at is None:
            raise Conflict("session_not_running", _("The session is not running."))
        ended_at = max(now, locked.started_at)
        measured = talk_time.measured_seconds(locked.started_at, ended_at)
        billed = talk_time.checked_talk_seconds(
            measured=measured, corrected=talk_seconds, reason=talk_reason
        )
        changes = {"talk_seconds": billed, "measured_seconds": measured, "ended_at": ended_at}
        if no_recording_reason.strip():
            changes["no_recording_reason"] = no_recording_reason.strip()
        locked = workflow.session_transition(
            locked,
            SessionStatus.ENDED,
            actor=actor,
            reason=reason,
            now=now,
            call_locked=True,
            **changes,
        )
        if billed != measured:
            TalkTimeCorrection.objects.create(
                session=locked,
                measured_seconds=measured,
                talk_seconds=billed,
                reason=talk_reason.strip(),
                actor=actor,
                at=now,
            )
        _release_from_actual_end(locked)
        if not complete:
            return locked
        workflow.transition(
            call,
            CallState.COMPLETED,
            actor=actor,
            reason=no_recording_reason.strip(),
            now=now,
        )
    return locked


def session_complete(
    *,
    session: Session,
    actor: User,
    no_recording_reason: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> Call:
    """Complete the call of a session that has ended without completing it
    (`session_end(complete=False)`: a video room, once its recording is in).
    Completing again is harmless: a completed call is returned as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        call = workflow.lock_call(session.call_id)
        if call.state == CallState.COMPLETED:
            return call
        if no_recording_reason.strip():
            Session.objects.filter(pk=session.pk).update(
                no_recording_reason=no_recording_reason.strip()
            )
        return workflow.transition(
            call, CallState.COMPLETED, actor=actor, reason=reason or no_recording_reason, now=now
        )


def _release_from_actual_end(session: Session) -> None:
    """Hold the interpreter until the actual end plus the buffer, not the planned end.

    An early end frees the rest of the slot. A late end keeps the buffer after
    it too, unless another session already holds that time: the end is a fact
    and is never refused, so the record then keeps what it had.
    """
    blocked_from, blocked_until = occupancy.held_range(
        starts_at=session.blocked_from, ends_at=session.ended_at
    )
    if blocked_until == session.blocked_until:
        return
    try:
        with transaction.atomic():  # a savepoint: a refused extension keeps the end
            Session.objects.filter(pk=session.pk).update(blocked_until=blocked_until)
    except IntegrityError as exc:
        if not _is_overlap_refusal(exc):
            raise
    else:
        session.blocked_until = blocked_until


def session_mark_overdue(*, session: Session, now: datetime | None = None) -> bool:
    """Flag a session not started NOTIFY_OVERDUE_AFTER_MINUTES after its time.
    True if it changed now."""
    try:
        workflow.session_transition(session, SessionStatus.OVERDUE, actor=None, now=now)
    except DomainError:
        return False  # started, missed or moved meanwhile
    return True


def sessions_mark_overdue(*, sessions, now: datetime | None = None) -> list[int]:
    """`session_mark_overdue` for a sweep's batch, set-based: the keys of the
    sessions that changed now (the others were started, missed or moved)."""
    return workflow.session_transition_many(sessions, SessionStatus.OVERDUE, now=now).ids


def calls_mark_missed(*, call_ids, now: datetime | None = None) -> workflow.Moved:
    """The sweep's `call_mark_missed` for a batch, set-based: the calls missed
    now, and the refusal of each one that had moved on (started, cancelled,
    missed by someone else)."""
    return workflow.transition_many(
        call_ids, CallState.MISSED, reason="not started in time", now=now
    )


def call_mark_missed(
    *, call: Call, actor: User | None, reason: str = "", outcome: str | None = None, now=None
) -> Call:
    """The call did not happen: the interpreter or an operator gives the outcome;
    the sweep (no actor, 30 minutes after the time) records what is known."""
    return workflow.transition(
        call,
        CallState.MISSED,
        actor=actor,
        reason=reason or ("" if actor else "not started in time"),
        outcome=outcome,
        now=now,
    )


def call_move(
    *,
    call: Call,
    to_state: str,
    actor: User,
    reason: str = "",
    outcome: str = "",
    talk_seconds: int | None = None,
    talk_reason: str = "",
    now: datetime | None = None,
) -> Call:
    """Move a call to `to_state` by the action that state stands for (the
    admin's workflow buttons): cancel, decline, mark missed, start, end, or the
    plain transition (ask the agent). The same services, with the same rules,
    as at every other door; the workflow's refusal comes first if the edge
    itself is illegal."""
    workflow.ensure_can_move(call, to_state, actor=actor)
    if to_state == CallState.CANCELLED:
        return call_cancel(call=call, actor=actor, reason=reason, outcome=outcome, now=now)
    if to_state == CallState.DECLINED:
        return call_decline(call=call, actor=actor, reason=reason, now=now)
    if to_state == CallState.MISSED:
        return call_mark_missed(call=call, actor=actor, reason=reason, outcome=outcome, now=now)
    if to_state == CallState.IN_PROGRESS:
        session_start(session=selectors.live_session(call), actor=actor, now=now)
    elif to_state == CallState.COMPLETED:
        session_end(
            session=selectors.live_session(call),
            actor=actor,
            talk_seconds=talk_seconds,
            talk_reason=talk_reason,
            no_recording_reason=reason,
            now=now,
        )
    else:
        workflow.transition(call, to_state, actor=actor, reason=reason, now=now)
    call.refresh_from_db()
    return call
