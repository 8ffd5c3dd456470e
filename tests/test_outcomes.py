"""SPEC "When a call does not happen": each outcome through the real services, who pays.

The who-pays table of the issue, reproduced by the policy rows, by the pricing
function and by `price_call --outcome`; each outcome recorded through the
workflow and settled through the ledger, which then balances.
"""

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from billing import selectors
from billing.defaults import ensure_spec_terms
from billing.models import CallCharge, ChargeStatus, Entry, EntryKind, Outcome
from billing.pricing import price_outcome
from calls import services as call_services
from calls.dial_log import given_numbers
from calls.models import CallState, DialResult
from calls.services.attempts import dial_attempt_log
from common.errors import DomainError
from notifications.sweeps import sweep_missed

from .factories import OperatorFactory
from .flows import agent_for, book, confirm, end, schedule, start

pytestmark = pytest.mark.django_db

D = Decimal
KINDS = ["phone_interpreted", "phone_direct", "video"]

# The table: (client pays, agent gets) when nothing was said (0 seconds).
NO_TALK = {
    "member_unreachable": {"video": ("0.00", "0.00"), "phone": ("0.00", "0.00")},
    "client_no_show": {"video": ("75.00", "45.00"), "phone": ("0.00", "0.00")},
    "late_cancel": {"video": ("75.00", "45.00"), "phone": ("0.00", "0.00")},
    "office_fault": {"video": ("0.00", "0.00"), "phone": ("0.00", "0.00")},
    "member_cancelled": {"video": ("0.00", "0.00"), "phone": ("0.00", "0.00")},
}
TABLE = [
    (kind, outcome, *amounts[("video" if kind == "video" else "phone")])
    for outcome, amounts in NO_TALK.items()
    for kind in KINDS
]


@pytest.fixture(autouse=True)
def _terms():
    ensure_spec_terms()


@pytest.mark.parametrize("kind,outcome,client,agent", TABLE)
def test_the_who_pays_table_is_reproduced(kind, outcome, client, agent):
    # Talk time does not matter for outcomes that are not "completed".
    for seconds in (0, 601):
        price = price_outcome(kind=kind, outcome=outcome, seconds=seconds)
        assert (price.client_charge, price.agent_commission) == (D(client), D(agent))
        assert price.house_revenue == D(client) - D(agent)


@pytest.mark.parametrize("kind,outcome,client,agent", TABLE)
def test_price_call_command_prints_the_table_for_each_outcome(kind, outcome, client, agent):
    out = io.StringIO()
    call_command("price_call", "--kind", kind, "--seconds", "0", "--outcome", outcome, stdout=out)
    printed = json.loads(out.getvalue())
    assert (printed["client_charge"], printed["agent_commission"]) == (client, agent)
    assert set(printed) == {
        "kind",
        "seconds",
        "billed_minutes",
        "client_charge",
        "agent_commission",
        "house_revenue",
    }


def test_completed_is_the_default_outcome_and_prices_per_minute():
    out = io.StringIO()
    call_command("price_call", "--kind", "phone_interpreted", "--seconds", "601", stdout=out)
    again = io.StringIO()
    call_command(
        "price_call",
        *("--kind", "phone_interpreted", "--seconds", "601", "--outcome", "completed"),
        stdout=again,
    )
    assert json.loads(out.getvalue()) == json.loads(again.getvalue())
    assert json.loads(out.getvalue())["client_charge"] == "19.80"


def test_an_unknown_outcome_is_one_line_and_exit_2():
    from billing.management.commands.price_call import Command

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as info:
        Command(stdout=out, stderr=err).run_from_argv(
            ["manage.py", "price_call", "--kind", "video", "--seconds", "0", "--outcome", "nope"]
        )
    assert info.value.code == 2
    assert out.getvalue() == ""
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and "unknown outcome" in lines[0]
    with pytest.raises(CommandError):
        call_command("price_call", "--kind", "video", "--seconds", "0", "--outcome", "nope")


# --- each outcome through the workflow and the ledger ------------------------------


def scheduled(kind="phone_interpreted", minutes=30):
    operator = OperatorFactory()
    call = book(kind=kind, minutes=minutes)
    confirm(call)
    session = schedule(call, operator=operator)
    call.refresh_from_db()
    return call, session


