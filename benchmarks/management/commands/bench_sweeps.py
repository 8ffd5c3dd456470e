"""Benchmark the sweeps on a realistic table: `manage.py bench_sweeps --sessions 100000`.

Creates the sessions (spread over a month from an hour ago, each with its call,
the agent's confirmation and three numbers) with set-based inserts, runs the sweep
beat runs every minute, and prints its duration, query count and peak Python
memory. Everything runs inside one transaction that is rolled back at the end,
so the database is left as it was and no task reaches the broker.

Three measurements:
- cold: the first sweep over the month, which finds a whole day of 24 h
  reminders due at once (what happens on the very first deployment);
- memory: the same cold sweep again (rolled back to a savepoint) under
  tracemalloc, whose bookkeeping would distort the timing;
- steady: the sweep one minute later, as beat runs it every minute.
"""

from __future__ import annotations

import math
import time
import tracemalloc
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Role, User
from agents.models import Agency, Member
from benchmarks.measuring import QueryCounter, Rollback
from billing.pricing import hold_amount, rule_in_force, tariff_in_force
from billing.services import client_accounts
from notifications import sweeps
from notifications.models import Notification

# Tables the benchmark fills (and vacuums after rolling back).
BENCH_TABLES = (
    "calls_call",
    "calls_agentconfirmation",
    "calls_contactnumber",
    "calls_session",
    "calls_calltransition",
    "billing_callcharge",
    "billing_entry",
    "notifications_notification",
    "notifications_operatortask",
)


