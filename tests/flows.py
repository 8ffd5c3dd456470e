"""Drive a call along its workflow in tests, through the real services."""

from datetime import timedelta

from django.utils import timezone

from agents.contact_rules import NumberInput, NumberRole
from billing.defaults import ensure_spec_terms
from billing.pricing import hold_amount
from billing.services import client_top_up
from calls import services
from calls.models import CallKind

from .factories import (
    AgentFactory,
    ClientFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
)

GOOD_NUMBERS = [
    NumberInput(NumberRole.MEMBER, "+380 67 123 4567"),
    NumberInput(NumberRole.AGENT_MOBILE, "+380 50 765 4321"),
    NumberInput(NumberRole.RESPONSIBLE, "+380 44 222 3344"),
]


# When a booked call's client can talk (the order needs at least one window):
# every day, all day, so the windows never decide a test that is about something else.
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CLIENT_WINDOWS = [{"days": EVERY_DAY, "from": "00:00", "to": "24:00"}]
# The same as the order form's text and the API's JSON.
CLIENT_WINDOWS_TEXT = "mon-sun 00:00-24:00"


def own_number(member) -> str:
    """The member's own number (E.164), hers alone: another member's own number
    is refused at confirmation (issue 25, item 7). Made from her id, so every
    member of a test has her own."""
    return f"+38067{9_000_000 + member.pk % 1_000_000:07d}"


def good_numbers(member=None) -> list[NumberInput]:
    """GOOD_NUMBERS with `member`'s own number in place of the shared one."""
    if member is None:
        return GOOD_NUMBERS
    return [NumberInput(NumberRole.MEMBER, own_number(member)), *GOOD_NUMBERS[1:]]


def good_contacts(*, is_video=False, member=None):
    """What an agent types for a member who agreed: call_confirm's contact
    arguments. With `member`, her own number (`own_number`); without, the
    shared GOOD_NUMBERS (for one member per test only)."""
    numbers = good_numbers(member)
    return {
        "numbers": numbers,
        "responsible_name": "Olena Petrenko",
        "agent_is_responsible": False,
        "dial": "" if is_video else numbers[0].raw,
        "video_handle": "olena.skype" if is_video else "",
    }


def book(
    *,
    client=None,
    member=None,
    kind=CallKind.PHONE_INTERPRETED,
    minutes=30,
    now=None,
    fund=True,
    request_key=None,
    client_windows=None,
):
    """Book a call; by default the client is first given exactly the credit it
    holds, and can talk at any time (`CLIENT_WINDOWS`)."""
    client = client or ClientFactory()
    member = member or MemberFactory()
    if fund:
        ensure_spec_terms()
        fund_client(client, hold_amount(kind=kind, planned_minutes=minutes))
    if not member.agency.staff.exists():
        AgentFactory(agency=member.agency)
    return services.call_request_create(
        client=client,
        member=member,
        kind=kind,
        planned_minutes=minutes,
        preferred_times="weekday evenings",
        client_windows=CLIENT_WINDOWS if client_windows is None else client_windows,
        note="",
        created_by=client,
        request_key=request_key,
        now=now,
    )


def agent_for(call):
    return call.member.agency.staff.first() or AgentFactory(agency=call.member.agency)


def confirm(call, *, agent=None, now=None):
    return services.call_confirm(
        call=call,
        actor=agent or agent_for(call),
        **good_contacts(is_video=call.kind == CallKind.VIDEO, member=call.member),
        availability="after 18:00",
        now=now,
    )


def schedule(call, *, operator, interpreter=None, starts_at=None, now=None):
    starts_at = starts_at or (timezone.now() + timedelta(days=1))
    return services.session_schedule(
        call=call,
        starts_at=starts_at,
        interpreter=interpreter or InterpreterFactory(),
        actor=operator,
        now=now,
    )


def start(session, *, actor=None, now=None):
    """Start the session at its time (by default), as the rules allow."""
    return services.session_start(
        session=session, actor=actor or session.interpreter, now=now or session.starts_at
    )


def end(session, *, actor=None, talk_seconds=600, no_recording_reason="recorder failed", now=None):
    """End a started session `talk_seconds` after its start (the measured talk time)."""
    session.refresh_from_db()
    return services.session_end(
        session=session,
        actor=actor or session.interpreter,
        no_recording_reason=no_recording_reason,
        now=now or session.started_at + timedelta(seconds=talk_seconds),
    )


def run(session, *, actor=None, talk_seconds=600, no_recording_reason="recorder failed"):
    """Start a session at its time and end it `talk_seconds` later."""
    start(session, actor=actor)
    return end(
        session, actor=actor, talk_seconds=talk_seconds, no_recording_reason=no_recording_reason
    )


def fund_client(client, amount, *, reason="test credit"):
    """Top the client up through the billing service, as an operator would."""
    # Tables flushed by an earlier transactional test lose the seeded tariffs.
    ensure_spec_terms()
    if amount > 0:
        client_top_up(
            client=client,
            amount=amount,
            reason=reason,
            actor=OperatorFactory(username="flows-cashier"),
        )


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def confirmed_weekday_call(*, language=None, **book_args):
    """A confirmed call between an English-speaking client free 09:00-12:00 on
    weekdays (her zone) and a Russian-speaking member in Kyiv free 15:00-20:00:
    the scene the slot finder's door tests share."""
    member = MemberFactory(time_zone="Europe/Kyiv", languages="ru")
    call = book(member=member, **book_args)
    call.client_windows = [{"days": WEEKDAYS, "from": "09:00", "to": "12:00"}]
    call.client.languages = "en"
    if language is not None:
        call.client.language = language
    call.client.save()
    call.languages = "en, ru"
    call.save()
    services.call_confirm(
        call=call,
        actor=member.agency.staff.first(),
        **good_contacts(member=member),
        member_windows=[{"days": WEEKDAYS, "from": "15:00", "to": "20:00"}],
    )
    call.refresh_from_db()
    return call
