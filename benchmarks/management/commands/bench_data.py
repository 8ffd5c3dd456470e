"""A client with many calls, for measuring pages: `manage.py bench_data --calls 300`.

Used by `bin/bench`: the client dashboard and the call list API are measured
for a client with this many calls (a few open with their holds, the rest
completed with their charges, some cancelled). Run again, it rebuilds that
client's calls only, so the figures always describe the same data. Rows are
written in bulk straight into the tables (no messages, no ledger entries):
the pages read calls, sessions and charges, not how they came to be.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from agents.models import Agency, Member
from billing.models import CallCharge, ChargeStatus
from billing.pricing import hold_amount, price_call, rule_in_force, tariff_in_force
from billing.services import client_accounts
from calls.models import Call, CallKind, CallState, Session, SessionStatus

USERNAME = "bench-client"
PASSWORD = "bench-pass-2026"
OPEN_CALLS = 12  # scheduled, ahead; the rest are behind


class Command(BaseCommand):
    help = "Create (or rebuild) the client 'bench-client' with N calls for page benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=300)

    def handle(self, *args, calls: int, **options):
        with transaction.atomic():
            client = _client()
            client_calls_rebuild(client, calls)
        # Fresh statistics and no dead rows (an earlier bench_sweeps leaves
        # many), so the pages are measured as they run on a kept database.
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE calls_call, calls_session, billing_callcharge, billing_account"
            )
        self.stdout.write(f"{USERNAME} / {PASSWORD}: {calls} calls")


def _client() -> User:
    client, created = User.objects.get_or_create(
        username=USERNAME,
        defaults={
            "role": Role.CLIENT,
            "email": "bench-client@example.org",
            "first_name": "Bench",
            "last_name": "Client",
            "time_zone": "America/New_York",
        },
    )
    if created or not client.check_password(PASSWORD):
        client.set_password(PASSWORD)
        client.save(update_fields=["password"])
    client_accounts(client)
    return client


def client_calls_rebuild(client: User, count: int) -> None:
    """Replace the client's calls by `count` new ones (also used by tests of query counts)."""
    now = timezone.now().replace(microsecond=0)
    old = list(Call.objects.filter(client=client).values_list("pk", flat=True))
    CallCharge.objects.filter(call_id__in=old).delete()
    Call.objects.filter(pk__in=old).delete()  # sessions go with their calls

    agency, _ = Agency.objects.get_or_create(
        name="Bench agency", defaults={"city": "Kharkiv", "email": "bench-agency@example.org"}
    )
    members = [
        Member.objects.get_or_create(
            agency=agency, reference=f"BENCH-{i:02d}", defaults={"full_name": f"Member {i}"}
        )[0]
        for i in range(20)
    ]
    # An agent to ask, so that a booking takes its usual path (bench_queries).
    User.objects.get_or_create(
        username="bench-agent",
        defaults={"role": Role.AGENT, "agency": agency, "email": "bench-agent@example.org"},
    )
    interpreter, _ = User.objects.get_or_create(
        username="bench-interpreter",
        defaults={"role": Role.INTERPRETER, "email": "bench-interpreter@example.org"},
    )
    kinds = list(CallKind.values)
    states = []
    rows = []
    for n in range(count):
        if n < OPEN_CALLS:
            state, at = CallState.SCHEDULED, now + timedelta(days=n + 1)
        else:
            state = CallState.CANCELLED if n % 10 == 0 else CallState.COMPLETED
            at = now - timedelta(days=n - OPEN_CALLS + 1)
        states.append((state, at))
        rows.append(
            Call(
                client=client,
                created_by=client,
                member=members[n % len(members)],
                kind=kinds[n % len(kinds)],
                planned_minutes=30,
                state=state,
                created_at=at - timedelta(days=3),
                state_changed_at=at,
            )
        )
    calls = Call.objects.bulk_create(rows)

    sessions, charges = [], []
    for call, (state, at) in zip(calls, states, strict=True):
        tariff, rule = tariff_in_force(call.kind), rule_in_force(call.kind)
        held = hold_amount(kind=call.kind, planned_minutes=30, tariff=tariff)
        charge = CallCharge(
            call_id=call.pk,
            client=client,
            kind=call.kind,
            planned_minutes=30,
            tariff=tariff,
            rule=rule,
            held=held,
            held_at=call.created_at,
        )
        if state == CallState.CANCELLED:
            charge.status, charge.closed_at = ChargeStatus.RELEASED, at
            charges.append(charge)
            continue
        session = Session(
            call=call,
            interpreter=interpreter,
            starts_at=at,
            planned_end=at + timedelta(minutes=30),
            blocked_from=at - timedelta(minutes=15),
            blocked_until=at + timedelta(minutes=45),
        )
        if state == CallState.COMPLETED:
            seconds = 1500 + call.pk % 600
            price = price_call(kind=call.kind, seconds=seconds, tariff=tariff, rule=rule)
            session.status = SessionStatus.ENDED
            session.started_at, session.ended_at = at, at + timedelta(seconds=seconds)
            session.talk_seconds = seconds
            charge.status, charge.closed_at = ChargeStatus.SETTLED, session.ended_at
            charge.agency = agency
            charge.talk_seconds = seconds
            charge.billed_minutes = price.billed_minutes
            charge.client_charge = price.client_charge
            charge.agent_commission = price.agent_commission
            charge.house_revenue = price.house_revenue
        sessions.append(session)
        charges.append(charge)
    Session.objects.bulk_create(sessions)
    CallCharge.objects.bulk_create(charges)
