"""Property test: random lives of calls never lose or double a credit.

Hypothesis drives random sequences of top-ups, bookings, confirmations,
declines, cancellations, schedulings, starts, completions (any talk time,
often past the plan), misses and repeated settlements/releases over several
clients and agencies, through the real calls services. After every step:

- every settled call's charge = commission + house revenue, equal to what
  `price_call` says for its recorded tariff, rule and talk time, and the
  ledger's legs for the call say the same;
- every transfer, and the entries of every kind, sum to zero, and every
  cached balance is the sum of its entries;
- no hold outlives its call: a closed call holds nothing, an open call holds
  its planned cost;
- a client's credit is top-ups minus open holds minus charges, and is below
  zero only when a call that ran past its plan is flagged.
"""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from billing import selectors, services
from billing.defaults import ensure_spec_terms
from billing.models import (
    CLIENT_KINDS,
    Account,
    AccountKind,
    CallCharge,
    ChargeStatus,
    Entry,
    EntryKind,
)
from billing.pricing import price_outcome
from calls import selectors as call_selectors
from calls import services as call_services
from calls.models import Call, CallState
from calls.workflow import TERMINAL_STATES
from common.errors import DomainError

from .factories import (
    AgentFactory,
    ClientFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
)
from .flows import CLIENT_WINDOWS, confirm

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")
CLIENTS = 3
AGENCIES = 2
KINDS = ["phone_interpreted", "phone_direct", "video"]


def _sum(qs) -> Decimal:
    return (qs.aggregate(total=Sum("amount"))["total"] or ZERO).quantize(D("0.01"))


def has(*states):
    """Run the rule only when some call is in one of `states`."""
    return precondition(lambda machine: bool(machine.calls_in(*states)))