class Command(BaseCommand):
    help = "Create N sessions over a month, time one sweep, roll everything back."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, default=100_000)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--batch", type=int, default=None, help="rows per sweep query")

    def handle(self, *args, sessions: int, days: int, batch: int | None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_sweeps measures the PostgreSQL setup: set DATABASE_URL.")
        self.stdout.write(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        # As in production: with DEBUG on, Django keeps the text of every query
        # in memory, which would be measured as the sweep's.
        with override_settings(DEBUG=False):
            self._run(sessions=sessions, days=days, batch=batch)

    def _run(self, *, sessions, days, batch):
        try:
            with transaction.atomic():
                now = timezone.now().replace(microsecond=0)
                started = time.perf_counter()
                self._populate(sessions=sessions, days=days, now=now)
                self.stdout.write(
                    f"created {sessions} sessions in {time.perf_counter() - started:.1f}s"
                )
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
                self._explain(now)

                point = transaction.savepoint()
                self._measure("cold", now=now, batch=batch)
                transaction.savepoint_rollback(point)
                self._measure("memory", now=now, batch=batch, trace=True)
                # Autovacuum analyses a table after a large insert; here the rows
                # are uncommitted, so do it by hand before the steady-state run.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
                self._measure("steady", now=now + timedelta(minutes=1), batch=batch)
                raise Rollback
        except Rollback:
            pass
        # The rolled-back rows are dead tuples until vacuumed: clear them now,
        # or the next page benchmarks on these tables read through them.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE " + ", ".join(BENCH_TABLES))
        self.stdout.write("rolled back and vacuumed: the database is as it was")

    def _measure(self, label, *, now, batch, trace=False):
        counter = QueryCounter()
        before = Notification.objects.count()
        if trace:
            tracemalloc.start()
        result, parts = {}, []
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            # sweep_due, one sweep at a time, to say where the time goes.
            for name, sweep in sweeps.DUE_SWEEPS:
                part_started = time.perf_counter()
                result[name] = sweep(now=now, batch=batch)
                parts.append(f"{name} {time.perf_counter() - part_started:.2f}s")
        elapsed = time.perf_counter() - started
        peak = 0
        if trace:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        made = Notification.objects.count() - before
        line = (
            f"{label:>6}: {elapsed:7.2f}s  {counter.queries:6d} queries "
            f"(+{counter.savepoints} savepoint statements)  {made:5d} messages  {result}"
        )
        if trace:
            line += f"  peak Python memory {peak / 1024 / 1024:.1f} MiB"
        else:
            line += f"\n        ({', '.join(parts)})"
        self.stdout.write(line)

    def _explain(self, now):
        """The reminder query the sweep runs: an index range scan and an anti-join."""
        minutes, due = sweeps.reminders_due(now=now)[-1]
        plan = due.order_by("starts_at", "pk")[:500].explain()
        self.stdout.write(f"reminder{minutes} query plan:\n  " + plan.replace("\n", "\n  "))

    def _populate(self, *, sessions: int, days: int, now):
        """People with the ORM; calls, confirmations, numbers and sessions with
        set-based INSERT ... SELECT (100 000 rows of each in seconds)."""
        tag = f"bench{int(now.timestamp())}"
        step = timedelta(days=days) / sessions
        minutes = 30
        buffer = timedelta(minutes=settings.SESSION_BUFFER_MINUTES)
        # Enough interpreters that nobody's sessions overlap (with the buffer).
        blocked = timedelta(minutes=minutes) + buffer
        interpreters_needed = math.ceil(blocked / step) * 2 + 1

        agency = Agency.objects.create(name=tag, city="Kharkiv", email=f"{tag}@example.org")
        agent = User.objects.create(
            username=f"{tag}-agent", role=Role.AGENT, agency=agency, email="a@example.org"
        )
        client = User.objects.create(
            username=f"{tag}-client", role=Role.CLIENT, email="c@example.org"
        )
        User.objects.create(
            username=f"{tag}-duty", role=Role.DUTY_MANAGER, on_duty=True, phone="+380445556677"
        )
        interpreters = User.objects.bulk_create(
            [
                User(
                    username=f"{tag}-i{i}",
                    role=Role.INTERPRETER,
                    email=f"i{i}@example.org",
                    first_name="Iryna",
                    last_name=f"Koval {i}",
                )
                for i in range(interpreters_needed)
            ]
        )
        members = Member.objects.bulk_create(
            [
                Member(agency=agency, reference=f"{tag}-{i}", full_name=f"Member {i}")
                for i in range(1000)
            ]
        )
        client_accounts(client)
        tariff, rule = (
            tariff_in_force("phone_interpreted", now),
            rule_in_force("phone_interpreted", now),
        )
        # Requests still waiting for the agent: 1 % of the volume, asked over 3 days.
        waiting = max(sessions // 100, 1)
        params = {
            "client": client.pk,
            "agent": agent.pk,
            "members": [m.pk for m in members],
            "interpreters": [i.pk for i in interpreters],
            "sessions": sessions,
            "waiting": waiting,
            "now": now,
            "start": now - timedelta(hours=1),
            "step": step,
            "minutes": timedelta(minutes=minutes),
            "buffer": buffer,
            "asked_over": timedelta(hours=72) / waiting,
            "tariff": tariff.pk,
            "rule": rule.pk,
            "held": hold_amount(kind="phone_interpreted", planned_minutes=minutes, tariff=tariff),
        }
        with connection.cursor() as cursor:
            for sql in POPULATE_SQL:
                cursor.execute(sql, params)


_CALL_COLUMNS = (
    "public_id, client_id, created_by_id, member_id, kind, planned_minutes, preferred_times,"
    " languages, note, decline_reason, outcome, client_time_zone, client_windows, created_at,"
    " state, state_changed_at"
)
_CALL_VALUES = (
    "gen_random_uuid(), %(client)s, %(client)s,"
    " (%(members)s::bigint[])[1 + n %% cardinality(%(members)s::bigint[])],"
    " 'phone_interpreted', 30, '', '', '', '', '', 'Europe/Kyiv', '[]', %(now)s"
)
POPULATE_SQL = [
    # Scheduled calls, in order, so that call n gets session n.
    f"""INSERT INTO calls_call ({_CALL_COLUMNS})
        SELECT {_CALL_VALUES}, 'scheduled', %(now)s - interval '2 days'
        FROM generate_series(0, %(sessions)s - 1) AS n ORDER BY n""",  # noqa: S608 - constants
    """INSERT INTO calls_agentconfirmation (call_id, responsible_name, agent_is_responsible,
            dial_number, video_handle, availability, confirmed_by_id, confirmed_at,
            member_time_zone, member_windows)
        SELECT id, 'Olena Petrenko', false, '+380671234567', '', '', %(agent)s, %(now)s,
            'Europe/Kyiv', '[]'
        FROM calls_call WHERE client_id = %(client)s""",
    """INSERT INTO calls_contactnumber (confirmation_id, role, number)
        SELECT c.id, r.role, r.number
        FROM calls_agentconfirmation c JOIN calls_call k ON k.id = c.call_id
        CROSS JOIN (VALUES ('member', '+380671234567'), ('agent_mobile', '+380507654321'),
                           ('responsible', '+380442223344')) AS r (role, number)
        WHERE k.client_id = %(client)s""",
    """INSERT INTO calls_session (call_id, interpreter_id, starts_at, planned_end, blocked_from,
            blocked_until, status, no_recording_reason, created_at)
        SELECT id,
            (%(interpreters)s::bigint[])[1 + n %% cardinality(%(interpreters)s::bigint[])],
            at, at + %(minutes)s, at, at + %(minutes)s + %(buffer)s,
            'planned', '', %(now)s
        FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n,
                     %(start)s + (row_number() OVER (ORDER BY id) - 1) * %(step)s AS at
              FROM calls_call WHERE client_id = %(client)s) AS calls""",
    f"""INSERT INTO calls_call ({_CALL_COLUMNS})
        SELECT {_CALL_VALUES}, 'awaiting_agent', %(now)s - n * %(asked_over)s
        FROM generate_series(0, %(waiting)s - 1) AS n""",  # noqa: S608 - constants
    # Every call holds its credit (a missed call is settled from its hold). The
    # holds are written without their ledger entries: the held account carries
    # their sum, so settling and releasing balance (and all is rolled back).
    """INSERT INTO billing_callcharge (call_id, client_id, kind, planned_minutes, tariff_id,
            rule_id, held, status, held_at, overrun, outcome)
        SELECT id, client_id, kind, planned_minutes, %(tariff)s, %(rule)s, %(held)s, 'held',
            created_at, false, ''
        FROM calls_call WHERE client_id = %(client)s""",
    """UPDATE billing_account SET balance = (
            SELECT sum(held) FROM billing_callcharge WHERE client_id = %(client)s)
        WHERE kind = 'client_held' AND user_id = %(client)s""",
]
