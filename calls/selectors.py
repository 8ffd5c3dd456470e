"""Reads for calls, each already limited to what the person may see."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
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


# What a client's list shows of the member: the agency's reference and name.
# Member and agency rows carry long texts (notes, terms) no list needs.
_CALL_COLUMNS = tuple(field.name for field in Call._meta.concrete_fields)
_LISTED_MEMBER = ("member__reference", "member__agency__name")


def client_calls(client: User) -> QuerySet[Call]:
    """The client's calls, newest first, with the member's reference and agency.

    A page of them is completed by `with_session_and_money` (two more queries
    for the whole page): kept apart because joining sessions and money into
    this query made PostgreSQL spend longer planning it than running it.
    """
    return (
        Call.objects.filter(client=client)
        .select_related("member__agency")
        .only(*_CALL_COLUMNS, *_LISTED_MEMBER)
        .order_by("-created_at", "-id")
    )


def with_session_and_money(calls: list[Call]) -> list[Call]:
    """Give each call its `live_session` (None if none) and its money, `held`,
    `charge` and `billed_minutes` (None where there is none): two queries
    whatever the number of calls."""
    ids = [call.pk for call in calls]
    if not ids:
        return calls
    sessions = {
        session.call_id: session
        for session in Session.objects.filter(call_id__in=ids).exclude(
            status__in=DEAD_SESSION_STATUSES
        )
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


def client_summary(client: User) -> dict:
    """The head of the client's dashboard: `open_calls`, `done_calls`, and her
    usable (`balance`) and held (`held`) credit (two small queries)."""
    counts = Call.objects.filter(client=client).aggregate(
        open_calls=Count("pk", filter=Q(state__in=OPEN_STATES)), all_calls=Count("pk")
    )
    balance, held = billing_selectors.client_balances(client)
    return {
        "open_calls": counts["open_calls"],
        "done_calls": counts["all_calls"] - counts["open_calls"],
        "balance": balance,
        "held": held,
    }


def _client_rows_sql(*, open_part: bool) -> str:
    """One page of a client's open (or done) calls, newest first: each call's
    number, kind, state, the member's reference and its live session's start."""
    member_model = Call._meta.get_field("member").related_model
    call, member, session = (m._meta.db_table for m in (Call, member_model, Session))
    marks = ", ".join(["%s"] * len(OPEN_STATES))
    dead = ", ".join(["%s"] * len(DEAD_SESSION_STATUSES))
    # Table names come from the models and every value is a parameter.
    return (
        "SELECT * FROM ("  # noqa: S608
        " SELECT c.id, c.public_id, c.kind, c.state, c.created_at,"
        " m.reference AS member_reference, s.starts_at"
        f" FROM {call} c JOIN {member} m ON m.id = c.member_id"
        f" LEFT JOIN {session} s ON s.call_id = c.id AND s.status NOT IN ({dead})"
        f" WHERE c.client_id = %s AND c.state {'IN' if open_part else 'NOT IN'} ({marks})"
        " ORDER BY c.created_at DESC, c.id DESC LIMIT %s OFFSET %s"
        ") AS part"
    )


def client_call_lists(
    client: User, *, open_rows: slice | None, done_rows: slice | None
) -> tuple[list[Call], list[Call]]:
    """Two pages of the client's calls, newest first, with what her dashboard
    shows of each: `number`, kind, state, `member_reference`, `starts_at` (of
    the live session; None if none) and the money (`held`, `charge`, see
    `with_session_and_money`). The open calls in `open_rows`, the done ones
    in `done_rows` (None: that list is empty). Two queries.

    Written in SQL: the ORM's UNION of two sliced querysets with a filtered
    join took longer to build than PostgreSQL took to plan and run it, on
    the page every client opens first (issue 14's profile).
    """
    parts, params = [], []
    for open_part, rows in ((True, open_rows), (False, done_rows)):
        if rows is None:
            continue
        parts.append(_client_rows_sql(open_part=open_part))
        params += [*DEAD_SESSION_STATUSES, client.pk, *OPEN_STATES]
        params += [rows.stop - rows.start, rows.start]
    if not parts:
        return [], []
    found = list(Call.objects.raw(" UNION ALL ".join(parts), params))
    # UNION ALL keeps no order: sort the rows again as each part did.
    found.sort(key=lambda call: (call.created_at, call.pk), reverse=True)
    money = billing_selectors.calls_money(call.pk for call in found)
    for call in found:
        call.held, call.charge, call.billed_minutes = money.get(call.pk, (None, None, None))
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
