"""Reads for calls, each already limited to what the person may see."""

from __future__ import annotations

from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db import connection
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


def _client_rows_sql(*, open_part: bool) -> str:
    """One page of a client's open (or done) calls, newest first: each call's
    number, kind, state, the member's reference, its live session's start,
    and how many calls the whole list has (`listed`).
    The member and the session are read by scalar subqueries, not joins, and
    only for the page's rows: PostgreSQL plans that in a third of the time."""
    member_model = Call._meta.get_field("member").related_model
    call, member, session = (m._meta.db_table for m in (Call, member_model, Session))
    marks = ", ".join(["%s"] * len(OPEN_STATES))
    dead = ", ".join(["%s"] * len(DEAD_SESSION_STATUSES))
    # Table names come from the models and every value is a parameter.
    return (
        "SELECT part.*,"  # noqa: S608
        f" (SELECT m.reference FROM {member} m WHERE m.id = part.member_id) AS member_reference,"
        f" (SELECT s.starts_at FROM {session} s WHERE s.call_id = part.id"
        f" AND s.status NOT IN ({dead})) AS starts_at"
        " FROM ("
        " SELECT c.id, c.public_id, c.kind, c.state, c.created_at, c.member_id,"
        " COUNT(*) OVER () AS listed"
        f" FROM {call} c"
        f" WHERE c.client_id = %s AND c.state {'IN' if open_part else 'NOT IN'} ({marks})"
        " ORDER BY c.created_at DESC, c.id DESC LIMIT %s OFFSET %s"
        ") AS part"
    )


def _convert_from_db(rows, attribute: str, field) -> None:
    """Read a raw query's extra column as the ORM reads `field` (SQLite gives
    a datetime as text; PostgreSQL an aware datetime already)."""
    col = field.cached_col
    converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
    for row in rows:
        value = getattr(row, attribute)
        if value is not None:
            for convert in converters:
                value = convert(value, col, connection)
            setattr(row, attribute, value)


def _client_rows(client: User, wanted: dict[bool, int], per_page: int) -> list[Call]:
    """The rows of the pages `wanted` ({open?: page number}), in one query."""
    parts, params = [], []
    for open_part, number in wanted.items():
        parts.append(_client_rows_sql(open_part=open_part))
        params += [*DEAD_SESSION_STATUSES, client.pk, *OPEN_STATES]
        params += [per_page, (number - 1) * per_page]
    found = list(Call.objects.raw(" UNION ALL ".join(parts), params))
    _convert_from_db(found, "starts_at", Session._meta.get_field("starts_at"))
    return found


def _page_number(asked) -> int:
    """A page number as asked; not a number is the first page. Beyond any
    list's end is capped, so that the offset stays a number every database takes."""
    try:
        return min(max(int(asked), 1), 10**9)
    except (TypeError, ValueError):
        return 1


def client_call_pages(client: User, *, open_page, done_page, per_page: int) -> tuple[Page, Page]:
    """The lists of the client's dashboard: page `open_page` of her open calls
    and page `done_page` of the done ones (as the request gave them: not a
    number is the first page, past the end the last), newest first. Each row
    has its `number`, kind, state, `member_reference`, `starts_at` (of the live
    session; None if none) and money (`held`, `charge`, `billed_minutes`).

    Two queries: the rows of both pages with their lists' sizes, then their
    money. A page past the end (or an empty list) costs a count, and a
    re-read of the last page. Written in SQL: the ORM's UNION of two sliced
    querysets with a filtered join and three money subqueries took 12 ms to
    build and plan for 1.4 ms of running, on the page every client opens first.
    """
    asked = {True: _page_number(open_page), False: _page_number(done_page)}
    found = _client_rows(client, asked, per_page)
    sizes = {part: None for part in asked}
    for call in found:
        sizes[call.state in OPEN_STATES] = call.listed
    if None in sizes.values():
        open_calls, done_calls = client_call_counts(client)
        counted = {True: open_calls, False: done_calls}
        past_end = {}
        for part, size in sizes.items():
            if size is None:
                sizes[part] = counted[part]
                if counted[part]:
                    past_end[part] = Paginator(range(counted[part]), per_page).num_pages
        if past_end:
            found += _client_rows(client, past_end, per_page)
            asked.update(past_end)
    money = billing_selectors.calls_money(call.pk for call in found)
    for call in found:
        call.held, call.charge, call.billed_minutes = money.get(call.pk, (None, None, None))
    # UNION ALL keeps no order: sort the rows again as each part did.
    found.sort(key=lambda call: (call.created_at, call.pk), reverse=True)
    pages = []
    for part in (True, False):
        page = Paginator(range(sizes[part]), per_page).get_page(asked[part])
        page.object_list = [call for call in found if (call.state in OPEN_STATES) is part]
        pages.append(page)
    return pages[0], pages[1]


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
