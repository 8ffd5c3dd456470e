"""Reads for calls, each already limited to what the person may see."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Count, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
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


def calls_with_money(calls: QuerySet[Call]) -> QuerySet[Call]:
    """`calls` with `held`, `charge` and `billed_minutes` read in the same query."""
    return calls.annotate(**billing_selectors.call_money_annotations())


def client_calls(client: User) -> QuerySet[Call]:
    """The client's calls, newest first, each complete in its own row (no
    prefetch): the member and agency, `live_session` (None if there is none),
    and `held`, `charge` and `billed_minutes` (see `calls_with_money`)."""
    live = FilteredRelation("sessions", condition=~Q(sessions__status__in=DEAD_SESSION_STATUSES))
    return calls_with_money(
        Call.objects.filter(client=client)
        .annotate(live_session=live)
        .select_related("member__agency", "live_session")
        .order_by("-created_at", "-id")
    )


def client_summary(client: User) -> dict:
    """The head of the client's dashboard in one query: `open_calls`,
    `done_calls`, and her usable (`balance`) and held (`held`) credit."""

    def calls_counted(condition):
        counted = (
            Call.objects.filter(condition, client=OuterRef("pk"))
            .order_by()
            .values("client")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted), 0)

    open_states = Q(state__in=OPEN_STATES)
    return (
        User.objects.filter(pk=client.pk)
        .values(
            open_calls=calls_counted(open_states),
            done_calls=calls_counted(~open_states),
            **billing_selectors.client_balance_annotations(),
        )
        .get()
    )


def client_call_lists(
    client: User, *, open_rows: slice | None, done_rows: slice | None
) -> tuple[list[Call], list[Call]]:
    """Two pages of `client_calls` at once (one query): the open calls in
    `open_rows`, the done ones in `done_rows` (None: that list is empty)."""
    calls = client_calls(client)
    wanted = [
        (calls.filter(state__in=OPEN_STATES), open_rows),
        (calls.exclude(state__in=OPEN_STATES), done_rows),
    ]
    parts = [part[rows] for part, rows in wanted if rows is not None]
    if not parts:
        return [], []
    if len(parts) > 1 and not connection.features.supports_slicing_ordering_in_compound:
        # SQLite (bin/run's default) can't slice inside a UNION: one query a list.
        found = [call for part in parts for call in part]
    else:
        found = list(parts[0].union(*parts[1:], all=True))
    # UNION ALL keeps no order: sort each list again as client_calls does.
    found.sort(key=lambda call: (call.created_at, call.pk), reverse=True)
    return (
        [call for call in found if call.state in OPEN_STATES],
        [call for call in found if call.state not in OPEN_STATES],
    )


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