def try_every_number(call, session, *, result=DialResult.NO_ANSWER, minutes=2):
    for number in given_numbers(call):
        dial_attempt_log(
            call=call,
            number=number.number,
            result=result,
            actor=session.interpreter,
            now=session.starts_at + timedelta(minutes=minutes),
        )


def assert_ledger_ok():
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert out.getvalue().strip() == "ledger OK"


def settled(call, outcome, client, agent):
    charge = CallCharge.objects.get(call_id=call.pk)
    assert (charge.status, charge.outcome) == (ChargeStatus.SETTLED, outcome)
    assert (charge.client_charge, charge.agent_commission) == (D(client), D(agent))
    assert charge.policy is not None and charge.policy.outcome == outcome
    assert selectors.client_held(call.client) == 0
    return charge


def test_member_unreachable_needs_every_number_tried_from_the_start():
    call, session = scheduled()
    numbers = given_numbers(call)
    assert len(numbers) == 3
    # Tried before the start time: does not count.
    for number in numbers:
        dial_attempt_log(
            call=call,
            number=number.number,
            result=DialResult.NO_ANSWER,
            actor=session.interpreter,
            now=session.starts_at - timedelta(minutes=5),
        )
    # From the start, all but one.
    for number in numbers[:-1]:
        dial_attempt_log(
            call=call,
            number=number.number,
            result=DialResult.BUSY,
            actor=session.interpreter,
            now=session.starts_at + timedelta(minutes=1),
        )
    with pytest.raises(DomainError) as info:
        call_services.call_mark_missed(
            call=call,
            actor=session.interpreter,
            outcome=Outcome.MEMBER_UNREACHABLE,
            now=session.starts_at + timedelta(minutes=5),
        )
    assert info.value.code == "attempts_missing"
    call.refresh_from_db()
    assert call.state == CallState.SCHEDULED and call.outcome == ""

    dial_attempt_log(
        call=call,
        number=numbers[-1].number,
        result=DialResult.SWITCHED_OFF,
        actor=session.interpreter,
        now=session.starts_at + timedelta(minutes=3),
    )
    call_services.call_mark_missed(
        call=call,
        actor=session.interpreter,
        outcome=Outcome.MEMBER_UNREACHABLE,
        now=session.starts_at + timedelta(minutes=5),
    )
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.MISSED, Outcome.MEMBER_UNREACHABLE)
    assert call.transitions.last().outcome == Outcome.MEMBER_UNREACHABLE
    assert call.transitions.last().actor == session.interpreter
    settled(call, "member_unreachable", "0.00", "0.00")
    assert selectors.client_balance(call.client) == D("54.00")  # the whole hold back
    assert_ledger_ok()


def test_an_answered_number_means_the_member_was_not_unreachable():
    call, session = scheduled()
    try_every_number(call, session)
    dial_attempt_log(
        call=call,
        number=given_numbers(call)[0].number,
        result=DialResult.ANSWERED,
        actor=session.interpreter,
        now=session.starts_at + timedelta(minutes=4),
    )
    with pytest.raises(DomainError) as info:
        call_services.call_mark_missed(
            call=call,
            actor=session.interpreter,
            outcome=Outcome.MEMBER_UNREACHABLE,
            now=session.starts_at + timedelta(minutes=5),
        )
    assert info.value.code == "attempts_missing"


def test_only_given_numbers_can_be_logged_and_only_by_the_sessions_interpreter():
    call, session = scheduled()
    with pytest.raises(DomainError) as info:
        dial_attempt_log(
            call=call, number="+380991112233", result="busy", actor=session.interpreter
        )
    assert info.value.code == "not_a_given_number"
    from .factories import InterpreterFactory

    with pytest.raises(DomainError) as info:
        dial_attempt_log(
            call=call,
            number=given_numbers(call)[0].number,
            result="busy",
            actor=InterpreterFactory(),
        )
    assert info.value.code == "not_found"


def test_client_no_show_on_video_costs_the_prepaid_minimum():
    call, session = scheduled(kind="video", minutes=30)
    call_services.call_mark_missed(
        call=call,
        actor=session.interpreter,
        outcome=Outcome.CLIENT_NO_SHOW,
        reason="client's line silent",
        now=session.starts_at + timedelta(minutes=10),
    )
    settled(call, "client_no_show", "75.00", "45.00")
    assert selectors.client_balance(call.client) == D("0.00")  # 75 held, 75 charged
    assert selectors.agency_commission_total(call.member.agency_id) == D("45.00")
    assert_ledger_ok()


