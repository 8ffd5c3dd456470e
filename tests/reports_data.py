"""A generated month and a half of the office's life, for the reports' tests.

Every call goes through the real services at its own pinned moment
(time-machine, not ticking): booked, answered by the agency, scheduled by the
client or an operator, held and billed, or ended with each outcome of SPEC;
some disputed and corrected by the duty manager with ledger adjustments; one
call whose slot search finds nobody who speaks its language. The calls start
in late September and run past the end of October 2026, across Europe's
autumn clock change (25 October), so the reports' week and month boundaries
are tested where a day is 25 hours long.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine

from billing.defaults import ensure_spec_terms
from calls import services
from calls.dial_log import given_numbers
from calls.models import Call, CallKind
from calls.services.attempts import dial_attempt_log
from calls.services.slots import call_slot_search
from duty.services import dispute_raise, dispute_resolve
from scheduling.models import WorkingTime

from .factories import (
    AgencyFactory,
    AgentFactory,
    ClientFactory,
    DutyManagerFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
)
from .flows import CLIENT_WINDOWS, fund_client, good_contacts

FIRST_DAY = datetime(2026, 9, 28, 7, 0, tzinfo=UTC)
CALLS = 16  # every fate once, and two more
FATES = [
    "completed",
    "completed",
    "completed",
    "disputed",
    "declined",
    "cancelled_early",
    "member_cancelled",
    "late_cancel",
    "client_no_show",
    "office_fault",
    "member_unreachable",
    "legacy_missed",
    "scheduled",
    "awaiting",
]
KINDS = [CallKind.PHONE_INTERPRETED, CallKind.PHONE_DIRECT, CallKind.VIDEO]
WEEKDAYS_9_TO_18 = [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "18:00"}]


@dataclass
class DataSet:
    operator: object
    duty: object
    agencies: list
    agents: list
    interpreters: list
    calls: list = field(default_factory=list)
    unmet_call: Call | None = None


def _at(moment):
    return time_machine.travel(moment, tick=False)


def build(seed: int = 24) -> DataSet:
    """The data set (about 30 calls, a few seconds)."""
    rng = random.Random(seed)
    ensure_spec_terms()
    with _at(FIRST_DAY - timedelta(days=1)):
        operator = OperatorFactory(username="reports-operator")
        duty = DutyManagerFactory(username="reports-duty")
        agencies = [AgencyFactory(name=f"Agency {name}") for name in ("Alpha", "Beta", "Gamma")]
        agents = [AgentFactory(agency=a, username=f"agent-{a.pk}") for a in agencies]
        members = [MemberFactory(agency=agencies[i % 3], languages="ru") for i in range(6)]
        clients = [ClientFactory(languages="en") for _ in range(3)]
        for client in clients:
            fund_client(client, Decimal("5000.00"))
        interpreters = []
        for n in range(3):
            person = InterpreterFactory(languages="en, ru, uk", username=f"interp-{n}")
            WorkingTime.objects.create(interpreter=person, hours=WEEKDAYS_9_TO_18)
            interpreters.append(person)
    data = DataSet(operator, duty, agencies, agents, interpreters)
    for i in range(CALLS):
        fate = FATES[i % len(FATES)] if i < len(FATES) else rng.choice(FATES)
        booked = FIRST_DAY + timedelta(days=i * 1.5, minutes=rng.randrange(0, 600, 7))
        member = members[rng.randrange(len(members))]
        client = clients[i % 3]
        kind = KINDS[rng.randrange(3)]
        data.calls.append(
            _one_call(
                data,
                rng,
                fate=fate,
                booked=booked,
                client=client,
                member=member,
                kind=kind,
                interpreter=interpreters[i % 3],
                by_client=bool(i % 2),
            )
        )
    data.unmet_call = _unmet(data, clients[0])
    return data


def _one_call(data, rng, *, fate, booked, client, member, kind, interpreter, by_client):
    agent = member.agency.staff.first()
    with _at(booked):
        call = services.call_request_create(
            client=client,
            member=member,
            kind=kind,
            planned_minutes=rng.choice([20, 30, 45, 60]),
            preferred_times="",
            note="",
            client_windows=CLIENT_WINDOWS,
            created_by=client,
            now=booked,
        )
    if fate == "cancelled_early":
        return _do(booked + timedelta(hours=2), services.call_cancel, call=call, actor=client)
    answered = booked + timedelta(hours=rng.randrange(1, 40), minutes=rng.randrange(60))
    if fate == "awaiting":
        return call
    if fate == "declined":
        return _do(answered, services.call_decline, call=call, actor=agent, reason="not now")
    _do(
        answered,
        services.call_confirm,
        call=call,
        actor=agent,
        **good_contacts(is_video=kind == CallKind.VIDEO, member=call.member),
        availability="evenings",
    )
    if fate == "member_cancelled":
        return _do(answered + timedelta(hours=3), services.call_cancel, call=call, actor=agent)
    picked = answered + timedelta(hours=rng.randrange(1, 20))
    starts = (picked + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    session = _do(
        picked,
        services.session_schedule,
        call=call,
        starts_at=starts,
        interpreter=interpreter,
        actor=client if by_client else data.operator,
    )
    if fate == "scheduled":
        return call
    if fate == "late_cancel":
        return _do(starts - timedelta(hours=3), services.call_cancel, call=call, actor=client)
    if fate in ("client_no_show", "office_fault", "legacy_missed"):
        outcome = "client_no_show" if fate == "client_no_show" else "office_fault"
        actor = interpreter if fate == "client_no_show" else data.operator
        _do(
            starts + timedelta(minutes=20),
            services.call_mark_missed,
            call=call,
            actor=actor,
            outcome=outcome,
        )
        if fate == "legacy_missed":
            # A call missed before outcomes existed: the report counts it as "missed".
            Call.objects.filter(pk=call.pk).update(outcome="")
        return call
    if fate == "member_unreachable":
        for n, number in enumerate(given_numbers(call)):
            _do(
                starts + timedelta(minutes=2 + n),
                dial_attempt_log,
                call=call,
                number=number.number,
                result="no_answer",
                actor=interpreter,
            )
        return _do(
            starts + timedelta(minutes=25),
            services.call_mark_missed,
            call=call,
            actor=interpreter,
            outcome="member_unreachable",
        )
    # Completed (and perhaps disputed).
    session.refresh_from_db()
    _do(starts + timedelta(minutes=1), services.session_start, session=session, actor=interpreter)
    talk = rng.randrange(120, 3000)
    session.refresh_from_db()
    ended = session.started_at + timedelta(seconds=talk)
    _do(
        ended,
        services.session_end,
        session=session,
        actor=interpreter,
        no_recording_reason="recorder failed",
    )
    if fate == "disputed":
        dispute = _do(
            ended + timedelta(hours=5),
            dispute_raise,
            call=call,
            actor=client,
            reason="shorter than billed",
        )
        _do(
            ended + timedelta(hours=30),
            dispute_resolve,
            dispute=dispute,
            actor=data.duty,
            adjust=True,
            reason="the line dropped",
            client_refund="5.00",
            agency_correction="-1.00",
        )
    return call


def _do(moment, service, **kwargs):
    with _at(moment):
        return service(now=moment, **kwargs)


def _unmet(data, client):
    """A call with a member who speaks only Japanese: its search finds no interpreter."""
    moment = FIRST_DAY + timedelta(days=20, hours=3)
    member = MemberFactory(agency=data.agencies[0], languages="ja")
    with _at(moment):
        call = services.call_request_create(
            client=client,
            member=member,
            kind=CallKind.PHONE_INTERPRETED,
            planned_minutes=30,
            preferred_times="",
            note="",
            client_windows=CLIENT_WINDOWS,
            created_by=client,
            now=moment,
        )
    _do(
        moment + timedelta(hours=1),
        services.call_confirm,
        call=call,
        actor=data.agents[0],
        **good_contacts(member=call.member),
        availability="any time",
    )
    later = moment + timedelta(hours=2)
    with _at(later):
        found = call_slot_search(call, now=later)
        call_slot_search(call, now=later + timedelta(minutes=5))  # a second look: one row
    assert found.reason == "no_interpreter_for_languages", found.reason
    return call
