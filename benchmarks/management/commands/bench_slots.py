"""Benchmark finding the time on PostgreSQL: `manage.py bench_slots`.

Creates 200 interpreters speaking 10 languages (each three of them), with
weekly hours in eight time zones, and 5,000 sessions over the next two weeks
(each with its call), plus one confirmed call whose client (New York) and
member (Kyiv) give weekday windows. Then it runs the same search the admin's
"Find a time" and the client's page run (`calls.services.slots.call_slot_search`) many
times and prints the median, the 95th percentile and the queries per search;
the same for the calendar search of the client's picker and the office's Find
a time (`call_slot_days`: every start of the horizon by the viewer's days);
and the queries again with a quarter of the interpreters and sessions, to show
the count does not grow with them. Everything is rolled back at the end.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from agents.models import Agency, Member
from benchmarks.measuring import Rollback
from calls.models import AgentConfirmation, Call, CallKind, CallState, Session
from calls.occupancy import held_range
from calls.services.slots import call_slot_days, call_slot_search
from scheduling.models import WorkingTime

LANGUAGES = ["en", "ru", "uk", "de", "fr", "es", "it", "pl", "pt", "tr"]
ZONES = [
    "Europe/Kyiv",
    "Europe/Moscow",
    "Europe/Berlin",
    "Europe/Warsaw",
    "America/New_York",
    "Asia/Almaty",
    "Europe/Istanbul",
    "Europe/Lisbon",
]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


class Command(BaseCommand):
    help = "Time one slot search over 200 interpreters and 5,000 sessions; roll back."

    def add_arguments(self, parser):
        parser.add_argument("--interpreters", type=int, default=200)
        parser.add_argument("--sessions", type=int, default=5000)
        parser.add_argument("--runs", type=int, default=100)
        parser.add_argument(
            "--kind",
            default=CallKind.PHONE_INTERPRETED,
            choices=CallKind.values,
            help="phone_direct: every interpreter may organise it (the most work)",
        )

    def handle(self, *args, interpreters, sessions, runs, kind, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Run this on PostgreSQL (set DATABASE_URL=postgres://...).")
        try:
            with transaction.atomic():
                call = self._world(interpreters, sessions, kind)
                timings, queries = self._measure(call, runs)
                days_timings, days_queries = self._measure(call, runs, search=self._days)
                calendar = self._days(call)
                # A quarter of everything: the query count must stay the same.
                self._thin(interpreters // 4)
                _t, fewer_queries = self._measure(call, 5)
                found = call_slot_search(call)
                raise Rollback(
                    timings, queries, fewer_queries, found, days_timings, days_queries, calendar
                )
        except Rollback as done:
            timings, queries, fewer_queries, found, days_timings, days_queries, calendar = done.args
        starts = sum(len(day.proposals) for day in calendar.days)
        self.stdout.write(
            f"interpreters={interpreters} languages={len(LANGUAGES)} sessions={sessions} "
            f"kind={kind} runs={runs}\n"
            f"search: {self._figures(timings)}\n"
            f"calendar search (every start by day): {self._figures(days_timings)}, "
            f"{days_queries} queries, {starts} starts on {len(calendar.days)} days\n"
            f"queries per search: {queries} (with {interpreters // 4} interpreters and "
            f"their sessions: {fewer_queries})\n"
            + (
                f"proposals (with {interpreters // 4} interpreters): {len(found.proposals)}, "
                f"the first at {found.proposals[0].starts_at} (UTC)"
                if found.proposals
                else f"no proposals with {interpreters // 4} interpreters: {found.reason}"
            )
        )

    @staticmethod
    def _figures(timings) -> str:
        timings = sorted(timings)
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        return (
            f"median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
            f"max {timings[-1]:.1f} ms"
        )

    @staticmethod
    def _days(call):
        return call_slot_days(call, viewer_zone="America/New_York")

    def _measure(self, call, runs, search=call_slot_search):
        counts = []

        def count(execute, sql, params, many, context):
            counts[-1] += 1
            return execute(sql, params, many, context)

        timings = []
        for _ in range(runs):
            counts.append(0)
            with connection.execute_wrapper(count):
                started = time.perf_counter()
                search(call)
                timings.append((time.perf_counter() - started) * 1000)
        return timings, max(counts)

    def _world(self, how_many, session_count, kind):
        now = timezone.now()
        people = User.objects.bulk_create(
            [
                User(
                    username=f"bench-interp-{n}",
                    role=Role.INTERPRETER,
                    time_zone=ZONES[n % len(ZONES)],
                    languages=", ".join(LANGUAGES[(n + k) % 10] for k in (0, 3, 7)),
                    first_name="Bench",
                    last_name=str(n),
                )
                for n in range(how_many)
            ]
        )
        WorkingTime.objects.bulk_create(
            [
                WorkingTime(
                    interpreter=person,
                    hours=[{"days": WEEKDAYS, "from": "08:00", "to": "20:00"}],
                    off=[
                        {
                            "from": f"{(now + timedelta(days=n % 14)).date()}T00:00",
                            "to": f"{(now + timedelta(days=n % 14 + 1)).date()}T00:00",
                        }
                    ],
                )
                for n, person in enumerate(people)
            ]
        )
        client = User.objects.create(
            username="bench-slots-client",
            role=Role.CLIENT,
            time_zone="America/New_York",
            languages="en",
        )
        agency = Agency.objects.create(name="Slots bench", city="Kyiv", email="b@example.org")
        member = Member.objects.create(
            agency=agency, reference="BENCH-1", full_name="Bench Member", languages="ru"
        )
        # Sessions: 25 per interpreter, 13 hours apart (never within the buffer).
        calls = Call.objects.bulk_create(
            [
                Call(
                    client=client,
                    member=member,
                    kind=CallKind.PHONE_INTERPRETED,
                    planned_minutes=30,
                    created_by=client,
                    state=CallState.SCHEDULED,
                )
                for _ in range(session_count)
            ]
        )
        base = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        rows = []
        for index, booked in enumerate(calls):
            person = people[index % how_many]
            start = base + timedelta(hours=13 * (index // how_many))
            end = start + timedelta(minutes=30)
            held = held_range(starts_at=start, ends_at=end)
            rows.append(
                Session(
                    call=booked,
                    interpreter=person,
                    starts_at=start,
                    planned_end=end,
                    blocked_from=held[0],
                    blocked_until=held[1],
                )
            )
        Session.objects.bulk_create(rows, batch_size=1000)
        call = Call.objects.create(
            client=client,
            member=member,
            kind=kind,
            planned_minutes=30,
            created_by=client,
            state=CallState.CONFIRMED,
            # A pair that a fifth of the interpreters speak (each speaks three).
            languages="en, de",
            client_time_zone="America/New_York",
            client_windows=[{"days": WEEKDAYS, "from": "09:00", "to": "13:00"}],
        )
        AgentConfirmation.objects.create(
            call=call,
            agent_is_responsible=True,
            member_time_zone="Europe/Kyiv",
            member_windows=[{"days": WEEKDAYS, "from": "15:00", "to": "21:00"}],
        )
        return Call.objects.select_related("client", "member").get(pk=call.pk)

    @staticmethod
    def _thin(keep):
        gone = User.objects.filter(username__startswith="bench-interp-").order_by("id")[keep:]
        ids = list(gone.values_list("id", flat=True))
        Session.objects.filter(interpreter_id__in=ids).delete()
        WorkingTime.objects.filter(interpreter_id__in=ids).delete()