def test_client_no_show_on_the_phone_costs_nothing():
    call, session = scheduled(kind="phone_direct")
    call_services.call_mark_missed(
        call=call,
        actor=session.interpreter,
        outcome=Outcome.CLIENT_NO_SHOW,
        now=session.starts_at + timedelta(minutes=10),
    )
    settled(call, "client_no_show", "0.00", "0.00")
    assert not Entry.objects.filter(call_id=call.pk, kind=EntryKind.CHARGE).exists()
    assert_ledger_ok()


def test_the_sweep_records_office_fault_only_when_nothing_else_is_known():
    quiet, quiet_session = scheduled()
    tried, tried_session = scheduled()
    try_every_number(tried, tried_session)
    later = max(quiet_session.starts_at, tried_session.starts_at) + timedelta(minutes=31)

    assert sweep_missed(now=later) == 2

    quiet.refresh_from_db()
    tried.refresh_from_db()
    assert (quiet.state, quiet.outcome) == (CallState.MISSED, Outcome.OFFICE_FAULT)
    assert (tried.state, tried.outcome) == (CallState.MISSED, Outcome.MEMBER_UNREACHABLE)
    settled(quiet, "office_fault", "0.00", "0.00")
    settled(tried, "member_unreachable", "0.00", "0.00")
    assert_ledger_ok()


def test_a_late_cancel_by_the_client_costs_the_video_minimum(settings):
    settings.LATE_CANCEL_HOURS = 24
    call, session = scheduled(kind="video")
    call_services.call_cancel(
        call=call, actor=call.client, now=session.starts_at - timedelta(hours=23, minutes=59)
    )
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.CANCELLED, Outcome.LATE_CANCEL)
    settled(call, "late_cancel", "75.00", "45.00")
    assert_ledger_ok()


def test_a_cancel_in_good_time_costs_nothing_and_has_no_outcome(settings):
    settings.LATE_CANCEL_HOURS = 24
    call, session = scheduled(kind="video")
    call_services.call_cancel(
        call=call, actor=call.client, now=session.starts_at - timedelta(hours=24, minutes=1)
    )
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.CANCELLED, "")
    charge = CallCharge.objects.get(call_id=call.pk)
    assert charge.status == ChargeStatus.RELEASED
    assert selectors.client_balance(call.client) == D("75.00")
    assert_ledger_ok()


def test_the_cutoff_is_a_setting(settings):
    settings.LATE_CANCEL_HOURS = 48
    call, session = scheduled(kind="video")
    call_services.call_cancel(
        call=call, actor=call.client, now=session.starts_at - timedelta(hours=30)
    )
    call.refresh_from_db()
    assert call.outcome == Outcome.LATE_CANCEL


def test_the_agency_cancelling_after_confirming_is_member_cancelled():
    call = book(kind="video")
    confirm(call)
    call_services.call_cancel(call=call, actor=agent_for(call), reason="member ill")
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.CANCELLED, Outcome.MEMBER_CANCELLED)
    settled(call, "member_cancelled", "0.00", "0.00")
    assert_ledger_ok()


def test_an_agency_cannot_cancel_before_confirming():
    call = book()
    with pytest.raises(DomainError):
        call_services.call_cancel(call=call, actor=agent_for(call), reason="x")


def test_an_operator_may_not_call_an_in_time_cancel_late(settings):
    settings.LATE_CANCEL_HOURS = 24
    call, session = scheduled(kind="video")
    with pytest.raises(DomainError) as info:
        call_services.call_cancel(
            call=call,
            actor=OperatorFactory(),
            outcome=Outcome.LATE_CANCEL,
            now=session.starts_at - timedelta(hours=30),
        )
    assert info.value.code == "not_late"


def test_an_interpreter_must_say_how_a_call_ended():
    call, session = scheduled()
    with pytest.raises(DomainError) as info:
        call_services.call_mark_missed(
            call=call, actor=session.interpreter, now=session.starts_at + timedelta(minutes=10)
        )
    assert info.value.code == "outcome_required"


def test_a_completed_call_records_the_completed_outcome():
    call, session = scheduled()
    call_services.session_start(session=session, actor=session.interpreter, now=session.starts_at)
    call_services.session_end(
        session=session,
        actor=session.interpreter,
        talk_seconds=601,
        no_recording_reason="recorder off",
        now=session.starts_at + timedelta(seconds=601),
    )
    call.refresh_from_db()
    assert call.outcome == Outcome.COMPLETED
    settled(call, "completed", "19.80", "3.96")
    assert_ledger_ok()


