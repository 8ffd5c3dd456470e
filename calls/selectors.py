"""Reads for calls, each already limited to what the person may see."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, User
from billing import selectors as billing_selectors
from common.errors import DomainError
from common.raw_sql import read_columns

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
    """The client's calls, newest first: to filter, count and slice. A page of
    them is read by `client_call_page`, with what her lists show."""
    return Call.objects.filter(client=client).order_by("-created_at", "-id")


# What a list of calls shows of each call's live session (serializers.SessionTimesSerializer).
SESSION_TIMES = ("status", "starts_at", "planned_end", "started_at", "ended_at", "talk_seconds")


def client_call_page(calls: QuerySet[Call]) -> list[Call]:
    """The calls of `calls` (client_calls, filtered and sliced to a page) in
    their order, each with what the client's lists show of it, in one query:
    the member as the client knows her (`member_reference`, `agency_name`),
    `live_session` (the session's SESSION_TIMES as a dict; None if there is no
    live session), and the money (`held`, `charge`, `billed_minutes`; None
    where there is none), whose columns billing writes.

    The page's own query is the inner one, as the ORM writes it; the joins
    run on its rows only (joined to the whole list, PostgreSQL planned longer
    than it ran, and the count would have joined too)."""
    try:
        page_sql, page_params = calls.query.sql_with_params()
    except EmptyResultSet:  # an empty slice, .none(): nothing to read
        return []
    member_model = Call._meta.get_field("member").related_model
    agency_model = member_model._meta.get_field("agency").related_model
    fields = [Session._meta.get_field(name) for name in SESSION_TIMES]
    money = billing_selectors.call_money_columns("c.id")
    session_join, session_params = live_session_join("s", "c.id")
    sql = (
        "SELECT c.*, m.reference AS member_reference, a.name AS agency_name,"  # noqa: S608
        f" {', '.join(f's.{field.column} AS session_{field.name}' for field in fields)},"
        f" {money.columns}"
        f" FROM ({page_sql}) c"
        f" JOIN {member_model._meta.db_table} m ON m.id = c.member_id"
        f" JOIN {agency_model._meta.db_table} a ON a.id = m.agency_id"
        f" {session_join} {money.joins}"
        f" ORDER BY {_order_by_sql(calls, 'c')}"
    )
    # In the order the SQL reads them: the SELECT list, the page, the joins.
    params = [*money.column_params, *page_params, *session_params, *money.join_params]
    found = list(Call.objects.raw(sql, params))
    # Extra columns come back as the database gives them: read them as the ORM would.
    read_columns(found, [*((f"session_{field.name}", field) for field in fields), *money.fields])
    for call in found:
        session = {field.name: getattr(call, f"session_{field.name}") for field in fields}
        call.live_session = session if session["status"] is not None else None
    return found


def live_session_join(alias: str, call_key: str) -> tuple[str, list]:
    """SQL that joins each call (the SQL expression `call_key`) to its live
    session as `alias` (NULLs if there is none: at most one is live, a
    constraint says so), and the join's parameters."""
    dead = ", ".join(["%s"] * len(DEAD_SESSION_STATUSES))
    table = Session._meta.db_table
    join = (
        f"LEFT JOIN {table} {alias} ON {alias}.call_id = {call_key}"
        f" AND {alias}.status NOT IN ({dead})"
    )
    return join, list(DEAD_SESSION_STATUSES)


def _order_by_sql(calls: QuerySet[Call], alias: str) -> str:
    """`calls`' ordering (plain fields only) as SQL on the table `alias`."""
    terms = []
    for name in calls.query.order_by:
        bare = name.lstrip("-")
        field = Call._meta.pk if bare == "pk" else Call._meta.get_field(bare)
        terms.append(f"{alias}.{field.column} {'DESC' if name.startswith('-') else 'ASC'}")
    if not terms:
        raise ValueError("a page of calls is read in an order: order the queryset")
    return ", ".join(terms)


def client_call(client: User, public_id) -> Call:
    """One of the client's calls, complete as in her lists; Call.DoesNotExist if not hers."""
    found = client_call_page(client_calls(client).filter(public_id=public_id)[:1])
    if not found:
        raise Call.DoesNotExist
    return found[0]


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
