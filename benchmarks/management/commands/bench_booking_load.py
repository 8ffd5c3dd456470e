"""Booking under load, over real HTTP: `manage.py bench_booking_load`.

    DATABASE_URL=postgres://.../scale1m python manage.py bench_booking_load \
        [--seconds 60] [--clients 8] [--operators 8] [--agents 2] [--workers 4] [--port 8130]

Starts gunicorn as production runs it (`config.wsgi`, `-w 4 -k sync`, DEBUG
off, CONN_MAX_AGE=60; the API's per-user rate limit lifted, as `bin/bench`
does, so the limiter is not what is measured) on the database this command
uses, and drives it from threads through the public API with API tokens:

- clients book (`POST /api/v1/calls/`, each with its own Idempotency-Key);
- agents confirm what was booked (`POST /api/v1/agent/requests/<id>/confirm/`),
  SPEC step 3, which the operators need before they can schedule;
- operators schedule the confirmed calls (`POST /api/v1/office/calls/<id>/schedule/`)
  with one of the load interpreters at a random quarter hour of the fortnight
  from two weeks ahead, and, with nothing new to schedule, move a call they
  scheduled (the same door).

409 is an expected answer (the interpreter was taken for that time, the
request was answered already): an operator then tries another time. Any other
answer that is not 2xx is an error, printed with the first line of its body.
The people are `load-client-N`, `load-agent-N`, `load-operator-N` and
`load-interpreter-N` of `Load Agency`, created on the first run and reused
(clients are topped up to LOAD_CREDIT when they run low). What they book stays
in the database (the benchmark writes, as the office does).

Then: a table of requests, throughput and latency per kind; the CPU that
gunicorn's workers and their PostgreSQL backends (application_name
bench_booking_load) used, from /proc; `ledger_check`;
and deadlocks, from `pg_stat_database.deadlocks` of this database before and
after (the reliable count) and from the server's log when it can be read here.
Exits non-zero on errors, ledger problems, deadlocks or no booking at all.
"""

from __future__ import annotations

import io
import logging
import os
import queue
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import Role, User
from accounts.services import api_token_issue
from agents.models import Agency, Member
from billing import services as billing_services
from billing.models import Account, AccountKind
from calls.models import CallKind

PREFIX = "load"
AGENCY = "Load Agency"
MEMBERS = 16
LOAD_CREDIT = Decimal("100000.00")  # each client's credit after a top-up
PLANNED_MINUTES = 30
KINDS = (CallKind.PHONE_INTERPRETED, CallKind.PHONE_INTERPRETED, CallKind.VIDEO)
# Ofcom's drama ranges: numbers that are never anyone's.
CLIENT_PHONE = "+44207946{:04d}"
INTERPRETER_PHONE = "+44113496{:04d}"
KIND_NAMES = ("book", "confirm", "schedule", "reschedule")
APPLICATION = "bench_booking_load"  # the server's connections, in pg_stat_activity
# The clients can talk any day at any hour (an order must say when).
CLIENT_WINDOWS = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "00:00", "to": "24:00"}
]
SLOT_DAYS = (14, 14)  # from two weeks ahead, a fortnight of days
SERVER_ERROR = r"\b(ERROR|CRITICAL)\b|Traceback|WORKER TIMEOUT"


def confirm_payload(member_index: int, *, video: bool) -> dict:
    """The agent's answer: the member's own number, the agent's, the responsible's."""
    member = f"+44161496{member_index:04d}"
    payload = {
        "numbers": [
            {"role": "member", "number": member},
            {"role": "agent_mobile", "number": "+441914980001"},
            {"role": "responsible", "number": "+441914980002"},
        ],
        "responsible_name": "Load Responsible",
        "agent_is_responsible": False,
        "availability": "any time",
    }
    if video:
        payload["video_handle"] = f"load-member-{member_index}"
    else:
        payload["dial"] = member
    return payload


