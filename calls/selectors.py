"""Reads for calls, each already limited to what the person may see."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, User
from billing import selectors as billing_selectors
from common.errors import DomainError

from .models import (
    BLOCKING_STATUSES,
    DEAD_SESSION_STATUSES,
    Call,
    CallState,
    CallTransition,
    Session,
)
from .workflow import TERMINAL_STATES

# A client's calls are listed in two parts: still open (upcoming), and done.
OPEN_STATES = tuple(s for s in CallState.values if s not in TERMINAL_STATES)


def calls_visible_to(user: User) -> QuerySet[Call]:
    """Every call this person may see: operators all, others only their own."""
    qs = Call.objects.select_related("client", "member", "member__agency").prefetch_related(
        Prefetch(
            "sessions",
            queryset=Session.objects.exclude(status__in=DEAD_SESSION_STATUSES).select_related(
                "interpreter"
            ),
        )
    )
    if not user.is_authenticated:
        return qs.none()
    if user.is_operator:
        return qs
    if user.role == Role.CLIENT:
        return qs.filter(client=user)
    if user.role == Role.AGENT:
        return qs.filter(member__agency_id=user.agency_id)
    if user.role == Role.INTERPRETER:
        return qs.filter(sessions__interpreter=user).distinct()
    return qs.none()


def client_calls(client: User) -> QuerySet[Call]:
    """The client's calls, newest first, each with the member as the client
    knows her: `member_reference` and `agency_name` (values, not related rows:
    a page builds a third of the objects).

    A page of them is completed by `with_session_and_money` (two more queries
    for the whole page): kept apart because joining sessions and money into
    this query made PostgreSQL spend longer planning it than running it.
    """
    return (
        Call.objects.filter(client=client)
        .annotate(member_reference=F("member__reference"), agency_name=F("member__agency__name"))
        .order_by("-created_at", "-id")
    )


# What a list of calls shows of each call's live session (serializers.SessionTimesSerializer).
SESSION_TIMES = ("status", "starts_at", "planned_end", "started_at", "ended_at", "talk_seconds")


def with_session_and_money(calls: list[Call]) -> list[Call]:
    """Give each call its `live_session`, the session's SESSION_TIMES as a
    dict (None if there is no live session), and its money: `held`, `charge`
    and `billed_minutes` (None where there is none). Two queries whatever the
    number of calls; values, not model rows, as a page of a list needs no more."""
    ids = [call.pk for call in calls]
    if not ids:
        return calls
    sessions = {
        times.pop("call_id"): times
        for times in Session.objects.filter(call_id__in=ids)
        .exclude(status__in=DEAD_SESSION_STATUSES)
        .values("call_id", *SESSION_TIMES)
    }
    money = billing_selectors.calls_money(ids)
    for call in calls:
        call.live_session = sessions.get(call.pk)
        call.held, call.charge, call.billed_minutes = money.get(call.pk, (None, None, None))
    return calls


def client_call(client: User, public_id) -> Call:
    """One of the client's calls, complete as in her lists; Call.DoesNotExist if not hers."""
    call = client_calls(client).get(public_id=public_id)
    return with_session_and_money([call])[0]


def client_call_counts(client: User) -> tuple[int, int]:
    """How many of the client's calls are open, and how many done (one query)."""
    counts = Call.objects.filter(client=client).aggregate(
        open_calls=Count("pk", filter=Q(state__in=OPEN_STATES)), all_calls=Count("pk")
    )
    return counts["open_calls"], counts["all_calls"] - counts["open_calls"]


def sessions_visible_to(user: User) -> QuerySet[Session]:
    qs = Session.objects.exclude(status__in=DEAD_SESSION_STATUSES).select_related(
        "call", "call__member", "call__member__agency", "call__client", "interpreter"
    )
    if not user.is_authenticated:
        return qs.none()
    if user.is_operator:
        return qs
    if user.role == Role.INTERPRETER:
        return qs.filter(interpreter=user)
    return qs.none()


def duty_manager_current() -> User | None:
    """The escalation contact of last resort: the duty manager on duty now."""
    return (
        User.objects.filter(role=Role.DUTY_MANAGER, is_active=True)
        .order_by("-on_duty", "id")
        .first()
    )


def member_names_for_calls(call_ids) -> dict[int, str]:
    """Each call's member as the agency knows them (name and reference), by call key."""
    return {
        pk: f"{name} ({reference})"
        for pk, name, reference in Call.objects.filter(pk__in=list(call_ids)).values_list(
            "pk", "member__full_name", "member__reference"
        )
    }


def live_session(call: Call) -> Session:
    """The call's live session (not superseded or cancelled); refused if there is none."""
    session = call.sessions.exclude(status__in=DEAD_SESSION_STATUSES).first()
    if session is None:
        raise DomainError("no_session", _("The call has no session scheduled."))
    return session


def agent_calls(agent: User) -> QuerySet[Call]:
    """The calls of the agent's agency's members, with the agency's answer (pages and API)."""
    return calls_visible_to(agent).select_related("confirmation")


def interpreter_sessions(interpreter: User) -> QuerySet[Session]:
    """The interpreter's live sessions, soonest first, with what the interpreter
    needs to make the call: the agent's answer, its numbers, the recording."""
    return (
        sessions_visible_to(interpreter)
        .select_related("call__confirmation", "recording")
        .prefetch_related("call__confirmation__numbers")
        .order_by("starts_at")
    )


def interpreter_conflicts(
    *, interpreter: User, blocked_from: datetime, blocked_until: datetime, exclude_call=None
) -> QuerySet[Session]:
    """Sessions of `interpreter` whose blocked time overlaps the given range."""
    qs = Session.objects.filter(
        interpreter=interpreter,
        status__in=BLOCKING_STATUSES,
        blocked_from__lt=blocked_until,
        blocked_until__gt=blocked_from,
    )
    if exclude_call is not None:
        qs = qs.exclude(call=exclude_call)
    return qs


def call_timeline(call: Call) -> QuerySet[CallTransition]:
    """The call's audit trail, oldest first, with who made each change."""
    return CallTransition.objects.filter(call=call).select_related("actor")
