"""The pages and sweeps over the million calls of `bench_scale_data`: `manage.py bench_scale`.

Every page goes through the whole stack as a browser's request does
(`django.test.Client`: URL resolving, every middleware, sessions, the
template), with DEBUG off, signed in as the person it is for. Each target is
asked --requests times (≥ 50) after a warm-up; the table gives the median and
the 95th percentile of the server's time, the queries of one request, the
limit, and PASS or FAIL. Searches are also checked with EXPLAIN: no
sequential scan of a big table. The sweeps run inside a transaction that is
rolled back, so the database is left as it was and nothing is sent.

    DATABASE_URL=postgres://.../scale1m python manage.py bench_scale [--requests 50] [--only admin]
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import admin
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from agents.models import Agency
from benchmarks.measuring import QueryCounter, Rollback
from calls.models import Call, CallState
from common.call_numbers import call_number
from notifications import sweeps

# Tables of a size where a sequential scan is a page that gets slower every day.
BIG_TABLES = (
    "calls_call",
    "calls_session",
    "accounts_user",
    "agents_member",
    "calls_calltransition",
    "billing_callcharge",
    "billing_entry",
    "notifications_notification",
)


@dataclass
class Result:
    name: str
    times: list[float]  # seconds
    queries: int
    limit_ms: float | None
    note: str = ""
    passed: bool | None = None
    cpu: list[float] | None = None  # this process's CPU seconds per request

    @property
    def cpu50(self) -> float | None:
        return statistics.median(self.cpu) * 1000 if self.cpu else None

    @property
    def p50(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000

    def verdict(self) -> bool:
        if self.passed is not None:
            return self.passed
        return self.limit_ms is None or self.p95 < self.limit_ms


class Command(BaseCommand):
    help = "Measure pages and sweeps over the scale data set; prints a table with PASS/FAIL."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=50)
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            help="admin, search, office, client, statement, slots, sweeps (repeatable)",
        )

    def handle(self, *args, requests: int, only: list[str], **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_scale measures the PostgreSQL set-up: set DATABASE_URL.")
        if requests < 1:
            raise CommandError("--requests must be at least 1.")
        if not User.objects.filter(username="scale-operator").exists():
            raise CommandError(
                "No scale data here: run `manage.py bench_scale_data --calls 1000000` first."
            )
        self.requests = requests
        self.results: list[Result] = []
        self.failures: list[str] = []
        calls = _estimated_rows("calls_call")
        self.stdout.write(
            f"database {connection.settings_dict['NAME']}: about {calls:,} calls; "
            f"{requests} requests per target, times in ms (server side, whole stack)"
        )
        parts = {
            "admin": self.admin_lists,
            "search": self.admin_search,
            "office": self.office_pages,
            "statement": self.statement,
            "slots": self.slots,
            "sweeps": self.sweeps,
            "client": self.client_pages,
        }
        unknown = set(only) - parts.keys()
        if unknown:
            raise CommandError(f"Unknown part(s): {', '.join(sorted(unknown))}.")
        hosts = ["testserver", "localhost", "127.0.0.1"]
        with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts):
            for name, part in parts.items():
                if not only or name in only:
                    part()
        self.print_table()

    # --- measuring -------------------------------------------------------------

    def client_for(self, username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    def measure(
        self,
        name: str,
        client: Client,
        url: str,
        *,
        limit_ms: float | None,
        requests: int | None = None,
        consume: bool = False,
        expect: int = 200,
    ) -> Result:
        requests = requests or self.requests
        for _warm in range(3):
            self._get(client, url, consume)
        times, cpu = [], []
        for n in range(requests):
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started, cpu_started = time.perf_counter(), time.process_time()
                status = self._get(client, url, consume)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            if n == 0:
                queries = counter.queries
            if status != expect:
                raise CommandError(f"{name}: {url} answered {status}")
        result = Result(name, times, queries, limit_ms, cpu=cpu)
        self.results.append(result)
        self.stderr.write(
            f"  {name}: p50 {result.p50:.0f} ms, p95 {result.p95:.0f} ms, "
            f"cpu50 {result.cpu50:.0f} ms, {result.queries} queries"
        )
        return result

    @staticmethod
    def _get(client: Client, url: str, consume: bool) -> int:
        response = client.get(url)
        if consume and response.streaming:
            for _chunk in response.streaming_content:
                pass
        return response.status_code

    def explain(self, name: str, queryset) -> None:
        """EXPLAIN the page's query: a sequential scan of a big table fails the target."""
        plan = queryset.explain()
        scans = [
            table
            for table in BIG_TABLES
            if f"Seq Scan on {table} " in plan or plan.endswith(f"Seq Scan on {table}")
        ]
        result = next(r for r in self.results if r.name == name)
        if scans:
            result.passed = False
            result.note = "EXPLAIN: Seq Scan on " + ", ".join(scans)
        else:
            result.note = (result.note + " EXPLAIN: no seq scan").strip()

    # --- the targets -------------------------------------------------------------

    def admin_lists(self):
        operator = self.client_for("scale-operator")
        base = "/admin/calls/call/"
        agency = Agency.objects.get(name="Scale Agency 0007")
        interpreter = User.objects.get(username="scale-interpreter-7")
        # As the admin's own date filter writes them: aware local midnights.
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        week_ago = today - timedelta(days=7)
        # Page 2,000 (or the last but one on a smaller data set).
        page = max(2, min(2000, _estimated_rows("calls_call") // 50 - 1))
        for name, query in [
            ("admin calls: first page", ""),
            (f"admin calls: page {page:,}", f"?p={page}"),
            ("admin calls: filter state", "?state__exact=completed"),
            ("admin calls: filter kind", "?kind__exact=video"),
            (
                "admin calls: filter booked (7 days)",
                "?"
                + urlencode(
                    {"created_at__gte": week_ago, "created_at__lt": today + timedelta(days=1)}
                ),
            ),
            (
                "admin calls: filter session (7 days)",
                "?"
                + urlencode(
                    {
                        "sessions__starts_at__gte": week_ago,
                        "sessions__starts_at__lt": today + timedelta(days=1),
                    }
                ),
            ),
            ("admin calls: filter agency", "?" + urlencode({"agency": agency.name})),
            (
                "admin calls: filter interpreter",
                f"?interpreter={interpreter.username}",
            ),
        ]:
            self.measure(name, operator, base + query, limit_ms=150)

    def admin_search(self):
        operator = self.client_for("scale-operator")
        client = User.objects.filter(username__startswith="scale-client-").order_by("pk")[500]
        some_call = Call.objects.order_by("pk")[:1].get().pk + 500_000
        member = Call.objects.filter(pk=some_call).values_list("member__reference", flat=True)
        member_code = member.get() if member else "M0001-00101"
        for name, term in [
            ("admin search: call number", call_number(some_call)),
            ("admin search: client name fragment", client.last_name[1:6].lower()),
            ("admin search: client email fragment", client.email.split("@")[0][-9:]),
            ("admin search: member code", member_code),
        ]:
            # A search that finds one call opens it (a redirect): the number's does.
            self.measure(
                name,
                operator,
                "/admin/calls/call/?" + urlencode({"q": term}),
                limit_ms=100,
                expect=302 if name == "admin search: call number" else 200,
            )
            self.explain(name, self._changelist_query(term))

    def _changelist_query(self, term: str):
        """The page of the changelist the admin runs for this search (public API:
        ModelAdmin.get_changelist_instance, then QuerySet.explain)."""
        request = RequestFactory().get("/admin/calls/call/", {"q": term})
        request.user = User.objects.get(username="scale-operator")
        model_admin = admin.site.get_model_admin(Call)
        changelist = model_admin.get_changelist_instance(request)
        return changelist.queryset[: model_admin.list_per_page]

    def office_pages(self):
        operator = self.client_for("scale-operator")
        self.measure("office front page", operator, "/admin/", limit_ms=200)
        self.measure(
            "week board, one language, first page",
            operator,
            "/admin/calls/call/week/?language=de",
            limit_ms=200,
        )
        duty = self.client_for("scale-duty")
        self.measure("duty desk", duty, "/duty/", limit_ms=200)
        call = Call.objects.filter(state=CallState.COMPLETED).order_by("-pk").first()
        self.measure(
            "admin call page with its side panel",
            operator,
            f"/admin/calls/call/{call.pk}/change/",
            limit_ms=200,
        )

    def client_pages(self):
        """2,000 calls against 20 and 300: the same queries, within 10 % of the time."""
        for label, url in (("client dashboard", "/client/"), ("call list API", "/api/v1/calls/")):
            results = {
                size: self.measure(
                    f"{label}, {size} calls",
                    self.client_for(f"scale-client-{who}"),
                    url,
                    limit_ms=None,
                )
                for size, who in ((20, "small"), (300, "mid"), (2000, "big"))
            }
            big, mid, small = results[2000], results[300], results[20]
            big.passed = big.queries <= small.queries and big.p50 <= mid.p50 * 1.10
            big.note = (
                f"queries {big.queries} vs {small.queries} at 20; "
                f"median {big.p50 / mid.p50:.2f}x that at 300 (limit 1.10)"
            )

    def statement(self):
        agent = self.client_for("scale-agent-big")
        month = (timezone.now().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        result = self.measure(
            "agent statement CSV, a month",
            agent,
            f"/agent/statement.csv?month={month}",
            limit_ms=3000,
            requests=5,
            consume=True,
        )
        response = agent.get(f"/agent/statement.csv?month={month}")
        streamed = response.streaming
        rows = sum(
            chunk.count(b"\n")
            for chunk in (response.streaming_content if streamed else [response.content])
        )
        result.note = f"{rows:,} lines, {'streamed' if streamed else 'NOT streamed'}"
        if not streamed:
            result.passed = False

    def slots(self):
        operator = self.client_for("scale-operator")
        call = Call.objects.filter(state=CallState.CONFIRMED).order_by("-pk").first()
        url = f"/api/v1/office/calls/{call.public_id}/slots/"
        result = self.measure("slot search (2,000 interpreters)", operator, url, limit_ms=100)
        result.note = "future sessions: {:,}".format(
            _count("SELECT count(*) FROM calls_session WHERE starts_at > now()")
        )

    def sweeps(self):
        """Cold: the first sweep over the data as it is; steady: a minute later."""
        now = timezone.now()
        try:
            with transaction.atomic():
                for label, at, limit in (
                    ("cold", now, 5000),
                    ("steady", now + timedelta(minutes=1), 200),
                ):
                    counter = QueryCounter()
                    with connection.execute_wrapper(counter):
                        started = time.perf_counter()
                        done = sweeps.sweep_due(now=at)
                        elapsed = time.perf_counter() - started
                    result = Result(f"sweeps, {label}", [elapsed], counter.queries, limit)
                    result.note = ", ".join(f"{k} {v}" for k, v in done.items())
                    self.results.append(result)
                    self.stderr.write(
                        f"  {result.name}: {elapsed:.2f} s, {counter.queries} queries"
                    )
                raise Rollback
        except Rollback:
            pass

    # --- output --------------------------------------------------------------------

    def print_table(self):
        width = max(len(r.name) for r in self.results) + 2
        self.stdout.write(
            f"{'target':<{width}}{'p50':>8}{'p95':>8}{'cpu50':>7}{'queries':>9}{'limit':>8}"
            "  verdict  note"
        )
        failed = 0
        for r in self.results:
            verdict = "PASS" if r.verdict() else "FAIL"
            failed += verdict == "FAIL"
            limit = f"{r.limit_ms:.0f}" if r.limit_ms else "-"
            cpu = f"{r.cpu50:.0f}" if r.cpu50 is not None else "-"
            self.stdout.write(
                f"{r.name:<{width}}{r.p50:>8.1f}{r.p95:>8.1f}{cpu:>7}{r.queries:>9}{limit:>8}  "
                f"{verdict:<7}  {r.note}"
            )
        self.stdout.write(f"{len(self.results) - failed} PASS, {failed} FAIL")
        load = os.getloadavg()
        self.stdout.write(
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores; "
            "p50/p95: wall time of the request (the server's whole stack, the database "
            "included); cpu50: median CPU time of this Python process (the database's not "
            "counted), which does not grow when other processes take the cores"
        )


def _count(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _estimated_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
        return row[0] if row else 0
