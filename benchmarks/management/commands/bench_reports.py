"""Time each report: `manage.py bench_reports [--calls N] [--period quarter] [--rounds 3]`.

Without --calls it measures the reports over whatever the database holds (the
scale data set of one million calls, a copy of production, the demo): any
database works; migrations of this code it lacks are applied inside the
measurement's transaction and rolled back with it. With --calls N it first
writes N calls of generated history (PostgreSQL only, written set-based:
requests, answers, sessions, audit rows, charges and ledger entries, about 13
rows a call), measures, and rolls it all back unless --keep is given.

Each report is asked for as an operator asks for it: a GET of its page
(figures, chart, table) through Django's test client, so the time is the whole
answer, and the tools import no door (tests/test_import_direction.py). The
period is the quarter (or month, week) that holds the latest request; --on
YYYY-MM-DD picks another. For each report it prints the first (cold) answer,
the best of the rounds, the number of queries (sign-in and session
included) and the time they took in the database (of the first answer), and
the full-table CSV and XLSX downloads (best of the rounds). Reports are meant
to answer in under 1 s at a million calls. --explain prints the plan
(EXPLAIN (ANALYZE, BUFFERS)) of every statement of a report that took longer
than --explain-ms (default 50 ms): read-only statements, run again to explain.
"""

from __future__ import annotations

import time
import zoneinfo
from datetime import date

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from benchmarks.measuring import Rollback
from calls.models import Call

from ._report_data import generate


class Command(BaseCommand):
    help = "Time each report over the database's data, or over N generated calls (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=0, help="generate N calls first")
        parser.add_argument("--keep", action="store_true", help="keep the generated calls")
        parser.add_argument("--period", choices=["week", "month", "quarter"], default="quarter")
        parser.add_argument("--on", type=date.fromisoformat, help="a day of the period")
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--only", action="append", choices=REPORT_SLUGS, help="these reports")
        parser.add_argument("--no-exports", action="store_true", help="pages only")
        parser.add_argument("--explain", action="store_true", help="plans of slow statements")
        parser.add_argument("--explain-ms", type=float, default=50.0)

    def handle(self, *args, calls, keep, period, on, rounds, **options):
        self.slugs = options["only"] or REPORT_SLUGS
        self.exports = not options["no_exports"]
        self.explain = options["explain"]
        self.explain_ms = options["explain_ms"]
        if calls and connection.vendor != "postgresql":
            raise CommandError("--calls writes with PostgreSQL's generate_series: use PostgreSQL.")
        pending = _pending_migrations()
        try:
            with transaction.atomic():
                if pending:
                    # A database made by another branch (the scale data set): apply
                    # what this code needs inside the transaction, and undo it after.
                    self.stdout.write(
                        f"{len(pending)} migration(s) of this code are not applied here "
                        f"({', '.join(pending)}): applied for the measurement, rolled back"
                    )
                    call_command("migrate", verbosity=0)
                if calls:
                    started = time.perf_counter()
                    self.stdout.write(f"generating {calls:,} calls (people first)")
                    generate(calls, progress=self.stdout.write)
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE")
                    self.stdout.write(
                        f"generated {calls:,} calls in {time.perf_counter() - started:.1f} s"
                    )
                self._measure(period, on, rounds)
                if pending or (calls and not keep):
                    raise Rollback
        except Rollback:
            self.stdout.write("rolled back: the database is as it was")

    def _measure(self, kind, on, rounds):
        total = Call.objects.count()
        # An operator of the database reads (nothing written); a new one only if none.
        reader = User.objects.filter(role=Role.OPERATOR, is_active=True).order_by("pk").first()
        reader = reader or User.objects.create(username="bench-reports-reader", role=Role.OPERATOR)
        zone = reader.time_zone  # the pages read the period in their reader's zone
        latest = Call.objects.aggregate(at=Max("created_at"))["at"] or timezone.now()
        day = on or timezone.localtime(latest, timezone=zoneinfo.ZoneInfo(zone)).date()
        browser = Client()
        browser.force_login(reader)
        self.stdout.write(
            f"{total:,} calls in the database; the {kind} of {day.isoformat()} ({zone})"
        )
        self.stdout.write(
            f"{'report':<14} {'first':>8} {'best':>8} {'queries':>8} {'sql':>8} "
            f"{'csv':>8} {'xlsx':>8}"
        )
        # Test client's host; the pages are answered in-process, nothing listens.
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            for slug in self.slugs:
                url = reverse("admin:reports_report", args=[slug])
                query = {"period": kind, "on": day.isoformat()}
                statements = []
                with connection.execute_wrapper(_timing(statements)):
                    times = [self._get(browser, url, query)]
                for _round in range(max(rounds - 1, 0)):
                    times.append(self._get(browser, url, query))
                exports = ""
                if self.exports:
                    for wanted in ("csv", "xlsx"):
                        took = min(
                            self._get(browser, url, {**query, "format": wanted})
                            for _round in range(max(rounds, 1))
                        )
                        exports += f" {took * 1000:>6.0f}ms"
                sql = sum(ms for _sql, _params, ms in statements)
                flag = "" if min(times) < 1 else "  over 1 s"
                self.stdout.write(
                    f"{slug:<14} {times[0] * 1000:>6.0f}ms {min(times) * 1000:>6.0f}ms "
                    f"{len(statements):>8} {sql:>6.0f}ms{exports}{flag}"
                )
                if self.explain:
                    self._explain(statements)

    def _explain(self, statements):
        for sql, params, ms in statements:
            if ms < self.explain_ms or not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = "\n    ".join(row[0] for row in cursor.fetchall())
            self.stdout.write(f"  {ms:.0f} ms: {sql[:300]}\n    {plan}")

    def _get(self, browser, url, query) -> float:
        started = time.perf_counter()
        answer = browser.get(url, query)
        if answer.streaming:  # the exports: the time is until the last byte
            for _chunk in answer.streaming_content:
                pass
        took = time.perf_counter() - started
        if answer.status_code != 200:
            raise CommandError(f"{url} answered {answer.status_code}")
        return took


def _pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _timing(found: list):
    """An execute wrapper that notes each statement, its parameters and its time in
    milliseconds (DEBUG need not be on)."""

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            found.append((sql, params, (time.perf_counter() - started) * 1000))

    return wrapper


# The Reports section's pages (reports.catalogue.REPORTS), named here: a tool
# imports no door.
REPORT_SLUGS = ("outcomes", "money", "interpreters", "agencies", "time-to-call")
