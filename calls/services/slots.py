"""Finding the time for a stored call: the slot finder fed from the database.

`call_slot_search` reads everything the finder needs in a fixed number of
queries (the call's confirmation, the interpreters with their working time,
the sessions in the searched weeks), however many interpreters and sessions
there are, and runs the pure `scheduling.finder`. `call_slot_book` schedules
one proposal through the one scheduling service (`services.session_schedule`):
the database's exclusion constraint stays the last word, and a slot taken
meanwhile is a readable refusal.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from calls import services
from calls.models import BLOCKING_STATUSES, AgentConfirmation, Call, CallState, Session
from calls.signals import slot_search_unmet
from common.call_numbers import pk_from_call_number
from common.errors import Conflict, DomainError
from scheduling.finder import (
    INTERPRETED_KINDS,
    INTERPRETERS_BUSY,
    NO_INTERPRETER_FOR_LANGUAGES,
    CallNeeds,
    InterpreterTime,
    Party,
    SlotDays,
    SlotSearch,
    find_slot_days,
    find_slots,
    speaks,
)
from scheduling.languages import read_stored
from scheduling.models import WorkingTime
from scheduling.rules import product_rules
from scheduling.scenario import utc_text
from scheduling.windows import parse_windows, windows_as_data

SEARCHABLE_STATES = (CallState.CONFIRMED, CallState.SCHEDULED)
# Searches that end for want of an interpreter are announced (the reports count them).
UNMET_REASONS = (NO_INTERPRETER_FOR_LANGUAGES, INTERPRETERS_BUSY)


@dataclass(frozen=True)
class Proposal:
    starts_at: datetime
    ends_at: datetime
    interpreter: User


@dataclass(frozen=True)
class CallSlots:
    proposals: list[Proposal]
    reason: str | None
    message: str | None


def call_search_input(call: Call, *, now: datetime, days: int | None = None, limit=None) -> dict:
    """Keyword arguments for `find_slots` for this call (four queries, whatever the numbers)."""
    rules = product_rules(horizon_days=days, limit=limit)
    confirmation = AgentConfirmation.objects.filter(call=call).first()
    client_zone = call.client_time_zone or call.client.time_zone
    member_zone = (confirmation and confirmation.member_time_zone) or call.member.time_zone
    needs = call_language_needs(call)
    working_times = WorkingTime.objects.filter(
        interpreter__role=Role.INTERPRETER, interpreter__is_active=True
    )
    if needs.kind in INTERPRETED_KINDS:
        # Only interpreters who may speak the pair (codes stored as "en, ru, uk"):
        # every pinned language, else one of each side's. The finder decides
        # (`speaks`); this only spares reading the others' sessions.
        for languages in (
            [{code} for code in needs.languages]
            if needs.languages
            else [side for side in (needs.client_languages, needs.member_languages) if side]
        ):
            working_times = working_times.filter(_speaks_one_of(languages))
    # Sessions far enough either side to count each interpreter's week (the tie rule).
    lo = now - timedelta(days=8)
    hi = now + timedelta(days=rules.horizon_days + 8)
    # Each session as the finder reads it, [a, b) with a gap of `buffer` after
    # b: the range it holds in the database (calls.occupancy.held_range: start
    # to its end, the actual one once ended, plus the buffer) less the buffer,
    # so the finder proposes exactly what the exclusion constraint accepts.
    held_buffer = timedelta(minutes=rules.buffer_minutes)
    sessions: dict[int, list] = {}
    for interpreter_id, held_from, held_until in (
        Session.objects.filter(
            status__in=BLOCKING_STATUSES,
            blocked_from__lt=hi,
            blocked_until__gt=lo,
            interpreter_id__in=working_times.values("interpreter_id"),
        )
        .exclude(call=call)  # rescheduling: the call's own session gives way
        .values_list("interpreter_id", "blocked_from", "blocked_until")
    ):
        end = max(held_from, held_until - held_buffer)
        sessions.setdefault(interpreter_id, []).append((held_from, end))
    # Plain values, not model instances: 200 interpreters cost microseconds, not milliseconds.
    interpreters = [
        InterpreterTime(
            id=pk,
            time_zone=zone,
            languages=read_stored(languages),
            hours=_windows(hours),
            extra=_windows(extra),
            off=_windows(off),
            sessions=tuple(sessions.get(pk, ())),
        )
        for pk, zone, languages, hours, extra, off in working_times.values_list(
            "interpreter_id",
            "interpreter__time_zone",
            "interpreter__languages",
            "hours",
            "extra",
            "off",
        )
    ]
    return {
        "now": now,
        "call": needs,
        "client": Party(client_zone, _windows(call.client_windows)),
        "member": Party(member_zone, _windows(confirmation.member_windows if confirmation else [])),
        "interpreters": interpreters,
        "rules": rules,
    }


@dataclass(frozen=True)
class ProposalDay:
    day: date
    proposals: list[Proposal]
    more: int


@dataclass(frozen=True)
class CallSlotDays:
    """Every free start of the horizon by the viewer's days (`find_slot_days`)."""

    days: list[ProposalDay]
    first_day: date
    last_day: date
    reason: str | None
    message: str | None