def test_settling_an_outcome_twice_charges_once():
    from billing import services as billing_services

    call, session = scheduled(kind="video")
    call_services.call_mark_missed(
        call=call,
        actor=session.interpreter,
        outcome=Outcome.CLIENT_NO_SHOW,
        now=session.starts_at + timedelta(minutes=10),
    )
    before = Entry.objects.count()
    again = billing_services.call_settle(
        call_id=call.pk,
        outcome=Outcome.CLIENT_NO_SHOW,
        agency_id=call.member.agency_id,
        actor=None,
    )
    assert again.client_charge == D("75.00")
    assert Entry.objects.count() == before
    with pytest.raises(DomainError):
        call_services.call_mark_missed(
            call=call,
            actor=session.interpreter,
            outcome=Outcome.CLIENT_NO_SHOW,
            now=session.starts_at + timedelta(minutes=10),
        )
    assert Entry.objects.count() == before
    assert_ledger_ok()


# --- the policy as data, in the admin ------------------------------------------------


@pytest.fixture
def operator_client(client):
    client.force_login(OperatorFactory())
    return client


def policy_form(**changes):
    data = {
        "kind": "video",
        "outcome": "late_cancel",
        "basis": "fixed",
        "client_amount": "20.00",
        "agent_amount": "10.00",
        "effective_from_0": "2000-01-01",
        "effective_from_1": "00:00:00",
        "note": "",
    }
    return {**data, **changes}


