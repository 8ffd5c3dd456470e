"""Reads for calls, each already limited to what the person may see."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F, FilteredRelation, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, User
from agents.contact_rules import NumberRole
from agents.links import agent_link_read
from billing import selectors as billing_selectors
from common.errors import DomainError
from common.sql import sql_names

from .models import (
    BLOCKING_STATUSES,
    DEAD_SESSION_STATUSES,
    Call,
    CallState,
    CallTransition,
    ContactNumber,
    Session,
    SessionStatus,
)
from .workflow import TERMINAL_STATES

# A client's calls are listed in two parts: still open (upcoming), and done.
OPEN_STATES = tuple(s for s in CallState.values if s not in TERMINAL_STATES)


def calls_visible_to(user: User) -> QuerySet[Call]:
    """Every call this person may see: operators all, others only their own."""
    qs = Call.objects.select_related("client", "member", "member__agency").prefetch_related(
        Prefetch(
            "sessions",
            queryset=Session.objects.live().select_related("interpreter"),
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
# At most one session of a call is live (a constraint says so): any not dead.
LIVE_SESSION_STATUSES = tuple(s for s in SessionStatus.values if s not in DEAD_SESSION_STATUSES)


def live_session_relation() -> FilteredRelation:
    """The call's live session as a relation a query of calls joins:
    `calls.alias(live=live_session_relation())`, then `live__starts_at`."""
    return FilteredRelation("sessions", condition=Q(sessions__status__in=LIVE_SESSION_STATUSES))


def _call_key_sql() -> str:
    """The calls' key column as the outer query of a list names it."""
    table, column = sql_names(Call)
    return f"{table}.{column('id')}"


def with_list_columns(calls: QuerySet[Call]) -> QuerySet[Call]:
    """`calls` with what the client's lists show of each, in the same query:
    the member as the client knows her (`member_reference`, `agency_name`),
    the live session's SESSION_TIMES as `session_<name>` (None if there is no
    live session), and the money (`held`, `charge`, `billed_minutes`; None
    where there is none), read from billing's tables by billing's selectors.
    Every join is to one row; a sliced `calls` keeps its LIMIT."""
    return calls.alias(live=live_session_relation()).annotate(
        member_reference=F("member__reference"),
        agency_name=F("member__agency__name"),
        **{f"session_{name}": F(f"live__{name}") for name in SESSION_TIMES},
        **billing_selectors.call_money_annotations(_call_key_sql()),
    )


def client_call_page(calls: QuerySet[Call]) -> list[Call]:
    """The calls of `calls` (client_calls, filtered and sliced to a page) in
    their order, read in one query with `with_list_columns`, each with
    `live_session` (the session's SESSION_TIMES as a dict; None if none)."""
    found = list(with_list_columns(calls))
    for call in found:
        session = {name: getattr(call, f"session_{name}") for name in SESSION_TIMES}
        call.live_session = session if session["status"] is not None else None
    return found


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
    qs = Session.objects.live().select_related(
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
    session = call.sessions.live().first()
    if session is None:
        raise DomainError("no_session", _("The call has no session scheduled."))
    return session


def agent_calls(agent: User) -> QuerySet[Call]:
    """The calls of the agent's agency's members, with the agency's answer (pages and API)."""
    return calls_visible_to(agent).select_related("confirmation")


def agent_link_call(token: str, *, purpose: str) -> tuple[User, Call] | None:
    """The agent and the call an emailed link (agents/links.py) opens, or None
    when the link is forged, expired or for another purpose, its agent is no
    longer an active agent, or the call is not their agency's."""
    link = agent_link_read(token, purpose=purpose)
    if link is None:
        return None
    agent = User.objects.filter(pk=link.agent_id, role=Role.AGENT, is_active=True).first()
    if agent is None:
        return None
    call = agent_calls(agent).filter(public_id=link.call_public_id).first()
    return None if call is None else (agent, call)


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


def numbers_of_other_members(numbers, *, member) -> list[tuple[str, str, str]]:
    """Numbers given for `member` (in any role) that another member gave as her
    own (SPEC step 3: one number is the member's own; issue 25, item 7).
    Returns (role, number, message) for each, as
    `accounts.selectors.numbers_of_other_people` does; the message names no
    other person."""
    given = {n.e164 for n in numbers}
    if not given:
        return []
    taken = {
        str(number)
        for number in ContactNumber.objects.filter(role=NumberRole.MEMBER, number__in=given)
        .exclude(confirmation__call__member=member)
        .values_list("number", flat=True)
    }
    message = _("%(number)s is another member's own number: give this member's numbers.")
    return [(n.role, n.e164, message % {"number": n.e164}) for n in numbers if n.e164 in taken]