@dataclass
class Tally:
    """Every answer: (kind, status, seconds), and the errors' first lines."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: list[tuple[str, int, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, status: int, seconds: float, body: str = "") -> None:
        with self.lock:
            self.answers.append((kind, status, seconds))
            if not (200 <= status < 300 or status == 409):
                first = (body.strip().splitlines() or [""])[0][:300]
                self.errors.append(f"{kind} {status}: {first}")

    def snapshot(self) -> list[tuple[str, int, float]]:
        with self.lock:
            return list(self.answers)


@dataclass
class Summary:
    seconds: float
    requests: int
    bookings: int
    confirmations: int
    schedules: int
    conflicts: int
    errors: list[str]
    ledger_ok: bool
    deadlocks: int
    deadlock_lines: int | None


class Command(BaseCommand):
    help = "Clients book, agents confirm, operators schedule over HTTP against gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument("--clients", type=int, default=8)
        parser.add_argument("--operators", type=int, default=8)
        parser.add_argument("--agents", type=int, default=2)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--port", type=int, default=8130)
        parser.add_argument("--every", type=float, default=5, help="seconds between progress")

    def handle(self, *args, seconds, clients, operators, agents, workers, port, every, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("bench_booking_load measures PostgreSQL: set DATABASE_URL.")
        if min(clients, operators, agents, workers) < 1 or seconds <= 0:
            raise CommandError("--seconds and every count must be at least 1.")
        if _port_taken(port):
            raise CommandError(f"Port {port} is taken: choose another with --port.")
        self.summary: Summary | None = None
        logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
        cast = _cast(clients=clients, operators=operators, agents=agents)
        self.stdout.write(
            f"database {connection.settings_dict['NAME']}: {clients} clients, {agents} agents, "
            f"{operators} operators, {len(cast['interpreters'])} interpreters; "
            f"gunicorn -w {workers} -k sync on :{port}, {seconds:g} s; "
            f"load average {_load()}"
        )
        log_file, log_offset = _server_log()
        deadlocks_before = _deadlocks()
        server, server_log = _start_gunicorn(workers=workers, port=port)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, cast["clients"][0][1], server, server_log)
            self.server, self.blockers = server, set()
            self.cpu_before = {"web": _workers_cpu(server.pid), "db": _backends_cpu()}
            self.cpu = {key: dict(value) for key, value in self.cpu_before.items()}
            tally, elapsed = self.drive(base, cast, seconds=seconds, every=every)
            self.sample_cpu()
        finally:
            _stop(server)
        server_errors = _server_lines(server_log)
        Path(server_log).unlink(missing_ok=True)
        self.print_table(tally, elapsed)
        self.print_cpu(tally)
        for line in server_errors:
            self.stdout.write(f"  gunicorn: {line}")

        ledger_ok = self.ledger()
        time.sleep(1)  # the backends' statistics are flushed as they exit
        deadlocks = _deadlocks() - deadlocks_before
        self.stdout.write(
            f"deadlocks (pg_stat_database.deadlocks of {connection.settings_dict['NAME']}): "
            f"{deadlocks}"
        )
        deadlock_lines = None
        if log_file is None:
            self.stdout.write(f"PostgreSQL log: {log_offset}")
        else:
            ours, others = _deadlock_lines(log_file, log_offset, connection.settings_dict["NAME"])
            deadlock_lines = len(ours)
            self.stdout.write(
                f"PostgreSQL log {log_file}: {len(ours)} 'deadlock detected' in this "
                f"database since the start ({len(others)} in other databases)"
            )
            for line in ours[:5]:
                self.stdout.write(f"  {line}")

        answers = tally.snapshot()
        statuses = Counter((kind, status) for kind, status, _s in answers)
        self.summary = Summary(
            seconds=elapsed,
            requests=len(answers),
            bookings=statuses[("book", 201)],
            confirmations=statuses[("confirm", 200)],
            schedules=statuses[("schedule", 200)] + statuses[("reschedule", 200)],
            conflicts=sum(n for (_k, status), n in statuses.items() if status == 409),
            errors=list(tally.errors),
            ledger_ok=ledger_ok,
            deadlocks=deadlocks,
            deadlock_lines=deadlock_lines,
        )
        failures = []
        if tally.errors:
            failures.append(f"{len(tally.errors)} error(s)")
        if self.summary.bookings == 0:
            failures.append("no booking went through")
        if not ledger_ok:
            failures.append("ledger problems")
        if deadlocks or deadlock_lines:
            failures.append("deadlocks")
        if failures:
            raise CommandError("FAIL: " + ", ".join(failures), returncode=1)
        self.stdout.write(f"PASS (load average {_load()})")

    # --- the load ---------------------------------------------------------------

    def drive(self, base: str, cast: dict, *, seconds: float, every: float):
        tally = Tally()
        booked: queue.Queue = queue.Queue()  # (public id, member index, video)
        confirmed: queue.Queue = queue.Queue()  # public ids
        scheduled: list[str] = []
        scheduled_lock = threading.Lock()
        started = time.monotonic()
        deadline = started + seconds
        interpreters = cast["interpreters"]

        def post(http, kind, url, payload):
            began = time.perf_counter()
            try:
                key = {"Idempotency-Key": str(uuid.uuid4())}
                response = http.post(url, json=payload, headers=key)
            except httpx.HTTPError as exc:
                tally.add(kind, 0, time.perf_counter() - began, f"{type(exc).__name__}: {exc}")
                return None
            tally.add(kind, response.status_code, time.perf_counter() - began, response.text)
            return response

        def session(token):
            return httpx.Client(
                base_url=base, headers={"Authorization": f"Token {token}"}, timeout=60
            )

        def client_loop(index, token):
            rng = random.Random(f"client-{index}")  # noqa: S311 - a load, not a secret
            with session(token) as http:
                while time.monotonic() < deadline:
                    member = rng.randrange(MEMBERS)
                    kind = rng.choice(KINDS)
                    payload = {
                        "member": _reference(member),
                        "agency": AGENCY,
                        "kind": kind,
                        "planned_minutes": PLANNED_MINUTES,
                        "windows": CLIENT_WINDOWS,
                    }
                    answer = post(http, "book", "/api/v1/calls/", payload)
                    if answer is not None and answer.status_code == 201:
                        booked.put((answer.json()["id"], member, kind == CallKind.VIDEO))

        def agent_loop(index, token):
            with session(token) as http:
                while time.monotonic() < deadline:
                    try:
                        public_id, member, video = booked.get(timeout=0.1)
                    except queue.Empty:
                        continue
                    url = f"/api/v1/agent/requests/{public_id}/confirm/"
                    answer = post(http, "confirm", url, confirm_payload(member, video=video))
                    if answer is not None and answer.status_code == 200:
                        confirmed.put(public_id)

        def operator_loop(index, token):
            rng = random.Random(f"operator-{index}")  # noqa: S311
            with session(token) as http:
                while time.monotonic() < deadline:
                    try:
                        public_id, kind = confirmed.get_nowait(), "schedule"
                    except queue.Empty:
                        with scheduled_lock:
                            public_id = rng.choice(scheduled) if scheduled else None
                        if public_id is None:
                            time.sleep(0.05)
                            continue
                        kind = "reschedule"
                    payload = {
                        "starts_at": _slot(rng).isoformat(),
                        "interpreter": rng.choice(interpreters),
                    }
                    url = f"/api/v1/office/calls/{public_id}/schedule/"
                    answer = post(http, kind, url, payload)
                    if answer is None or kind == "reschedule":
                        continue
                    if answer.status_code == 200:
                        with scheduled_lock:
                            scheduled.append(public_id)
                    elif answer.status_code == 409:
                        confirmed.put(public_id)  # another time, next

        threads = [
            threading.Thread(target=loop, args=(i, token), daemon=True)
            for loop, people in (
                (client_loop, cast["clients"]),
                (agent_loop, cast["agents"]),
                (operator_loop, cast["operators"]),
            )
            for i, (_user, token) in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        last_count, last_at = 0, started
        while True:
            alive = [thread for thread in threads if thread.is_alive()]
            if alive:
                alive[0].join(timeout=max(0.05, last_at + every - time.monotonic()))
            now = time.monotonic()
            if alive and now < last_at + every:
                continue
            answers = tally.snapshot()
            done = Counter((k, s) for k, s, _t in answers)
            self.stderr.write(
                f"  {now - started:5.1f} s: {len(answers)} requests "
                f"({(len(answers) - last_count) / max(now - last_at, 1e-9):.1f}/s now), "
                f"booked {done[('book', 201)]}, confirmed {done[('confirm', 200)]}, "
                f"scheduled {done[('schedule', 200)]}, moved {done[('reschedule', 200)]}, "
                f"409 {sum(n for (_k, s), n in done.items() if s == 409)}, "
                f"errors {len(tally.errors)}, load {_load()}"
            )
            last_count, last_at = len(answers), now
            self.sample_cpu()
            self.report_outside_blockers()
            if not alive:
                break
        return tally, time.monotonic() - started

    # --- the report ---------------------------------------------------------------

    def print_table(self, tally: Tally, elapsed: float) -> None:
        answers = tally.snapshot()
        ok = Counter(kind for kind, status, _s in answers if 200 <= status < 300)
        self.stdout.write(
            f"\n{len(answers)} requests in {elapsed:.1f} s: {len(answers) / elapsed:.1f} req/s; "
            f"bookings {ok['book'] / elapsed:.2f}/s, "
            f"confirmations {ok['confirm'] / elapsed:.2f}/s, "
            f"schedules {(ok['schedule'] + ok['reschedule']) / elapsed:.2f}/s "
            f"(new {ok['schedule'] / elapsed:.2f}/s, moves {ok['reschedule'] / elapsed:.2f}/s)"
        )
        self.stdout.write(
            f"{'kind':<11} {'requests':>8} {'2xx':>6} {'409':>5} {'other':>5} "
            f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  statuses"
        )
        for kind in KIND_NAMES:
            mine = [(status, secs) for k, status, secs in answers if k == kind]
            if not mine:
                continue
            times = sorted(secs for _status, secs in mine)
            statuses = Counter(status for status, _secs in mine)
            good = sum(n for s, n in statuses.items() if 200 <= s < 300)
            self.stdout.write(
                f"{kind:<11} {len(mine):>8} {good:>6} {statuses[409]:>5} "
                f"{len(mine) - good - statuses[409]:>5} "
                f"{statistics.median(times) * 1000:>7.0f} {_p95(times) * 1000:>7.0f} "
                f"{times[-1] * 1000:>7.0f}  "
                + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
            )
        if tally.errors:
            self.stdout.write(f"errors ({len(tally.errors)}), the first of each kind:")
            for line, count in Counter(tally.errors).most_common(10):
                self.stdout.write(f"  {count} x {line}")
        else:
            self.stdout.write("errors: 0 (409s are expected: a taken time, a moved state)")

    def report_outside_blockers(self) -> None:
        """Name once each backend outside the benchmark that the server's
        connections wait for (on a shared database: another program's long
        transaction, a migration's lock), so a stall is not taken for ours."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT b.pid, b.application_name, b.state, now() - b.xact_start,"
                "   left(regexp_replace(b.query, '\\s+', ' ', 'g'), 160)"
                " FROM pg_stat_activity a"
                " CROSS JOIN LATERAL unnest(pg_blocking_pids(a.pid)) AS blocker(pid)"
                " JOIN pg_stat_activity b ON b.pid = blocker.pid"
                " WHERE a.application_name = %s AND b.application_name <> %s",
                [APPLICATION, APPLICATION],
            )
            for pid, application, state, age, query in cursor.fetchall():
                if pid not in self.blockers:
                    self.blockers.add(pid)
                    self.stderr.write(
                        f"  the load waits for backend {pid} ({application or 'no name'}, "
                        f"{state}, transaction open {age}): {query}"
                    )

    def sample_cpu(self) -> None:
        """The workers' and backends' CPU now; a process gone since (a backend
        closed after CONN_MAX_AGE) keeps its last sample."""
        self.cpu["web"].update(_workers_cpu(self.server.pid))
        self.cpu["db"].update(_backends_cpu())

    def print_cpu(self, tally: Tally) -> None:
        """CPU per request, from /proc: what the load costs where a core is free
        (the wall times above also count the wait for one on a shared machine)."""
        requests = max(len(tally.snapshot()), 1)
        parts = []
        for key, name in (("web", "gunicorn workers"), ("db", "PostgreSQL backends")):
            # Processes there at the start, or started during the load.
            used = sum(
                cpu - self.cpu_before[key].get(pid, 0.0) for pid, cpu in self.cpu[key].items()
            )
            if self.cpu[key]:
                parts.append(f"{name} {used:.1f} s ({used / requests * 1000:.0f} ms a request)")
            else:
                parts.append(f"{name}: not readable here")
        self.stdout.write("CPU during the load: " + "; ".join(parts))

    def ledger(self) -> bool:
        out, err = io.StringIO(), io.StringIO()
        began = time.monotonic()
        try:
            call_command("ledger_check", stdout=out, stderr=err)
            ok = True
        except CommandError as exc:
            ok = False
            err.write(f"{exc}\n")
        verdict = (out.getvalue() + err.getvalue()).strip().splitlines()
        self.stdout.write(f"ledger_check ({time.monotonic() - began:.1f} s): {verdict[-1]}")
        for line in verdict[:-1][:10]:
            self.stdout.write(f"  {line}")
        return ok