def test_a_policy_that_priced_a_call_is_frozen(operator_client):
    from django.urls import reverse

    from billing.models import OutcomePolicy

    call, session = scheduled(kind="video")
    call_services.call_mark_missed(
        call=call,
        actor=session.interpreter,
        outcome=Outcome.CLIENT_NO_SHOW,
        now=session.starts_at + timedelta(minutes=10),
    )
    used = CallCharge.objects.get(call_id=call.pk).policy
    response = operator_client.post(
        reverse("admin:billing_outcomepolicy_change", args=[used.pk]),
        policy_form(outcome="client_no_show"),
    )
    assert response.status_code == 200
    used.refresh_from_db()
    assert used.basis == "minimum"
    delete = reverse("admin:billing_outcomepolicy_delete", args=[used.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert OutcomePolicy.objects.filter(pk=used.pk).exists()


def _one_wall_time(moment, zone) -> bool:
    """The local wall time of `moment` names exactly one instant in `zone`."""
    wall = moment.astimezone(zone).replace(tzinfo=None)
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    return first.utcoffset() == second.utcoffset()


def test_a_new_policy_applies_to_calls_booked_after_it(operator_client):
    from django.urls import reverse
    from django.utils import timezone

    before, session_before = scheduled(kind="video")
    berlin = ZoneInfo("Europe/Berlin")  # the operator's zone
    start = (timezone.now() + timedelta(minutes=1)).replace(microsecond=0)
    # The form takes a wall time: step past a night's repeated or skipped hour.
    while not _one_wall_time(start, berlin):
        start += timedelta(hours=1)
    local = start.astimezone(berlin)
    response = operator_client.post(
        reverse("admin:billing_outcomepolicy_add"),
        policy_form(
            effective_from_0=local.strftime("%Y-%m-%d"),
            effective_from_1=local.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    with time_machine.travel(start + timedelta(minutes=1)):
        after, session_after = scheduled(kind="video")
        for call, session in ((before, session_before), (after, session_after)):
            call_services.call_cancel(
                call=call, actor=call.client, now=session.starts_at - timedelta(hours=1)
            )
    assert CallCharge.objects.get(call_id=before.pk).client_charge == D("75.00")
    charge = CallCharge.objects.get(call_id=after.pk)
    assert (charge.client_charge, charge.agent_commission) == (D("20.00"), D("10.00"))
    assert_ledger_ok()


def test_a_policy_giving_the_agent_more_than_the_client_pays_is_refused(operator_client):
    from django.urls import reverse

    response = operator_client.post(
        reverse("admin:billing_outcomepolicy_add"),
        policy_form(client_amount="5.00", agent_amount="10.00", effective_from_0="2031-01-01"),
    )
    assert response.status_code == 200
    assert "can&#x27;t get more" in response.content.decode()


def test_the_client_is_told_before_a_late_cancel_what_it_costs(client, settings):
    from django.urls import reverse
    from django.utils import timezone

    settings.LATE_CANCEL_HOURS = 24
    call, session = scheduled(kind="video")
    url = reverse("client-call", args=[call.public_id])
    with time_machine.travel(session.starts_at - timedelta(hours=30)):
        client.force_login(call.client)
        assert b"Cancel the call" in client.get(url).content
        assert b'data-testid="late-cancel"' not in client.get(url).content
    with time_machine.travel(session.starts_at - timedelta(hours=2)):
        client.force_login(call.client)
        page = client.get(url).content.decode()
        assert 'data-testid="late-cancel"' in page and "75.00" in page
        client.post(
            reverse("client-call-cancel", args=[call.public_id]), {"reason": "ill", "confirm": "on"}
        )
    call.refresh_from_db()
    assert call.outcome == Outcome.LATE_CANCEL
    assert timezone.now()  # the clock is back
    settled(call, "late_cancel", "75.00", "45.00")


# --- the agent's statement lists every outcome ---------------------------------------


@time_machine.travel(datetime(2026, 3, 31, 23, 0, tzinfo=UTC), tick=False)
def test_the_statement_lists_every_call_with_its_outcome_and_counts_unreachable(client):
    import csv as csv_module

    from django.urls import reverse
    from django.utils import timezone

    from billing.statements import agent_statement

    from .factories import AgencyFactory, MemberFactory

    agency, other_agency = AgencyFactory(), AgencyFactory()
    ours = []
    for outcome in ("member_unreachable", "member_unreachable", "client_no_show", "completed"):
        call = book(kind="video", member=MemberFactory(agency=agency))
        confirm(call)
        # Each call's time comes now: a session starts, and an outcome is
        # recorded, only once its time has come.
        soon = timezone.now() + timedelta(minutes=5)
        session = schedule(call, operator=OperatorFactory(), starts_at=soon)
        if outcome == "member_unreachable":
            try_every_number(call, session)
            call_services.call_mark_missed(
                call=call,
                actor=session.interpreter,
                outcome=outcome,
                now=session.starts_at + timedelta(minutes=10),
            )
        elif outcome == "completed":
            start(session)
            end(session, talk_seconds=2700, no_recording_reason="recorder off")
        else:
            call_services.call_mark_missed(
                call=call,
                actor=session.interpreter,
                outcome=outcome,
                now=session.starts_at + timedelta(minutes=10),
            )
        ours.append(call)
    theirs = book(member=MemberFactory(agency=other_agency))
    confirm(theirs)
    session = schedule(
        theirs, operator=OperatorFactory(), starts_at=timezone.now() + timedelta(minutes=5)
    )
    try_every_number(theirs, session)
    call_services.call_mark_missed(
        call=theirs,
        actor=session.interpreter,
        outcome="member_unreachable",
        now=session.starts_at + timedelta(minutes=10),
    )

    now = timezone.now()
    statement = agent_statement(agency_id=agency.pk, year=now.year, month=now.month)
    assert [r.outcome for r in statement.rows] == [
        "member_unreachable",
        "member_unreachable",
        "client_no_show",
        "completed",
    ]
    assert statement.member_unreachable == 2
    assert statement.client_charges == D("75.00") + D("112.50")
    other = agent_statement(agency_id=other_agency.pk, year=now.year, month=now.month)
    assert other.member_unreachable == 1

    agent = agent_for(ours[0])
    agent.language = "en"
    agent.save(update_fields=["language"])
    client.force_login(agent)
    month = f"?month={now:%Y-%m}"
    page = client.get(reverse("agent-statement") + month).content.decode()
    assert page.count("Member unreachable</td>") == 2
    assert 'data-testid="member-unreachable">2<' in page
    for call in ours:
        assert call.number in page and call.member.full_name in page
    rows = list(
        csv_module.reader(
            io.StringIO(
                b"".join(
                    client.get(reverse("agent-statement-csv") + month).streaming_content
                ).decode()
            )
        )
    )
    assert [r[4] for r in rows[1:-1]] == [
        "Member unreachable",
        "Member unreachable",
        "Client did not come",
        "Completed",
    ]
    assert rows[-1][4] == "member unreachable: 2"
    assert_ledger_ok()
