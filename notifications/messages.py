"""Who is told what, for each event of SPEC "Reminders and escalations".

Each function records its messages with unique keys, so calling one twice
sends nothing twice. Messages about one event are written at once through
`services.notify`; those the sweeps find by the thousand (reminders, asking
and chasing agents, escalations) and the agent's request are recorded in bulk
(`bulk.py`) and written by `text_write` when they leave. The texts are the
templates in templates/notifications/, one per message and audience.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from accounts.lockouts import cool_off
from accounts.models import Role, User
from agents.links import agent_alarm_url, agent_link_url
from billing.formatting import credits
from billing.selectors import call_charges
from calendars import invites
from calendars import selectors as calendar_selectors
from calls.models import Call, Session, SessionStatus
from calls.selectors import duty_manager_current
from common.call_numbers import call_number
from rooms.services import room_url_for

from . import bulk, selectors
from .channels import address_for
from .models import Notification, OperatorTask, OperatorTaskKind
from .services import (
    Message,
    notification_enqueue,
    notify,
    operator_task_open,
    operator_tasks_open,
    outbox_record,
    outbox_row,
    render_message,
)
from .task_texts import amount, task_summary


def session_context(session: Session, *, duty_manager=None) -> dict:
    """Facts about a session shown in its messages (load it with sessions_with_facts)."""
    call = session.call
    confirmation = selectors.confirmation_of(call)
    return {
        "call": call,
        "session": session,
        "member": call.member,
        "agency": call.member.agency,
        "client": call.client,
        "interpreter": session.interpreter,
        "confirmation": confirmation,
        "numbers": list(confirmation.numbers.all()) if confirmation else [],
        "duty_manager": duty_manager,
        "site_url": settings.SITE_URL,
    }


def call_context(call: Call) -> dict:
    return {
        "call": call,
        "member": call.member,
        "agency": call.member.agency,
        "client": call.client,
        "site_url": settings.SITE_URL,
    }


def text_write(row: Notification, *, now: datetime) -> Message:
    """Subject and text of a message recorded in bulk (it names its template),
    written as it leaves: the same templates and facts as a message written at
    once, in the recipient's language and zone, as things stand now."""
    if row.session_id is not None:
        session = selectors.sessions_with_facts(Session.objects.filter(pk=row.session_id)).get()
        context = session_context(session, duty_manager=duty_manager_current())
    else:
        call = selectors.calls_with_facts(Call.objects.filter(pk=row.call_id)).get()
        context = call_context(call)
    if row.kind.startswith("reminder"):
        minutes = int(row.kind.removeprefix("reminder"))
        context.update(minutes_before=minutes, hours_before=minutes // 60)
        context["room_url"] = room_url_for(session=context.get("session"), recipient=row.recipient)
    if row.kind == "missed":
        # What the outcome cost (a video no-show costs the prepaid minimum): the
        # client's message says it, never "nothing was charged" when it was.
        price = call_charges([context["call"].pk]).get(context["call"].pk)
        context["charged"] = price.client_charge if price is not None else Decimal("0")
        with translation.override(row.recipient.language):
            context["charged_text"] = credits(context["charged"])
    if row.kind in ("agent_request", "agent_chase"):
        context["link"] = agent_link_url(call=context["call"], agent=row.recipient)
    if row.kind == "overdue" and row.recipient.role == Role.AGENT:
        # Agents get a link that raises "we were not called" without signing in.
        context["alarm_url"] = agent_alarm_url(call=context["call"], agent=row.recipient)
    return render_message(template=row.template, recipient=row.recipient, context=context, now=now)


def _tell(*, kind, audiences, context, call, session=None, now=None, invite=None) -> list[int]:
    """One message `kind` to each audience, given as (template, recipients)
    pairs; recorded with one insert."""
    rows: list = []
    for template, recipients in audiences:
        notify(
            kind=kind,
            template=template,
            recipients=recipients,
            context=context,
            call=call,
            session=session,
            now=now,
            into=rows,
            invite=invite,
        )
    return outbox_record(rows)


def _invite_of(call: Call, *, now: datetime | None):
    """The calendar invite each reader's email about `call` carries, written as
    things stand now (inside the change's transaction): REQUEST for the session
    that stands, CANCEL if it is off for them (calendars.invites)."""
    stamp = now or timezone.now()

    def invite(recipient) -> str:
        appointment = calendar_selectors.appointment_for_call(call.pk, recipient)
        if appointment is None:
            return ""
        _method, ics = invites.invite(appointment, reader=recipient, stamp=stamp)
        return ics

    return invite


# --- The agent is asked, chased, and escalated -------------------------------


def agents_ask(*, kind: str, call_ids: list[int], now: datetime | None = None) -> list[int]:
    """Ask ("agent_request") or chase ("agent_chase") the agents of these calls,
    each with a personal link: recorded in bulk, written when they leave."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = bulk.record_for_calls(
            kind=kind, call_ids=call_ids, audiences=[(kind, "agents")], now=now
        )
        notification_enqueue(ids)
    return ids


def agents_no_answer_escalate(*, calls: list[Call], now: datetime | None = None) -> list[int]:
    """Past the deadline: an operator task for each call, and every operator is told."""
    now = now or timezone.now()
    with transaction.atomic():
        _agency_tasks_open(
            calls,
            gettext_noop(
                "The agency %(agency)s has not answered the request for call "
                "%(call)s. Phone the agency, then record the answer or cancel "
                "the request."
            ),
            kind=OperatorTaskKind.AGENT_NO_ANSWER,
            now=now,
        )
        ids = bulk.record_for_calls(
            kind="agent_escalated",
            call_ids=[call.pk for call in calls],
            audiences=[("agent_escalated_operator", "operators")],
            now=now,
        )
        notification_enqueue(ids)
    return ids


def agencies_without_agent_escalate(*, calls: list[Call], now: datetime | None = None) -> None:
    """Requests nobody could be asked about (the agency has no agent login)."""
    _agency_tasks_open(
        calls,
        gettext_noop(
            "Nobody at the agency %(agency)s can be asked about call %(call)s: "
            "it has no active agent. Add one (People), then press “Ask the "
            "agent”, or phone the agency."
        ),
        kind=OperatorTaskKind.AGENCY_WITHOUT_AGENT,
        now=now or timezone.now(),
    )


def _agency_tasks_open(calls: list[Call], summary: str, *, kind: str, now: datetime) -> None:
    """The "phone the agency" task of one escalation step for each call, its
    summary (naming the agency and the call) stored in the office's language."""
    with translation.override(settings.LANGUAGE_CODE):
        operator_tasks_open(
            [
                _agency_task(
                    call,
                    task_summary(summary, agency=str(call.member.agency), call=call.number),
                    kind=kind,
                    now=now,
                )
                for call in calls
            ]
        )


# Each escalation step has its own task kind and key, one per call: the
# "nobody to ask" task closing (an agent was added and asked) must not stop the
# later "agent never answered" escalation of the same call.
AGENCY_TASK_KINDS = (OperatorTaskKind.AGENCY_WITHOUT_AGENT, OperatorTaskKind.AGENT_NO_ANSWER)


def agency_task_key(kind: str, call_id: int) -> str:
    return f"{kind}:c{call_id}"


def _agency_task(call: Call, summary: dict, *, kind: str, now: datetime) -> OperatorTask:
    """The "phone the agency" task of one escalation step for one call."""
    return OperatorTask(
        kind=kind,
        key=agency_task_key(kind, call.pk),
        **summary,
        call=call,
        created_at=now,
    )


# --- The client hears how the request went ------------------------------------


def call_confirmed_notify(*, call: Call, now: datetime | None = None) -> list[int]:
    """The member agreed: the client is asked to pick one of the proposed times."""
    return notify(
        kind="confirmed",
        template="confirmed_client",
        recipients=[call.client],
        context=call_context(call),
        call=call,
        now=now,
    )


def call_declined_notify(*, call: Call, now: datetime | None = None) -> list[int]:
    return notify(
        kind="declined",
        template="declined_client",
        recipients=[call.client],
        context=call_context(call),
        call=call,
        now=now,
    )


def session_scheduled_notify(
    *,
    session: Session,
    previous: Session | None = None,
    by_client: bool = False,
    now: datetime | None = None,
) -> list[int]:
    """A (re)scheduled session: client, agent and interpreter learn the time and
    contacts; after a reschedule the text says "moved from … to …"; when the
    client picked (or moved) it, the agent and the interpreter read so."""
    context = {
        **session_context(session, duty_manager=duty_manager_current()),
        "previous": previous,
        "by_client": by_client,
    }
    call = session.call
    return _tell(
        kind="scheduled",
        audiences=[
            ("scheduled_client", [call.client]),
            ("scheduled_agent", selectors.agents_for_call(call)),
            ("scheduled_interpreter", [session.interpreter]),
        ],
        context=context,
        call=call,
        session=session,
        now=now,
        invite=_invite_of(call, now=now),
    )


def session_unassigned_notify(*, previous: Session, now: datetime | None = None) -> list[int]:
    """A reschedule gave the call to another interpreter: the first one stops waiting.

    Recorded against the call (not the superseded session, whose messages are
    stale by design), with the old time in the text.
    """
    return _tell(
        kind=f"unassigned_s{previous.pk}",
        audiences=[("unassigned_interpreter", [previous.interpreter])],
        context=session_context(previous),
        call=previous.call,
        now=now,
        invite=_invite_of(previous.call, now=now),
    )


def call_cancelled_notify(*, call: Call, now: datetime | None = None) -> list[int]:
    """A cancelled call: the agent and the interpreter of its session stop waiting;
    when it had a session, the client's calendar loses it too (their CANCEL)."""
    session = (
        selectors.sessions_with_facts(
            Session.objects.filter(call=call, status=SessionStatus.CANCELLED)
        )
        .order_by("-created_at", "-id")
        .first()
    )
    context = session_context(session) if session else call_context(call)
    return _tell(
        kind="cancelled",
        audiences=[
            ("cancelled_client", [call.client] if session else []),
            ("cancelled_agent", selectors.agents_for_call(call)),
            ("cancelled_interpreter", [session.interpreter] if session else []),
        ],
        context=context,
        call=call,
        now=now,
        invite=_invite_of(call, now=now),
    )


# --- Before and around the session ----------------------------------------------


REMINDER_AUDIENCES = [
    ("reminder_client", "client"),
    ("reminder_agent", "agents"),
    ("reminder_interpreter", "interpreter"),
]


def session_reminders_send(
    *, minutes: int, session_ids: list[int], now: datetime | None = None
) -> list[int]:
    """The reminder `minutes` before each of these sessions to client, agent and
    interpreter: recorded in bulk, written when they leave."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = bulk.record_for_sessions(
            kind=f"reminder{minutes}",
            session_ids=session_ids,
            audiences=REMINDER_AUDIENCES,
            now=now,
        )
        notification_enqueue(ids)
    return ids


OVERDUE_AUDIENCES = [
    ("overdue_agent", "agents"),
    ("overdue_interpreter", "interpreter"),
    ("overdue_duty_manager", "duty_manager"),
]


def sessions_overdue_notify(*, session_ids: list[int], now: datetime | None = None) -> list[int]:
    """Not started in time: the agent (told whom to call, with a link that
    raises "we were not called"), the interpreter and the duty manager.
    Recorded in bulk (one session or a sweep's batch), written when they leave."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = bulk.record_for_sessions(
            kind="overdue", session_ids=session_ids, audiences=OVERDUE_AUDIENCES, now=now
        )
        notification_enqueue(ids)
    return ids


MISSED_AUDIENCES = [
    ("missed_client", "client"),
    ("missed_operator", "operators"),
    ("missed_operator", "duty_manager"),
]


def calls_missed_notify(*, call_ids: list[int], now: datetime | None = None) -> list[int]:
    """Missed: for each call, an operator task to reschedule it is opened, the
    client is told, and the operators and the duty manager hear of it.
    Recorded in bulk (one call or a sweep's batch), written when they leave."""
    now = now or timezone.now()
    # The session each call missed (the latest, if a call was missed twice).
    missed = dict(
        Session.objects.filter(call_id__in=call_ids, status=SessionStatus.MISSED)
        .order_by("call_id", "id")
        .values_list("call_id", "id")
    )
    with transaction.atomic():
        with translation.override(settings.LANGUAGE_CODE):
            operator_tasks_open(
                [
                    OperatorTask(
                        kind=OperatorTaskKind.RESCHEDULE_MISSED,
                        key=f"reschedule_missed:c{call_id}:s{missed.get(call_id, 0)}",
                        **task_summary(
                            gettext_noop(
                                "Call %(call)s did not take place at the agreed time. Agree a "
                                "new time with the client and the agency and reschedule it."
                            ),
                            call=call_number(call_id),
                        ),
                        call_id=call_id,
                        session_id=missed.get(call_id),
                        created_at=now,
                    )
                    for call_id in call_ids
                ]
            )
        ids = bulk.record_for_sessions(
            kind="missed", session_ids=list(missed.values()), audiences=MISSED_AUDIENCES, now=now
        )
        ids += bulk.record_for_calls(
            kind="missed",
            call_ids=[pk for pk in call_ids if pk not in missed],
            audiences=MISSED_AUDIENCES,
            now=now,
        )
        notification_enqueue(ids)
    return ids


# --- The agent's "we were not called" -------------------------------------------


def not_called_alarm_notify(*, alarm, now: datetime | None = None) -> list[int]:
    """The agent pressed "we were not called": the interpreter and the duty manager
    hear at once (every channel configured: email now, SMS when there is one).
    Keyed by the session, so a second press or a re-run sends nothing more."""
    session = selectors.sessions_with_facts(Session.objects.filter(pk=alarm.session_id)).first()
    if session is None:
        return []
    duty_manager = duty_manager_current()
    context = {
        **session_context(session, duty_manager=duty_manager),
        "alarm": alarm,
        "agent": alarm.raised_by,
    }
    return _tell(
        kind="not_called",
        audiences=[
            ("not_called_interpreter", [session.interpreter]),
            ("not_called_duty_manager", [duty_manager]),
        ],
        context=context,
        call=session.call,
        session=session,
        now=now,
    )


# --- Money ---------------------------------------------------------------------


def client_overdrawn_escalate(*, call_id: int, client_id: int, balance, now=None) -> OperatorTask:
    """A call ran past what the client held and the balance went below zero
    (SPEC "Billing"): an operator asks the client to top up."""
    call = Call.objects.select_related("client").get(pk=call_id)
    return operator_task_open(
        kind=OperatorTaskKind.CLIENT_OVERDRAWN,
        key=f"client_overdrawn:c{call_id}",
        **task_summary(
            gettext_noop(
                "Client %(client)s is overdrawn (balance %(balance)s) after call %(call)s. "
                "Ask them to top up before their next booking."
            ),
            client=call.client.get_full_name() or call.client.username,
            balance=amount(balance),
            call=call.number,
        ),
        call=call,
        now=now,
    )


# --- Sign-in paused ------------------------------------------------------------


def account_sign_in_paused_notify(*, username: str, at: datetime) -> list[int]:
    """Many failed sign-ins to one account from several addresses: the person
    hears that sign-in is paused, once per cool-off (accounts/lockouts.py)."""
    person = User.objects.filter(username=username, is_active=True).first()
    if person is None:
        return []  # no such account: nobody to tell (and nothing to give away)
    window = int(at.timestamp() // cool_off().total_seconds())
    rows = []
    for channel in settings.NOTIFY_CHANNELS:
        address = address_for(person, channel)
        if not address:
            continue
        message = render_message(
            template="account_sign_in_paused",
            recipient=person,
            context={"hours": settings.AXES_COOLOFF_TIME, "site_url": settings.SITE_URL},
            now=at,
        )
        rows.append(
            outbox_row(
                kind="account_sign_in_paused",
                scope=f"w{window}",
                channel=channel,
                recipient=person,
                address=address,
                call=None,
                session=None,
                now=at,
                subject=message.subject,
                body=message.body,
                html=message.html,
            )
        )
    return outbox_record(rows)