# --- the people -------------------------------------------------------------------


def _reference(member_index: int) -> str:
    return f"LOAD-{member_index + 1:02d}"


def _person(username: str, role: str, **fields) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "email": f"{username}@example.org", **fields},
    )
    if created:
        user.set_unusable_password()  # they sign in with API tokens only
        user.save(update_fields=["password"])
    return user


def _cast(*, clients: int, operators: int, agents: int) -> dict:
    """The benchmark's people, created on the first run, and a fresh token each."""
    with transaction.atomic():
        agency, _ = Agency.objects.get_or_create(
            name=AGENCY,
            defaults={"city": "Manchester", "country": "GB", "email": "load-agency@example.org"},
        )
        for i in range(MEMBERS):
            Member.objects.get_or_create(
                agency=agency,
                reference=_reference(i),
                defaults={"full_name": f"Load Member {i + 1}", "languages": "uk"},
            )
        people = {
            "clients": [
                _person(
                    f"{PREFIX}-client-{i + 1}",
                    Role.CLIENT,
                    phone=CLIENT_PHONE.format(i + 1),
                    languages="en",
                    time_zone="Europe/London",
                )
                for i in range(clients)
            ],
            "agents": [
                _person(f"{PREFIX}-agent-{i + 1}", Role.AGENT, agency=agency) for i in range(agents)
            ],
            "operators": [
                _person(f"{PREFIX}-operator-{i + 1}", Role.OPERATOR, is_staff=True)
                for i in range(operators)
            ],
        }
        interpreters = [
            _person(
                f"{PREFIX}-interpreter-{i + 1}",
                Role.INTERPRETER,
                phone=INTERPRETER_PHONE.format(i + 1),
                languages="en, uk",
            )
            for i in range(max(4, operators))
        ]
        operator = people["operators"][0]
        for client in people["clients"]:
            billing_services.client_accounts(client)
            credit = Account.objects.get(user=client, kind=AccountKind.CLIENT_CREDIT)
            if credit.balance < LOAD_CREDIT / 2:
                billing_services.client_top_up(
                    client=client,
                    amount=LOAD_CREDIT - credit.balance,
                    reason="load benchmark",
                    actor=operator,
                )
        cast = {
            role: [(user, api_token_issue(user=user).key) for user in users]
            for role, users in people.items()
        }
    cast["interpreters"] = [user.pk for user in interpreters]
    return cast