def call_language_needs(call: Call) -> CallNeeds:
    """The finder's view of the call: its kind, length, the pair it pins (if
    any) and the languages the client and the member speak."""
    client_languages, member_languages = (
        Call.objects.filter(pk=call.pk).values_list("client__languages", "member__languages").get()
    )
    return CallNeeds(
        call.kind,
        call.planned_minutes,
        read_stored(call.languages),
        client_languages=read_stored(client_languages),
        member_languages=read_stored(member_languages),
    )


def interpreter_language_gap(call: Call, interpreter: User) -> str | None:
    """Why `interpreter` does not fit the call's language pair (for an operator
    who schedules by hand: a warning, not a refusal), or None if they fit."""
    needs = call_language_needs(call)
    spoken = read_stored(interpreter.languages)
    if speaks(InterpreterTime(interpreter.pk, interpreter.time_zone, spoken), needs):
        return None
    return _(
        "%(name)s does not speak this call's language pair (%(pair)s; speaks: %(spoken)s). "
        "Check that the call can be interpreted, or choose another interpreter."
    ) % {
        "name": interpreter.get_full_name() or interpreter.username,
        "pair": needs.pair_text(),
        "spoken": ", ".join(sorted(spoken)) or "—",
    }


def _speaks_one_of(codes) -> Q:
    found = Q()
    for code in sorted(codes):
        found |= Q(interpreter__languages__iregex=rf"(^|[^a-z]){code}([^a-z]|$)")
    return found


def _windows(data):
    # Stored windows were checked when written; one broken row must not stop the search.
    try:
        return parse_windows(data or [])
    except (ValueError, TypeError):
        return ()


def call_slot_search(
    call: Call, *, now: datetime | None = None, days: int | None = None, limit: int | None = None
) -> CallSlots:
    """The finder's proposals for a stored call, with the interpreters as people."""
    now = now or timezone.now()
    given = call_search_input(call, now=now, days=days, limit=limit)
    result: SlotSearch = find_slots(**given)
    _announce_unmet(call, given["call"], result.reason, now=now)
    people = User.objects.in_bulk({slot.interpreter for slot in result.slots})
    return CallSlots(
        proposals=[
            Proposal(slot.starts_at, slot.ends_at, people[slot.interpreter])
            for slot in result.slots
        ],
        reason=result.reason,
        message=result.message,
    )


def call_slot_days(call: Call, *, viewer_zone: str, now: datetime | None = None) -> CallSlotDays:
    """Every free start of the horizon for a stored call, by the days of
    `viewer_zone` (the calendar of the client's picker and the office's Find
    a time), with the interpreters as people: the same queries as
    `call_slot_search`, and one more for the interpreters named."""
    now = now or timezone.now()
    given = call_search_input(call, now=now)
    result: SlotDays = find_slot_days(**given, day_zone=viewer_zone)
    _announce_unmet(call, given["call"], result.reason, now=now)
    people = User.objects.in_bulk({slot.interpreter for slot in result.slots})
    return CallSlotDays(
        days=[
            ProposalDay(
                day.day,
                [Proposal(s.starts_at, s.ends_at, people[s.interpreter]) for s in day.slots],
                day.more,
            )
            for day in result.days
        ],
        first_day=result.first_day,
        last_day=result.last_day,
        reason=result.reason,
        message=result.message,
    )


def _announce_unmet(call: Call, needs: CallNeeds, reason: str | None, *, now: datetime) -> None:
    """Searches that end for want of an interpreter are announced (the reports count them)."""
    if reason not in UNMET_REASONS:
        return
    slot_search_unmet.send(
        sender=Call,
        call_id=call.pk,
        # The languages in demand: the pinned pair, else both sides' languages.
        languages=(needs.languages or needs.client_languages | needs.member_languages)
        if needs.kind in INTERPRETED_KINDS
        else (),
        reason=reason,
        at=now,
    )