class LedgerMachine(RuleBasedStateMachine):
    @initialize(
        credit=st.lists(
            st.decimals(min_value=D("0"), max_value=D("300"), places=2),
            min_size=CLIENTS,
            max_size=CLIENTS,
        )
    )
    def set_up(self, credit):
        # Each run lives in a savepoint that is rolled back in teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        ensure_spec_terms()
        self.operator = OperatorFactory()
        self.clients = [ClientFactory() for _ in range(CLIENTS)]
        self.members = [MemberFactory() for _ in range(AGENCIES)]
        for member in self.members:
            AgentFactory(agency=member.agency)
        self.topped_up = defaultdict(lambda: ZERO)
        for client, amount in zip(self.clients, credit, strict=True):
            self.top_up_client(client, amount)
        self.slot = 0
        self.states = {}

    def teardown(self):
        if hasattr(self, "_atomic"):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # --- helpers ------------------------------------------------------------------

    def top_up_client(self, client, amount):
        if amount > 0:
            services.client_top_up(client=client, amount=amount, reason="paid", actor=self.operator)
            self.topped_up[client.pk] += amount

    def calls_in(self, *states):
        """Ids of the calls in `states`, as of the last step (no query: preconditions use it)."""
        return sorted(pk for pk, state in getattr(self, "states", {}).items() if state in states)

    def pick(self, index, *states):
        pks = self.calls_in(*states)
        return Call.objects.select_related("member", "client").get(pk=pks[index % len(pks)])

    # --- rules --------------------------------------------------------------------

    @rule(
        client=st.integers(0, CLIENTS - 1),
        amount=st.decimals(min_value=D("0.01"), max_value=D("400"), places=2),
    )
    def top_up(self, client, amount):
        self.top_up_client(self.clients[client], amount)

    @rule(
        client=st.integers(0, CLIENTS - 1),
        member=st.integers(0, AGENCIES - 1),
        kind=st.sampled_from(KINDS),
        minutes=st.integers(5, 90),
    )
    def book(self, client, member, kind, minutes):
        client = self.clients[client]
        available = selectors.client_balance(client)
        needed = selectors.booking_quote(kind=kind, planned_minutes=minutes).hold_amount
        before = Call.objects.count()
        try:
            call_services.call_request_create(
                client=client,
                member=self.members[member],
                kind=kind,
                planned_minutes=minutes,
                client_windows=CLIENT_WINDOWS,
                created_by=client,
            )
        except DomainError as exc:
            event("booking refused for credit")
            assert exc.code == "insufficient_credit"
            assert available < needed
            assert Call.objects.count() == before
        else:
            assert available >= needed

    @has(CallState.AWAITING_AGENT)
    @rule(index=st.integers(0, 50))
    def agent_confirms(self, index):
        confirm(self.pick(index, CallState.AWAITING_AGENT))

    @has(CallState.AWAITING_AGENT)
    @rule(index=st.integers(0, 50))
    def agent_declines(self, index):
        call = self.pick(index, CallState.AWAITING_AGENT)
        call_services.call_decline(
            call=call, actor=call.member.agency.staff.first(), reason="not interested"
        )
        event("declined")

    @has(CallState.AWAITING_AGENT, CallState.CONFIRMED, CallState.SCHEDULED)
    @rule(index=st.integers(0, 50))
    def client_cancels(self, index):
        call = self.pick(index, CallState.AWAITING_AGENT, CallState.CONFIRMED, CallState.SCHEDULED)
        call_services.call_cancel(call=call, actor=call.client, reason="plans changed")
        event("cancelled")

    @has(CallState.CONFIRMED)
    @rule(index=st.integers(0, 50))
    def operator_schedules(self, index):
        self.operator_schedules_call(self.pick(index, CallState.CONFIRMED))

    def operator_schedules_call(self, call):
        self.slot += 1
        call_services.session_schedule(
            call=call,
            starts_at=timezone.now() + timedelta(days=self.slot),
            interpreter=InterpreterFactory(),
            actor=self.operator,
        )

    @has(CallState.SCHEDULED)
    @rule(index=st.integers(0, 50))
    def interpreter_starts(self, index):
        session = call_selectors.live_session(self.pick(index, CallState.SCHEDULED))
        call_services.session_start(
            session=session, actor=session.interpreter, now=session.starts_at
        )

    @has(CallState.IN_PROGRESS)
    @rule(
        index=st.integers(0, 50),
        talk_seconds=st.one_of(st.integers(0, 600), st.integers(0, 3 * 3600)),
    )
    def interpreter_completes(self, index, talk_seconds):
        session = call_selectors.live_session(self.pick(index, CallState.IN_PROGRESS))
        self.end_session(session, talk_seconds)

    def end_session(self, session, talk_seconds):
        call_services.session_end(
            session=session,
            actor=session.interpreter,
            talk_seconds=talk_seconds,
            no_recording_reason="recorder off",
            now=session.starts_at + timedelta(seconds=talk_seconds),
        )
        charge = CallCharge.objects.get(call_id=session.call_id)
        event("completed past the plan, client overdrawn" if charge.overrun else "completed")

    @has(CallState.AWAITING_AGENT, CallState.CONFIRMED, CallState.SCHEDULED, CallState.IN_PROGRESS)
    @rule(index=st.integers(0, 50), talk_seconds=st.integers(0, 3 * 3600))
    def call_goes_ahead_to_the_end(self, index, talk_seconds):
        """The happy path in one go, so that many runs see completed calls."""
        call = self.pick(
            index,
            CallState.AWAITING_AGENT,
            CallState.CONFIRMED,
            CallState.SCHEDULED,
            CallState.IN_PROGRESS,
        )
        if call.state == CallState.AWAITING_AGENT:
            confirm(call)
        if call.state in (CallState.AWAITING_AGENT, CallState.CONFIRMED):
            self.operator_schedules_call(call)
        session = call_selectors.live_session(call)
        if call.state != CallState.IN_PROGRESS:
            call_services.session_start(
                session=session, actor=session.interpreter, now=session.starts_at
            )
        self.end_session(session, talk_seconds)

    @has(CallState.SCHEDULED)
    @rule(index=st.integers(0, 50))
    def system_marks_missed(self, index):
        call = self.pick(index, CallState.SCHEDULED)
        session = call_selectors.live_session(call)
        call_services.call_mark_missed(
            call=call, actor=None, now=session.starts_at + timedelta(minutes=30)
        )
        event("missed")

    @has(*TERMINAL_STATES)
    @rule(index=st.integers(0, 50), talk_seconds=st.integers(0, 7200))
    def billing_asked_again(self, index, talk_seconds):
        """A retried task or a second click: nothing may change."""
        call = self.pick(index, *TERMINAL_STATES)
        before = Entry.objects.count()
        services.call_release(call_id=call.pk, actor=self.operator)
        if call.state == CallState.COMPLETED:
            services.call_settle(
                call_id=call.pk,
                talk_seconds=talk_seconds,
                agency_id=call.member.agency_id,
                actor=self.operator,
            )
        assert Entry.objects.count() == before

    # --- invariants (one pass over the ledger, checked after every step) ---------

    @invariant()
    def money_is_never_lost_or_doubled(self):
        if not hasattr(self, "clients"):
            return
        # The ledger's own self-check: cached balances, transfers, kinds, holds.
        assert selectors.ledger_problems() == []

        legs = defaultdict(lambda: ZERO)  # (call id, entry kind, account kind) -> sum
        by_kind = defaultdict(lambda: ZERO)
        for call_id, kind, account_kind, amount in Entry.objects.values_list(
            "call_id", "kind", "account__kind", "amount"
        ):
            legs[call_id, kind, account_kind] += amount
            by_kind[kind] += amount
        assert all(total == 0 for total in by_kind.values()), dict(by_kind)

        charges = {
            c.call_id: c for c in CallCharge.objects.select_related("tariff", "rule", "policy")
        }
        rows = Call.objects.filter(client__in=self.clients).values_list("pk", "state", "outcome")
        calls = {pk: state for pk, state, _outcome in rows}
        outcomes = {pk: outcome for pk, _state, outcome in rows}
        self.states = calls  # for the next step's preconditions
        assert set(calls) == set(charges)  # every booked call holds; no hold without a call
        for call_id, state in calls.items():
            charge = charges[call_id]
            held = (
                legs[call_id, EntryKind.HOLD, AccountKind.CLIENT_HELD]
                + legs[call_id, EntryKind.RELEASE, AccountKind.CLIENT_HELD]
            )
            if state in TERMINAL_STATES:
                # No hold outlives its call.
                assert held == 0
                # A call with an outcome is settled by its policy (perhaps at 0).
                assert charge.status == (
                    ChargeStatus.SETTLED if outcomes[call_id] else ChargeStatus.RELEASED
                )
                assert charge.outcome == outcomes[call_id]
            else:
                assert charge.status == ChargeStatus.HELD
                assert held == charge.held > 0
            if charge.status == ChargeStatus.SETTLED:
                price = price_outcome(
                    kind=charge.kind,
                    outcome=charge.outcome,
                    seconds=charge.talk_seconds,
                    tariff=charge.tariff,
                    rule=charge.rule,
                    policy=charge.policy,
                )
                # charge = commission + house revenue, to the cent, as priced and as posted.
                assert charge.client_charge == charge.agent_commission + charge.house_revenue
                assert (
                    charge.billed_minutes,
                    charge.client_charge,
                    charge.agent_commission,
                    charge.house_revenue,
                ) == (
                    price.billed_minutes,
                    price.client_charge,
                    price.agent_commission,
                    price.house_revenue,
                )
                assert legs[call_id, EntryKind.CHARGE, AccountKind.CLIENT_CREDIT] == (
                    -charge.client_charge
                )
                assert legs[call_id, EntryKind.COMMISSION, AccountKind.AGENCY_COMMISSION] == (
                    charge.agent_commission
                )
                house = (
                    legs[call_id, EntryKind.CHARGE, AccountKind.HOUSE_REVENUE]
                    + legs[call_id, EntryKind.COMMISSION, AccountKind.HOUSE_REVENUE]
                )
                assert house == charge.house_revenue

        # A client's credit is the story of its calls, below zero only when flagged.
        balances = {
            (a.kind, a.user_id or a.agency_id): a.balance
            for a in Account.objects.filter(kind__in=[*CLIENT_KINDS, AccountKind.AGENCY_COMMISSION])
        }
        for client in self.clients:
            mine = [c for c in charges.values() if c.client_id == client.pk]
            open_holds = sum((c.held for c in mine if c.status == ChargeStatus.HELD), ZERO)
            spent = sum((c.client_charge for c in mine if c.status == ChargeStatus.SETTLED), ZERO)
            balance = balances.get((AccountKind.CLIENT_CREDIT, client.pk), ZERO)
            assert balance == self.topped_up[client.pk] - open_holds - spent
            assert balances.get((AccountKind.CLIENT_HELD, client.pk), ZERO) == open_holds
            if balance < 0:
                assert any(c.overrun for c in mine)
        for member in self.members:
            earned = sum(
                (
                    c.agent_commission
                    for c in charges.values()
                    if c.agency_id == member.agency_id and c.status == ChargeStatus.SETTLED
                ),
                ZERO,
            )
            assert balances.get((AccountKind.AGENCY_COMMISSION, member.agency_id), ZERO) == earned


@pytest.mark.slow
def test_random_call_lives_never_lose_or_double_a_credit():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=35,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