def _slot(rng: random.Random) -> datetime:
    """A quarter hour between 06:00 and 20:00 UTC in the fortnight from two weeks
    ahead: few enough that operators sometimes reach for the same interpreter's
    time at once (the race the exclusion constraint settles)."""
    day = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    return day + timedelta(
        days=SLOT_DAYS[0] + rng.randrange(SLOT_DAYS[1]), minutes=15 * rng.randrange(56)
    )


# --- gunicorn ---------------------------------------------------------------------


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _database_url() -> str:
    """This command's database as a URL, for the server (in tests: the test database)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    who = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    name = quote(db["NAME"], safe="")
    # Named, so that their backends are told apart from anyone else's.
    return f"postgres://{who}{host}{port}/{name}?application_name={APPLICATION}"


def _start_gunicorn(*, workers: int, port: int) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_DEBUG": "0",
        "DATABASE_CONN_MAX_AGE": "60",
        "PYTHONDONTWRITEBYTECODE": "1",
        # The API's per-user limit would answer most requests with 429 and
        # measure the limiter, not the booking (bin/bench lifts it the same way).
        "API_THROTTLE_USER": "100000000/minute",
    }
    handle, log = tempfile.mkstemp(prefix="bench-booking-gunicorn.", suffix=".log")
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(workers), "-k", "sync"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120"]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=settings.BASE_DIR, env=env, stdout=handle, stderr=handle
    )
    os.close(handle)
    return server, log


def _wait_until_up(base: str, token: str, server: subprocess.Popen, log: str) -> None:
    """Every worker ready: /api/v1/me/ answers with the client's token."""
    headers = {"Authorization": f"Token {token}"}
    for _try in range(600):
        if server.poll() is not None:
            raise CommandError(f"gunicorn stopped: {Path(log).read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/api/v1/me/", headers=headers, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise CommandError(f"gunicorn did not come up in 2 minutes: {log}")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _server_lines(log: str) -> list[str]:
    """gunicorn's log in short: its errors (a worker's crash or timeout, a 500's
    traceback), then each distinct warning once with how often it came."""
    try:
        lines = Path(log).read_text(errors="replace").splitlines()
    except OSError:
        return []
    errors = [line[:300] for line in lines if re.search(SERVER_ERROR, line)]
    warnings = Counter(
        re.sub(r"^[\d-]+ [\d:,]+ ", "", line)[:200] for line in lines if " WARNING " in line
    )
    return errors[:10] + [f"{n} x {line}" for line, n in warnings.most_common(5)]


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU of a process of this machine, or None (gone, or elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _workers_cpu(master: int) -> dict[int, float]:
    """CPU seconds of gunicorn's workers (the master's children)."""
    cpu = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == master and (seconds := _cpu_seconds(int(stat.parent.name))) is not None:
            cpu[int(stat.parent.name)] = seconds
    return cpu


def _backends_cpu() -> dict[int, float]:
    """CPU seconds of the backends serving gunicorn's connections (and their
    parallel workers); empty where the server is not this machine's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND (application_name = %s OR leader_pid IN ("
            "   SELECT pid FROM pg_stat_activity WHERE application_name = %s))",
            [APPLICATION, APPLICATION],
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    cpu = {pid: _cpu_seconds(pid) for pid in pids}
    return {pid: seconds for pid, seconds in cpu.items() if seconds is not None}


# --- PostgreSQL's own word on deadlocks -----------------------------------------------


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0] or 0


def _server_log() -> tuple[Path | None, int | str]:
    """The server's log file and its size now, or None and why it can't be read.

    With `logging_collector` on, `pg_current_logfile()` names it (relative to
    the data directory); with it off, stderr goes where the cluster's
    start-up sent it: on Debian /var/log/postgresql/postgresql-<major>-<cluster>.log."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('data_directory'), current_setting('logging_collector'),"
            " pg_current_logfile(), current_setting('server_version_num')::int / 10000"
        )
        data_directory, collector, current, major = cursor.fetchone()
    data = Path(data_directory)
    if collector == "on" and current:
        candidates = [data / current]
    else:
        candidates = [Path(f"/var/log/postgresql/postgresql-{major}-{data.name}.log")]
    host = connection.settings_dict.get("HOST") or ""
    if host not in ("", "localhost", "127.0.0.1", "::1") and not host.startswith("/"):
        return None, f"the server is on {host}: its log is not here"
    for path in candidates:
        try:
            with path.open("rb") as log:
                return path, log.seek(0, os.SEEK_END)
        except OSError as exc:
            reason = f"{path} not readable ({exc.strerror})"
    return None, reason + ": the count above is the check"


def _deadlock_lines(path: Path, offset: int, database: str) -> tuple[list[str], list[str]]:
    """'deadlock detected' lines written since `offset`: this database's, others'.

    The log line prefix names the database (`%d`, Debian's default
    `%m [%p] %q%u@%d `); without it every such line counts as ours."""
    with path.open("rb") as log:
        log.seek(offset)
        text = log.read().decode(errors="replace")
    found = [line for line in text.splitlines() if "deadlock detected" in line]
    if not any("@" in line for line in found):
        return found, []
    ours = [line for line in found if f"@{database} " in line]
    return ours, [line for line in found if line not in ours]


def _p95(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _load() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())
