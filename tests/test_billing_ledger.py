"""SPEC "Money: the ledger": holds, releases, settlement, top-ups, adjustments, statements."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import translation

from billing import selectors, services
from billing.formatting import credits
from billing.models import (
    Account,
    AccountKind,
    CallCharge,
    ChargeStatus,
    Entry,
    EntryKind,
    Tariff,
)
from billing.statements import agent_statement, write_statement_csv
from calls import services as call_services
from calls.models import CallState
from calls.selectors import member_names_for_calls
from common.errors import DomainError

from .factories import AgencyFactory, ClientFactory, MemberFactory, OperatorFactory, aware
from .flows import book, confirm, fund_client, schedule

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def operator():
    return OperatorFactory()


def entries_of(call_id, kind=None):
    qs = Entry.objects.filter(call_id=call_id)
    return qs.filter(kind=kind) if kind else qs


def complete(call, *, operator, talk_seconds, now=None):
    """Take a booked call through to completed with the given talk time."""
    confirm(call)
    session = schedule(call, operator=operator)
    call_services.session_start(session=session, actor=session.interpreter, now=session.starts_at)
    call_services.session_end(
        session=session,
        actor=session.interpreter,
        talk_seconds=talk_seconds,
        no_recording_reason="recorder off",
        now=now or session.starts_at + timedelta(seconds=talk_seconds),
    )
    call.refresh_from_db()
    return call


# --- booking holds ---------------------------------------------------------------


def test_booking_holds_the_planned_cost():
    client = ClientFactory()
    fund_client(client, D("100"))
    call = book(client=client, kind="phone_interpreted", minutes=30, fund=False)
    assert selectors.client_balance(client) == D("46.00")
    assert selectors.client_held(client) == D("54.00")
    charge = CallCharge.objects.get(call_id=call.pk)
    assert charge.held == D("54.00") and charge.status == ChargeStatus.HELD
    assert charge.tariff.kind == "phone_interpreted"
    assert [e.amount for e in selectors.client_entries(client)] == [D("-54.00"), D("100.00")]


def test_video_holds_at_least_the_75_credit_minimum():
    client = ClientFactory()
    fund_client(client, D("80"))
    call = book(client=client, kind="video", minutes=10, fund=False)
    assert CallCharge.objects.get(call_id=call.pk).held == D("75.00")
    assert selectors.client_balance(client) == D("5.00")


def test_no_balance_no_booking_and_the_message_says_how_much_is_missing():
    client = ClientFactory()
    fund_client(client, D("50.5"))
    member = MemberFactory()
    with pytest.raises(DomainError) as info:
        book(client=client, member=member, kind="phone_interpreted", minutes=30, fund=False)
    assert info.value.code == "insufficient_credit"
    assert "3.50 credits" in info.value.message  # 54.00 needed, 50.50 there
    assert "54.00 credits" in info.value.message
    # Nothing was booked and nothing was held.
    assert not member.calls.exists()
    assert not CallCharge.objects.exists()
    assert selectors.client_balance(client) == D("50.50")
    assert selectors.client_held(client) == 0


def test_the_missing_amount_is_translated():
    client = ClientFactory()
    with translation.override("ru"), pytest.raises(DomainError) as info:
        services.call_hold(
            call_id=1, client=client, kind="phone_direct", planned_minutes=10, actor=client
        )
    assert "10,00" in info.value.message  # decimal comma in Russian


def test_holding_the_same_call_twice_holds_once():
    client = ClientFactory()
    fund_client(client, D("200"))
    first = services.call_hold(
        call_id=777, client=client, kind="phone_direct", planned_minutes=30, actor=client
    )
    again = services.call_hold(
        call_id=777, client=client, kind="phone_direct", planned_minutes=30, actor=client
    )
    assert first.pk == again.pk
    assert selectors.client_held(client) == D("30.00")


# --- calls that did not take place --------------------------------------------------


@pytest.mark.parametrize("outcome", ["declined", "cancelled", "missed"])
def test_a_call_that_did_not_take_place_costs_nothing(outcome, operator):
    client = ClientFactory()
    fund_client(client, D("60"))
    call = book(client=client, minutes=30, fund=False)
    if outcome == "declined":
        call_services.call_decline(call=call, actor=call.member.agency.staff.first(), reason="no")
    elif outcome == "cancelled":
        call_services.call_cancel(call=call, actor=client, reason="plans changed")
    else:
        confirm(call)
        session = schedule(call, operator=operator)
        call_services.call_mark_missed(
            call=call, actor=None, now=session.starts_at + timedelta(minutes=30)
        )
    call.refresh_from_db()
    assert call.state == outcome
    assert selectors.client_balance(client) == D("60.00")
    assert selectors.client_held(client) == 0
    charge = CallCharge.objects.get(call_id=call.pk)
    if outcome == "missed":
        # A missed call has an outcome (nothing else known: our fault), settled at 0.
        assert (charge.status, charge.outcome) == (ChargeStatus.SETTLED, "office_fault")
        assert charge.client_charge == charge.agent_commission == 0
    else:
        assert charge.status == ChargeStatus.RELEASED
    assert entries_of(call.pk, EntryKind.RELEASE).count() == 2
    assert not entries_of(call.pk, EntryKind.CHARGE).exists()


def test_releasing_twice_releases_once():
    client = ClientFactory()
    call = book(client=client)
    services.call_release(call_id=call.pk, actor=None)
    services.call_release(call_id=call.pk, actor=None)
    assert entries_of(call.pk, EntryKind.RELEASE).count() == 2  # one transfer, two legs
    assert selectors.client_balance(client) == D("54.00")


def test_releasing_an_unknown_call_is_harmless():
    assert services.call_release(call_id=424242, actor=None) is None


# --- completed calls ----------------------------------------------------------------


def test_completing_charges_talk_time_and_credits_commission_and_revenue(operator):
    client = ClientFactory()
    fund_client(client, D("100"))
    call = book(client=client, kind="phone_interpreted", minutes=30, fund=False)
    complete(call, operator=operator, talk_seconds=601)
    assert call.state == CallState.COMPLETED
    charge = CallCharge.objects.get(call_id=call.pk)
    assert (charge.billed_minutes, charge.client_charge) == (11, D("19.80"))
    assert (charge.agent_commission, charge.house_revenue) == (D("3.96"), D("15.84"))
    assert charge.agency_id == call.member.agency_id
    assert selectors.client_balance(client) == D("80.20")
    assert selectors.client_held(client) == 0
    assert selectors.agency_commission_total(call.member.agency_id) == D("3.96")
    house = Account.objects.get(kind=AccountKind.HOUSE_REVENUE)
    assert house.balance == D("15.84")
    assert selectors.call_charges([call.pk]) == {
        call.pk: selectors.Price(11, D("19.80"), D("3.96"), D("15.84"))
    }
    # Every entry of the call names who caused it: the interpreter who ended it.
    settled = entries_of(call.pk).exclude(kind=EntryKind.HOLD)
    assert {e.actor_id for e in settled} == {call.sessions.get().interpreter_id}
    assert selectors.ledger_problems() == []


def test_a_call_longer_than_planned_is_charged_in_full_and_flagged(operator):
    client = ClientFactory()
    call = book(client=client, kind="phone_direct", minutes=10)  # holds exactly 10.00
    complete(call, operator=operator, talk_seconds=25 * 60)
    charge = CallCharge.objects.get(call_id=call.pk)
    assert charge.client_charge == D("25.00")  # not capped at the hold
    assert charge.overrun is True
    assert selectors.client_balance(client) == D("-15.00")
    credit = Account.objects.get(kind=AccountKind.CLIENT_CREDIT, user=client)
    assert credit.is_overdrawn
    assert selectors.ledger_problems() == []


def test_an_overdrawn_client_cannot_book_until_topped_up(operator):
    client = ClientFactory()
    call = book(client=client, kind="phone_direct", minutes=10)
    complete(call, operator=operator, talk_seconds=12 * 60)
    with pytest.raises(DomainError) as info:
        book(client=client, kind="phone_direct", minutes=5, fund=False)
    assert "7.00 credits more" in info.value.message  # 2.00 owed + 5.00 for the new call


def test_settling_twice_charges_once(operator):
    client = ClientFactory()
    fund_client(client, D("100"))
    call = book(client=client, minutes=30, fund=False)
    complete(call, operator=operator, talk_seconds=600)
    again = services.call_settle(
        call_id=call.pk, talk_seconds=9999, agency_id=call.member.agency_id, actor=operator
    )
    assert again.client_charge == D("18.00")
    assert entries_of(call.pk, EntryKind.CHARGE).count() == 2
    assert selectors.client_balance(client) == D("82.00")


def test_the_database_refuses_a_second_charge_entry_for_a_call():
    client = ClientFactory()
    account = services.client_accounts(client)[0]
    Entry.objects.create(
        account=account,
        kind=EntryKind.CHARGE,
        amount=D("-1"),
        call_id=5,
        created_at=aware(2026, 1, 1),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            account=account,
            kind=EntryKind.CHARGE,
            amount=D("-1"),
            call_id=5,
            created_at=aware(2026, 1, 1),
        )


def test_a_released_call_cannot_be_charged():
    call = book()
    services.call_release(call_id=call.pk, actor=None)
    with pytest.raises(DomainError) as info:
        services.call_settle(
            call_id=call.pk, talk_seconds=60, agency_id=call.member.agency_id, actor=None
        )
    assert info.value.code == "already_released"


def test_a_later_tariff_does_not_reprice_a_booked_call(operator):
    client = ClientFactory()
    fund_client(client, D("100"))
    call = book(client=client, kind="phone_direct", minutes=30, fund=False)
    Tariff.objects.create(
        kind="phone_direct", price_per_minute=D("3.00"), effective_from=aware(2001, 1, 1)
    )
    complete(call, operator=operator, talk_seconds=600)
    assert CallCharge.objects.get(call_id=call.pk).client_charge == D("10.00")
    # A call booked now gets the new price.
    assert services.call_hold(
        call_id=99, client=client, kind="phone_direct", planned_minutes=10, actor=client
    ).held == D("30.00")


# --- operators' hand ----------------------------------------------------------------


def test_top_up_needs_an_operator_a_reason_and_a_positive_amount(operator):
    client = ClientFactory()
    with pytest.raises(DomainError) as info:
        services.client_top_up(client=client, amount="10", reason=" ", actor=operator)
    assert info.value.code == "reason_required"
    with pytest.raises(DomainError) as info:
        services.client_top_up(client=client, amount="10", reason="paid", actor=client)
    assert info.value.code == "not_allowed"
    for bad in ("0", "-5", "1.005", "abc", "NaN", "Infinity", "1e30", "1000000000"):
        with pytest.raises(DomainError) as info:
            services.client_top_up(client=client, amount=bad, reason="paid", actor=operator)
        assert info.value.code == "bad_amount", bad
    services.client_top_up(client=client, amount="10.50", reason="bank transfer 42", actor=operator)
    entry = selectors.client_entries(client).get()
    assert (entry.kind, entry.amount, entry.actor, entry.reason) == (
        EntryKind.TOP_UP,
        D("10.50"),
        operator,
        "bank transfer 42",
    )


def test_adjustments_are_reasoned_balanced_and_cannot_overdraw(operator):
    client = ClientFactory()
    fund_client(client, D("10"))
    services.adjustment_post(client=client, amount="-4", reason="duplicate top-up", actor=operator)
    assert selectors.client_balance(client) == D("6.00")
    with pytest.raises(DomainError) as info:
        services.adjustment_post(client=client, amount="-7", reason="oops", actor=operator)
    assert info.value.code == "would_overdraw"
    with pytest.raises(DomainError):
        services.adjustment_post(client=client, amount="1", reason="", actor=operator)
    agency = AgencyFactory()
    commission = Account.objects.create(kind=AccountKind.AGENCY_COMMISSION, agency=agency)
    services.adjustment_post(account=commission, amount="2.50", reason="late call", actor=operator)
    assert selectors.agency_commission_total(agency.pk) == D("2.50")
    held = services.client_accounts(client)[1]
    with pytest.raises(DomainError) as info:
        services.adjustment_post(account=held, amount="1", reason="no", actor=operator)
    assert info.value.code == "not_adjustable"
    assert selectors.ledger_problems() == []


# --- the ledger's integrity ---------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted():
    client = ClientFactory()
    fund_client(client, D("5"))
    entry = Entry.objects.first()
    entry.amount = D("500")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        Entry.objects.filter(pk=entry.pk).update(amount=D("500"))
    with pytest.raises(TypeError):
        Entry.objects.all().delete()


def test_ledger_check_passes_on_a_sound_ledger_and_catches_a_tampered_balance(operator):
    client = ClientFactory()
    call = book(client=client)
    complete(call, operator=operator, talk_seconds=300)
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert "ledger OK" in out.getvalue()
    Account.objects.filter(kind=AccountKind.HOUSE_REVENUE).update(balance=D("1000"))
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("ledger_check", stdout=io.StringIO(), stderr=err)
    assert info.value.returncode == 1
    assert "balance: account" in err.getvalue()


# --- reads ---------------------------------------------------------------------------


def test_booking_quote():
    quote = selectors.booking_quote(kind="video", planned_minutes=20)
    assert (quote.hold_amount, quote.price_per_minute, quote.minimum_minutes) == (
        D("75.00"),
        D("2.50"),
        30,
    )


def test_booking_preview_says_what_the_hold_leaves_and_what_a_no_show_costs(operator):
    client = ClientFactory()
    services.client_top_up(client=client, amount="100", reason="paid", actor=operator)
    balance = selectors.client_balance(client)
    preview = selectors.booking_preview(kind="video", planned_minutes=20, client=client)
    assert preview.quote == selectors.booking_quote(kind="video", planned_minutes=20)
    assert (preview.balance, preview.after) == (balance, balance - D("75.00"))
    assert (preview.enough, preview.short) == (balance >= D("75.00"), max(D("75.00") - balance, 0))
    # SPEC "Who pays": a video call's no-show and late cancel cost the prepaid minimum.
    assert (preview.no_show_fee, preview.late_cancel_fee) == (D("75.00"), D("75.00"))
    phone = selectors.booking_preview(kind="phone_direct", planned_minutes=60, client=client)
    assert (phone.no_show_fee, phone.late_cancel_fee) == (D("0.00"), D("0.00"))
    assert phone.short == max(phone.quote.hold_amount - balance, 0)
    nobody = selectors.booking_preview(kind="video", planned_minutes=20)
    assert (nobody.balance, nobody.after, nobody.enough, nobody.short) == (None, None, True, 0)


def test_credits_formatting():
    assert credits(D("12.5")) == "12.50 credits"
    assert credits(D("-3")) == "-3.00 credits"


# --- statements ------------------------------------------------------------------


def test_monthly_statement_lists_calls_adjustments_and_totals(operator):
    agency = AgencyFactory()
    member = MemberFactory(agency=agency)
    november = aware(2026, 11, 10, 12)
    calls = []
    for kind, seconds in [("phone_interpreted", 601), ("video", 720)]:
        call = book(member=member, kind=kind, minutes=30)
        calls.append(call)
        services.call_settle(
            call_id=call.pk, talk_seconds=seconds, agency_id=agency.pk, actor=operator, now=november
        )
    # Settled in another month: not on November's statement.
    late = book(member=member, minutes=30)
    services.call_settle(
        call_id=late.pk,
        talk_seconds=60,
        agency_id=agency.pk,
        actor=operator,
        now=aware(2026, 12, 1),
    )
    commission = Account.objects.get(kind=AccountKind.AGENCY_COMMISSION, agency=agency)
    services.adjustment_post(
        account=commission, amount="-1.00", reason="correction", actor=operator, now=november
    )
    statement = agent_statement(
        agency_id=agency.pk, year=2026, month=11, member_names=member_names_for_calls
    )
    assert statement.calls == 2
    assert statement.billed_minutes == 11 + 30
    assert statement.client_charges == D("94.80")
    assert statement.commission == D("48.96")
    assert statement.adjustments == D("-1.00")
    assert statement.total == D("47.96")
    buffer = io.StringIO()
    write_statement_csv(statement, buffer)
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows[0][0] == "date (UTC)"
    assert [r[1] for r in rows[1:3]] == [c.number for c in calls]
    assert [r[2] for r in rows[1:3]] == [
        f"{c.member.full_name} ({c.member.reference})" for c in calls
    ]
    # Billing knows calls by their keys only: asked without the names, the column is empty.
    unnamed = agent_statement(agency_id=agency.pk, year=2026, month=11)
    assert [row.member for row in unnamed.rows if row.call_id] == ["", ""]
    # Totals: the count under "service", never under "call"; amounts under theirs.
    header = rows[0]
    total = dict(zip(header, rows[-1], strict=True))
    assert total["date (UTC)"] == "total" and total["call"] == ""
    assert total["service"] == "calls: 2"
    assert total["outcome"] == "member unreachable: 0"
    assert (total["billed minutes"], total["commission"]) == ("41", "47.96")


def test_agent_statement_command_writes_csv(operator, tmp_path):
    agency = AgencyFactory()
    call = book(member=MemberFactory(agency=agency), kind="phone_direct", minutes=25)
    services.call_settle(
        call_id=call.pk,
        talk_seconds=1500,
        agency_id=agency.pk,
        actor=operator,
        now=aware(2026, 10, 3),
    )
    out = io.StringIO()
    call_command("agent_statement", "--agent", str(agency.pk), "--month", "2026-10", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][1:9] == [
        call.number,
        f"{call.member.full_name} ({call.member.reference})",
        "Phone call without an interpreter",
        "Completed",
        "1500",
        "25",
        "25.00",
        "5.00",
    ]
    target = tmp_path / "statement.csv"
    call_command(
        "agent_statement", "--agent", str(agency.pk), "--month", "2026-10", "--output", str(target)
    )
    assert target.read_text(encoding="utf-8").splitlines()[-1].startswith("total,,,calls: 1,")


@pytest.mark.parametrize(
    "argv",
    [
        ["--agent", "x", "--month", "2026-10"],
        ["--agent", "1", "--month", "2026-13"],
        ["--agent", "999999", "--month", "2026-10"],
        ["--month", "2026-10"],
    ],
)
def test_agent_statement_command_bad_input_is_exit_2(argv):
    with pytest.raises(CommandError) as info:
        call_command("agent_statement", *argv, stdout=io.StringIO())
    assert info.value.returncode == 2


def test_statement_csv_can_show_calls_by_another_label(operator):
    agency = AgencyFactory()
    call = book(member=MemberFactory(agency=agency), kind="phone_direct", minutes=10)
    services.call_settle(
        call_id=call.pk, talk_seconds=60, agency_id=agency.pk, actor=operator, now=aware(2026, 5, 5)
    )
    buffer = io.StringIO()
    statement = agent_statement(agency_id=agency.pk, year=2026, month=5)
    write_statement_csv(statement, buffer, call_labels={call.pk: str(call.public_id)})
    assert list(csv.reader(io.StringIO(buffer.getvalue())))[1][1] == str(call.public_id)


def test_operators_get_a_task_with_the_charge_that_overdraws_a_client(operator):
    """The task is written in the charge's own transaction (no after-commit step)."""
    from notifications.models import OperatorTask, OperatorTaskKind

    call = book(kind="phone_direct", minutes=5)
    services.call_settle(
        call_id=call.pk, talk_seconds=420, agency_id=call.member.agency_id, actor=operator
    )
    task = OperatorTask.objects.get(call=call, kind=OperatorTaskKind.CLIENT_OVERDRAWN)
    assert "-2.00" in task.summary or "−2.00" in task.summary, task.summary
    # Settling again changes nothing and opens no second task.
    services.call_settle(
        call_id=call.pk, talk_seconds=420, agency_id=call.member.agency_id, actor=operator
    )
    assert OperatorTask.objects.filter(call=call).count() == 1


def test_a_charge_rolled_back_leaves_no_overdrawn_task(operator):
    from django.db import transaction

    from notifications.models import OperatorTask

    call = book(kind="phone_direct", minutes=5)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.call_settle(
            call_id=call.pk, talk_seconds=420, agency_id=call.member.agency_id, actor=operator
        )
        raise RuntimeError("the caller fails after settling")
    assert not OperatorTask.objects.filter(call=call).exists()