def call_scenario(call: Call, *, now: datetime) -> dict:
    """The stored call as a scenario file (`find_slots --call`), to reproduce anywhere."""
    given = call_search_input(call, now=now)
    rules = given["rules"]
    return {
        "now": utc_text(now),
        "call": {
            "kind": call.kind,
            "minutes": call.planned_minutes,
            "languages": sorted(given["call"].languages),
            "client_languages": sorted(given["call"].client_languages),
            "member_languages": sorted(given["call"].member_languages),
        },
        "settings": {
            "buffer_minutes": rules.buffer_minutes,
            "min_notice_minutes": rules.min_notice_minutes,
            "horizon_days": rules.horizon_days,
            "step_minutes": rules.step_minutes,
            "limit": rules.limit,
        },
        "client": {
            "time_zone": given["client"].time_zone,
            "windows": windows_as_data(given["client"].windows),
        },
        "member": {
            "time_zone": given["member"].time_zone,
            "windows": windows_as_data(given["member"].windows),
        },
        "interpreters": [
            {
                "id": i.id,
                "time_zone": i.time_zone,
                "languages": sorted(i.languages),
                "hours": windows_as_data(i.hours),
                "extra": windows_as_data(i.extra),
                "off": windows_as_data(i.off),
                "sessions": [
                    {"starts_at": utc_text(a), "ends_at": utc_text(b)} for a, b in i.sessions
                ],
            }
            for i in given["interpreters"]
        ],
    }


def call_for_ident(ident: str) -> Call | None:
    """A call by its number (`C-10427`, `10427`) or its public id."""
    text = (ident or "").strip()
    calls = Call.objects.select_related("client", "member")
    pk = pk_from_call_number(text)
    if pk is not None:
        return calls.filter(pk=pk).first()
    try:
        return calls.filter(public_id=uuid.UUID(text)).first()
    except ValueError:
        return None


def call_slot_book(
    *,
    call: Call,
    starts_at: datetime,
    interpreter_id: int | None,
    actor: User,
    now: datetime | None = None,
):
    """Schedule the call at a proposed start (the client's pick, the operator's click).

    The start must still be a proposal now; a client gets the finder's
    interpreter for it, an operator may name another who fits. A slot taken
    meanwhile (the check here, or the database constraint on a race) is a
    Conflict whose message says so; the caller shows the fresh proposals.
    """
    now = now or timezone.now()
    is_client = actor.role == Role.CLIENT and not actor.is_operator
    if is_client and not settings.CLIENT_SELF_SCHEDULING:
        raise DomainError("not_allowed", _("The office will choose the time and let you know."))
    if call.state not in SEARCHABLE_STATES or (is_client and call.state != CallState.CONFIRMED):
        raise Conflict("not_schedulable", _("This call can't be scheduled now."))
    given = call_search_input(call, now=now, limit=1000)
    result = find_slots(**given)
    fitting = [slot for slot in result.slots if slot.starts_at == starts_at]
    if not fitting:
        raise Conflict(
            "slot_gone",
            _("This time is no longer free. Please choose one of the times shown now."),
            field="starts_at",
        )
    chosen = fitting[0].interpreter
    if interpreter_id is not None and interpreter_id != chosen and not is_client:
        chosen = interpreter_id  # the operator's choice; session_schedule checks it
    interpreter = User.objects.get(pk=chosen)
    try:
        return services.session_schedule(
            call=call,
            starts_at=starts_at,
            interpreter=interpreter,
            actor=actor,
            reason="picked from the proposed times",
            now=now,
        )
    except Conflict as exc:
        if exc.code != "interpreter_busy":
            raise
        raise Conflict(
            "slot_gone",
            _("Someone has just taken this time. Please choose one of the times shown now."),
            field="starts_at",
        ) from exc


def slot_value(proposal: Proposal) -> str:
    """A proposal as a form value: the UTC start and the interpreter's id."""
    return f"{utc_text(proposal.starts_at)}|{proposal.interpreter.pk}"


def parse_slot_value(value: str) -> tuple[datetime, int | None]:
    try:
        text, _sep, who = (value or "").partition("|")
        starts_at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if starts_at.tzinfo is None:
            raise ValueError
        return starts_at, int(who) if who.isdigit() else None
    except ValueError as exc:
        raise DomainError("bad_slot", _("Choose one of the proposed times."), field="slot") from exc
