"""A million calls to measure against: `manage.py bench_scale_data --calls 1000000 [--seed N]`.

Fills a PostgreSQL database in bulk, in one transaction (a run that fails
leaves the database as it was):
- people, agencies, members, working time, accounts, calls, confirmations,
  sessions and charges are generated in Python from the seed and streamed
  into the tables with COPY (tables and columns read from each model's
  `_meta`);
- what follows from them (contact numbers, the calls' and sessions' audit
  rows, every ledger entry, each client's top-up, the cached balances, the
  messages and operator tasks already recorded) is derived inside PostgreSQL
  with `INSERT ... SELECT`, so it is consistent by construction:
  `manage.py ledger_check` finds nothing.

The secondary indexes of the big tables are dropped for the load and built
again after it (one sort per index instead of a million page splits), and
the session skips the foreign-key triggers while copying
(`session_replication_role = replica`: the generator writes only keys it has
just made); the unique and exclusion constraints stay and check every row.
Then VACUUM (ANALYZE) of the whole database.

Proportions for 1,000,000 calls (others scale with --calls): 50,000
clients, 2,000 agencies (each with its agent) and 20,000 members, 2,000
interpreters with weekly hours and 2-3 of 10 languages, ~918,000 sessions
laid over three years ending two months ahead (~50,000 in the future), in
every state and outcome. Named people for the benchmarks (password
`scale-pass-2026`): `scale-operator`, `scale-duty`, `scale-client-big` (2,000
calls), `scale-client-mid` (300), `scale-client-small` (20), and the agency
`Scale Agency 0000` whose members had every call of last month (its agent
`scale-agent-big`). The same seed on the same day gives the same rows (times
are laid around the hour the command runs, or --now).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import queue
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from agents.models import Agency, Member
from benchmarks.progress import Progress
from billing.models import (
    Account,
    AccountKind,
    CallCharge,
    ChargeStatus,
    CommissionRule,
    Entry,
    Kind,
    OutcomePolicy,
    Tariff,
)
from billing.pricing import hold_amount, price_outcome
from calls.models import (
    STAGE_TIMES,
    AgentConfirmation,
    Call,
    CallState,
    CallTransition,
    ContactNumber,
    Session,
    SessionStatus,
    SessionTransition,
)
from notifications.models import Notification, OperatorTask
from scheduling.models import WorkingTime

PASSWORD = "scale-pass-2026"
SPAN = timedelta(days=1096)  # three years of calls ...
FUTURE_SHARE = 1 / 18  # ... of which the last ~61 days are still ahead
LANGUAGES = ("en", "ru", "uk", "de", "fr", "es", "it", "pl", "zh", "tr")
ZONES = ("Europe/Moscow", "Europe/Kyiv", "Europe/Berlin", "Europe/London", "America/New_York")
FIRST = [
    "Anna",
    "Boris",
    "Chen",
    "Daria",
    "Elena",
    "Fedor",
    "Galina",
    "Hanna",
    "Igor",
    "Julia",
    "Karl",
    "Lena",
    "Mikhail",
    "Nina",
    "Oleg",
    "Pavel",
    "Rosa",
    "Sergei",
    "Tanya",
    "Ulrich",
    "Vera",
    "Walter",
    "Xenia",
    "Yuri",
    "Zoya",
    "Amir",
    "Bella",
    "Carlos",
    "Dmitri",
    "Eva",
]
LAST = [
    "Ivanova",
    "Petrov",
    "Schmidt",
    "Kowalski",
    "Rossi",
    "Garcia",
    "Dubois",
    "Novak",
    "Horvat",
    "Smirnov",
    "Kuznetsova",
    "Popov",
    "Sokolov",
    "Lebedev",
    "Kozlov",
    "Morozov",
    "Volkov",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
]
KINDS = (
    (Kind.PHONE_INTERPRETED, 0.70),
    (Kind.PHONE_DIRECT, 0.85),
    (Kind.VIDEO, 1.0),
)
PLANNED = (15, 30, 30, 30, 45, 60, 60, 90)
WORKDAYS = ["mon", "tue", "wed", "thu", "fri"]
HOURS = (7, 8, 9, 10, 12)  # interpreters start work at one of these, for nine hours
# How a past scheduled call ended: (cumulative share, state, outcome, session status).
PAST_ENDINGS = (
    (0.86, CallState.COMPLETED, "completed", SessionStatus.ENDED),
    (0.89, CallState.MISSED, "member_unreachable", SessionStatus.MISSED),
    (0.90, CallState.MISSED, "office_fault", SessionStatus.MISSED),
    (0.91, CallState.MISSED, "client_no_show", SessionStatus.MISSED),
    (0.95, CallState.CANCELLED, "", SessionStatus.CANCELLED),
    (0.97, CallState.CANCELLED, "late_cancel", SessionStatus.CANCELLED),
    (1.00, CallState.CANCELLED, "member_cancelled", SessionStatus.CANCELLED),
)
# Calls that never got a session: (cumulative share, state, created within this many days).
UNSCHEDULED = (
    (0.45, CallState.DECLINED, None),
    (0.87, CallState.CANCELLED, None),
    (0.95, CallState.CONFIRMED, 5),
    (0.998, CallState.AWAITING_AGENT, 3),
    (1.00, CallState.REQUESTED, 0.007),  # the last 10 minutes: nobody has had to step in yet
)


def pick(table, u: float) -> tuple:
    """The row of a table of (cumulative share, ...) that `u` in [0, 1) falls in, less its share."""
    for share, *rest in table:
        if u < share:
            return tuple(rest)
    return tuple(table[-1][1:])


OPEN_STATES = {
    CallState.REQUESTED,
    CallState.AWAITING_AGENT,
    CallState.CONFIRMED,
    CallState.SCHEDULED,
    CallState.IN_PROGRESS,
}
# Tables whose secondary indexes are built after the load.
BIG_MODELS = (
    Call,
    Session,
    AgentConfirmation,
    ContactNumber,
    CallCharge,
    Entry,
    CallTransition,
    SessionTransition,
    Notification,
    OperatorTask,
)
COPY_CHUNK = 2000  # rows per piece of the CSV stream
# Bytes read from a COPY's source at a time: large, since each read waits for
# the GIL while the batch thread runs (up to the 5 ms switch interval).
COPY_READ = 1 << 20
CALL_BATCH = 50_000  # calls made (and then copied) at a time: ~35 MB of CSV


@dataclass(frozen=True)
class Sizes:
    calls: int
    clients: int
    agencies: int
    members: int
    interpreters: int
    sessions: int  # calls that got a session (superseded ones come on top)
    big: int  # calls of scale-client-big
    mid: int
    small: int

    @classmethod
    def for_calls(cls, calls: int) -> Sizes:
        share = calls / 1_000_000
        agencies = max(5, round(2000 * share))
        return cls(
            calls=calls,
            clients=max(60, round(50_000 * share)),
            agencies=agencies,
            members=max(agencies * 10, round(20_000 * share)),
            interpreters=max(20, round(2000 * share)),
            sessions=round(calls * 0.9),
            big=min(2000, calls // 5),
            mid=min(300, calls // 20),
            small=min(20, calls // 50),
        )


class Command(BaseCommand):
    help = "Fill a PostgreSQL database with N calls and all they imply (COPY, then ANALYZE)."

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--now",
            help="the instant the data is laid around (ISO 8601, UTC); default: this hour",
        )
        parser.add_argument(
            "--force", action="store_true", help="add to a database that already has calls"
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=CALL_BATCH,
            help="calls made in Python (and copied) at a time; the same rows whatever it is",
        )

    def handle(
        self, *args, calls: int, seed: int, now: str | None, force: bool, batch: int, **options
    ):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_scale_data fills PostgreSQL only (it uses COPY): set DATABASE_URL to a "
                "PostgreSQL database made for it."
            )
        if calls < 1000:
            raise CommandError("Give at least 1000 calls (--calls).")
        if Call.objects.exists() and not force:
            raise CommandError(
                f"The database {connection.settings_dict['NAME']} already has calls: run this "
                "on an empty, migrated database, or add --force to add to it."
            )
        anchor = (
            datetime.fromisoformat(now).astimezone(UTC)
            if now
            else timezone.now().replace(minute=0, second=0, microsecond=0)
        )
        sizes = Sizes.for_calls(calls)
        started = time.monotonic()
        filler = Filler(sizes=sizes, seed=seed, now=anchor, stdout=self.stdout, batch=max(batch, 1))
        filler.run()
        self.stdout.write(
            f"filled {connection.settings_dict['NAME']} in {time.monotonic() - started:.0f} s: "
            + ", ".join(f"{n:,} {what}" for what, n in filler.counts().items())
        )
        self.stdout.write(
            "time per step: " + ", ".join(f"{label} {secs:.0f} s" for label, secs in filler.steps)
        )


class CsvStream:
    """A file-like object for COPY ... FROM STDIN: CSV text made on demand
    from an iterator of rows, a chunk at a time (constant memory)."""

    def __init__(self, rows, progress: Progress | None = None):
        self.rows = iter(rows)
        self.progress = progress
        self.buffer = ""
        self.done = False

    def _refill(self) -> None:
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        count = 0
        for row in self.rows:
            writer.writerow(row)
            count += 1
            if count == COPY_CHUNK:
                break
        if count < COPY_CHUNK:
            self.done = True
        if self.progress is not None:
            self.progress.advance(count)
        self.buffer += out.getvalue()

    def read(self, size: int = -1) -> str:
        while not self.done and (size < 0 or len(self.buffer) < size):
            self._refill()
        if size < 0:
            size = len(self.buffer)
        piece, self.buffer = self.buffer[:size], self.buffer[size:]
        return piece


def copy(cursor, model, fields: list[str], rows, progress: Progress | None = None) -> None:
    """COPY rows (tuples in the order of `fields`) into the model's table.
    None is NULL (an empty field); see `copy_file` for empty strings."""
    copy_file(cursor, model, fields, CsvStream(rows, progress))


def copy_file(cursor, model, fields: list[str], file) -> None:
    """COPY CSV text read from `file` into the model's table, naming its
    columns as the model's `_meta` does. An empty field is NULL, except in
    the columns that can't be NULL (FORCE_NOT_NULL): there it is "", which is
    how CSV writes None and "" alike."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(f) for f in fields]
    names = ", ".join(quote(field.column) for field in columns)
    not_null = ", ".join(quote(field.column) for field in columns if not field.null)
    options = f"FORMAT csv, FORCE_NOT_NULL ({not_null})" if not_null else "FORMAT csv"
    cursor.copy_expert(
        f"COPY {quote(meta.db_table)} ({names}) FROM STDIN WITH ({options})", file, size=COPY_READ
    )


class Filler:
    def __init__(self, *, sizes: Sizes, seed: int, now: datetime, stdout, batch: int = 50_000):
        self.sizes = sizes
        self.batch = batch
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.now = now
        self.stdout = stdout
        self.start = now - SPAN * (1 - FUTURE_SHARE)
        this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        self.month = ((this_month - timedelta(days=1)).replace(day=1), this_month)
        self.password = make_password(PASSWORD)
        self.buffer = timedelta(minutes=settings.SESSION_BUFFER_MINUTES)
        self.made: dict[str, int] = {}
        self._backend: int | None = None

    # --- plan --------------------------------------------------------------------

    def run(self) -> None:
        s = self.sizes
        # Units of work for the bar: rows written in Python, and the derived
        # statements weighted by the rows they write.
        total = (
            s.clients
            + s.members
            + s.interpreters * 2
            + s.calls * 4
            + s.sessions * 2
            + s.calls * 3  # transitions
            + s.sessions * 2  # session transitions
            + s.calls * 7  # ledger
            + s.sessions  # messages
            + s.calls * 3  # index builds
            + s.calls  # analyze
        )
        progress = Progress(total, log=self.stdout, cpu=self._cpu)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            self.ids = {m: self._max_id(cursor, m) for m in ID_MODELS}
            dropped = self._drop_indexes(cursor) + self._drop_constraints(cursor)
            cursor.execute("SET LOCAL session_replication_role = replica")
            self._people(cursor, progress)
            self._calls(cursor, progress)
            # Statistics for the statements below (the tables were empty when last analysed).
            progress.step("ANALYZE the copied tables")
            for model in (User, Member, Account, Call, Session, AgentConfirmation, CallCharge):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            for label, weight, sql in derived_sql(self.sizes):
                progress.step(label)
                cursor.execute(sql, self._params())
                self.made[label] = cursor.rowcount
                progress.advance(weight)
            for name, definition in dropped:
                progress.step(f"rebuild {name}")
                cursor.execute(definition)
                progress.advance(s.calls * 3 // max(len(dropped), 1))
            self._sequences(cursor)
            cursor.execute("SET LOCAL session_replication_role = origin")
        # VACUUM sets the visibility map (index-only scans: the admin's page keys,
        # capped counts) as autovacuum would after a while; ANALYZE the statistics.
        # The whole database: a table never analysed (no alarms or disputes
        # yet, 2,000 working times) is planned as ten pages of rows, and the
        # duty desk's alarms were joined to every session and user in parallel
        # (70 ms at 1M calls; 0.1 ms once the empty table was analysed).
        progress.step("VACUUM ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        progress.finish()
        self.steps = progress.steps

    def _cpu(self) -> dict[str, float]:
        """CPU seconds used so far by this process and by its PostgreSQL
        backend (read from /proc when the server runs on this machine)."""
        used = {"python": time.process_time()}
        if self._backend is None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self._backend = cursor.fetchone()[0]
        try:
            with open(f"/proc/{self._backend}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            used["postgres"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            pass  # another machine's server: its CPU is not ours to read
        return used

    def counts(self) -> dict[str, int]:
        return self.made

    def _params(self) -> dict:
        return {
            "now": self.now,
            "call_base": self.ids[Call],
            "session_base": self.ids[Session],
            "confirmation_base": self.ids[AgentConfirmation],
            "user_base": self.ids[User],
            "top_up_at": self.start - timedelta(days=1),
            "chase_after": timedelta(hours=settings.NOTIFY_AGENT_REMINDER_AFTER_HOURS),
            "deadline": timedelta(hours=settings.NOTIFY_AGENT_DEADLINE_HOURS),
            "top_ups": self.top_ups_account,
            "house": self.house_account,
        }

    @staticmethod
    def _max_id(cursor, model) -> int:
        cursor.execute(
            f"SELECT coalesce(max(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}"  # noqa: S608 - a model's table
        )
        return cursor.fetchone()[0]

    @staticmethod
    def _drop_indexes(cursor) -> list[tuple[str, str]]:
        """The big tables' indexes that back no constraint: dropped now,
        rebuilt (from their own definitions) after the load."""
        tables = [m._meta.db_table for m in BIG_MODELS]
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [tables],
        )
        dropped = cursor.fetchall()
        for name, _definition in dropped:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return dropped

    @staticmethod
    def _drop_constraints(cursor) -> list[tuple[str, str]]:
        """The big tables' unique and primary-key constraints that no foreign
        key depends on: dropped now and added again after the load (ALTER
        TABLE ... ADD CONSTRAINT, from their own definitions), which builds
        each index in one sort and checks every row then, in the same
        transaction, instead of an index insert per row. The interpreters'
        exclusion constraint (GiST) stays: built again at 100,000 calls it
        took 13 s, more than its checks cost while copying."""
        quote = connection.ops.quote_name
        cursor.execute(
            """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
               FROM pg_constraint c
               WHERE c.contype IN ('p', 'u')
                 AND c.conrelid = ANY(%s::regclass[])
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                                 WHERE f.contype = 'f' AND f.conindid = c.conindid)
               ORDER BY 1, 2""",
            [[m._meta.db_table for m in BIG_MODELS]],
        )
        dropped = []
        for table, name, definition in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            dropped.append(
                (name, f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
            )
        return dropped

    @staticmethod
    def _sequences(cursor) -> None:
        for model in ID_MODELS:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 1))"  # noqa: S608 - a model's table
                f" FROM {connection.ops.quote_name(table)}",
                [table],
            )

    # --- people ------------------------------------------------------------------

    def _people(self, cursor, progress: Progress) -> None:
        s, rng = self.sizes, self.rng
        progress.step("agencies and members")
        agency_base = self.ids[Agency]
        self.agencies = [agency_base + i + 1 for i in range(s.agencies)]
        copy(
            cursor,
            Agency,
            ["id", "name", "city", "country", "email", "phone", "time_zone", "created_at"],
            (
                (
                    agency_id,
                    f"Scale Agency {i:04d}",
                    rng.choice(("Kharkiv", "Berlin", "Riga", "Almaty", "Tbilisi")),
                    "RU",
                    f"agency{i}@example.org",
                    "",
                    rng.choice(ZONES),
                    self.start,
                )
                for i, agency_id in enumerate(self.agencies)
            ),
        )
        # The big agency (index 0) has 100 members; the others share the rest.
        member_base = self.ids[Member]
        self.member_agency = []
        self.member_languages = []
        rows = []
        for i in range(s.members):
            agency = 0 if i < 100 else 1 + (i - 100) % (s.agencies - 1)
            language = rng.choice(LANGUAGES)
            self.member_agency.append(self.agencies[agency])
            self.member_languages.append(language)
            rows.append(
                (
                    member_base + i + 1,
                    self.agencies[agency],
                    f"M{agency:04d}-{i:05d}",
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "",
                    rng.choice(ZONES),
                    language,
                    True,
                )
            )
        self.members = [member_base + i + 1 for i in range(s.members)]
        self.big_members = self.members[:100]
        copy(
            cursor,
            Member,
            [
                "id",
                "agency",
                "reference",
                "full_name",
                "city",
                "time_zone",
                "languages",
                "is_active",
            ],
            rows,
            progress,
        )
        progress.step("people")
        user_base = self.ids[User]
        next_id = iter(range(user_base + 1, user_base + 10_000_000))
        users = []

        def person(username, role, *, staff=False, agency=None, languages="", on_duty=False):
            user_id = next(next_id)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            users.append(
                (
                    user_id,
                    self.password,
                    None,
                    False,
                    username,
                    first,
                    last,
                    f"{first}.{last}.{user_id}@example.org".lower(),
                    staff,
                    True,
                    self.start,
                    role,
                    rng.choice(ZONES),
                    rng.choice(("en", "ru")),
                    "",
                    languages,
                    agency,
                    on_duty,
                    "",
                    0,
                )
            )
            return user_id

        self.operator = person("scale-operator", Role.OPERATOR, staff=True)
        for i in range(9):
            person(f"scale-operator-{i}", Role.OPERATOR, staff=True)
        person("scale-duty", Role.DUTY_MANAGER, staff=True, on_duty=True)
        named = ["scale-client-big", "scale-client-mid", "scale-client-small"]
        self.clients = [
            person(named[i] if i < 3 else f"scale-client-{i}", Role.CLIENT, languages="en")
            for i in range(s.clients)
        ]
        self.agents = {
            agency_id: person(
                "scale-agent-big" if i == 0 else f"scale-agent-{i}", Role.AGENT, agency=agency_id
            )
            for i, agency_id in enumerate(self.agencies)
        }
        self.interpreters = [
            person(
                f"scale-interpreter-{i}",
                Role.INTERPRETER,
                languages=", ".join(rng.sample(LANGUAGES, rng.choice((2, 2, 3)))),
            )
            for i in range(s.interpreters)
        ]
        copy(
            cursor,
            User,
            [
                "id",
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "role",
                "time_zone",
                "language",
                "phone",
                "languages",
                "agency",
                "on_duty",
                "pending_email",
                "session_generation",
            ],
            users,
            progress,
        )
        progress.step("working time, accounts")
        copy(
            cursor,
            WorkingTime,
            ["interpreter", "hours", "extra", "off", "updated_at"],
            (
                (
                    interpreter,
                    json.dumps(
                        [
                            {
                                "days": WORKDAYS,
                                "from": f"{(h := rng.choice(HOURS)):02d}:00",
                                "to": f"{h + 9:02d}:00",
                            }
                        ]
                    ),
                    "[]",
                    "[]",
                    self.start,
                )
                for interpreter in self.interpreters
            ),
            progress,
        )
        account_base = self.ids[Account]
        accounts = []
        self.credit, self.held = {}, {}
        for client in self.clients:
            for kind, into in (
                (AccountKind.CLIENT_CREDIT, self.credit),
                (AccountKind.CLIENT_HELD, self.held),
            ):
                into[client] = account_base + len(accounts) + 1
                accounts.append((into[client], kind, client, None, 0, self.start))
        for agency_id in self.agencies:
            accounts.append(
                (
                    account_base + len(accounts) + 1,
                    AccountKind.AGENCY_COMMISSION,
                    None,
                    agency_id,
                    0,
                    self.start,
                )
            )
        copy(cursor, Account, ["id", "kind", "user", "agency", "balance", "created_at"], accounts)
        # The house's singletons may exist already (created on first use).
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('billing_account', 'id'), %s)",
            [account_base + len(accounts)],
        )
        self.house_account = Account.objects.get_or_create(kind=AccountKind.HOUSE_REVENUE)[0].pk
        self.top_ups_account = Account.objects.get_or_create(kind=AccountKind.TOP_UPS)[0].pk

    # --- calls -------------------------------------------------------------------

    def _calls(self, cursor, progress: Progress) -> None:
        """Calls, confirmations, sessions and charges are made a batch at a
        time by a thread, and each batch is copied from memory while the next
        one is made: Python and PostgreSQL each keep a core busy (the thread
        holds the GIL; this one waits in libpq, which releases it). Memory
        stays at two batches."""
        progress.step("calls, sessions, charges (made and copied)")
        plan = CallPlan(self)
        tables = (
            (Call, CALL_FIELDS),
            (AgentConfirmation, CONFIRMATION_FIELDS),
            (Session, SESSION_FIELDS),
            (CallCharge, CHARGE_FIELDS),
        )
        made = 0
        with BatchMaker(plan.batches(self.batch)) as batches:
            for buffers, calls, sessions in batches:
                for (model, fields), buffer in zip(tables, buffers, strict=True):
                    buffer.seek(0)
                    copy_file(cursor, model, fields, buffer)
                made += calls
                progress.advance(calls * 4 + sessions * 2)
        self.made.update(calls=made, sessions=plan.session_count)


class BatchMaker:
    """Runs a generator of batches in a thread, at most QUEUED batches ahead
    of the reader. An error in the thread is raised to the reader; a reader
    that stops early stops the thread."""

    QUEUED = 2

    def __init__(self, batches):
        self.batches = batches
        self.queue: queue.Queue = queue.Queue(maxsize=self.QUEUED)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="bench-scale-batches", daemon=True)

    def _run(self) -> None:
        try:
            for batch in self.batches:
                if not self._put(batch):
                    return
        except BaseException as exc:  # handed to the reader, who raises it
            self._put(exc)
        else:
            self._put(None)

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def __enter__(self):
        self.thread.start()
        return self

    def __iter__(self):
        while (item := self.queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join()


ID_MODELS = (User, Agency, Member, Account, Call, Session, AgentConfirmation, CallCharge)

CALL_FIELDS = [
    "id",
    "public_id",
    "client",
    "member",
    "kind",
    "planned_minutes",
    "preferred_times",
    "client_windows",
    "client_time_zone",
    "languages",
    "note",
    "state",
    "decline_reason",
    "outcome",
    "created_by",
    "created_at",
    "request_key",
    "state_changed_at",
    "confirmed_at",
    "scheduled_at",
    "held_at",
    "picked_by_client",
]
CONFIRMATION_FIELDS = [
    "call",
    "responsible_name",
    "agent_is_responsible",
    "dial_number",
    "video_handle",
    "availability",
    "member_windows",
    "member_time_zone",
    "confirmed_by",
    "confirmed_at",
]
SESSION_FIELDS = [
    "id",
    "call",
    "interpreter",
    "starts_at",
    "planned_end",
    "blocked_from",
    "blocked_until",
    "status",
    "overdue_at",
    "started_at",
    "ended_at",
    "talk_seconds",
    "measured_seconds",
    "no_recording_reason",
    "created_at",
]
CHARGE_FIELDS = [
    "call_id",
    "client",
    "kind",
    "planned_minutes",
    "tariff",
    "rule",
    "outcome",
    "policy",
    "held",
    "status",
    "held_at",
    "closed_at",
    "agency",
    "talk_seconds",
    "billed_minutes",
    "client_charge",
    "agent_commission",
    "house_revenue",
    "overrun",
]


@dataclass(slots=True)
class Extra:
    """What the later tables need to know of a call (kept per call, small)."""

    session_at: datetime | None
    interpreter: int | None
    session_status: str | None
    talk: int | None
    superseded: bool


class CallPlan:
    """Every call decided once, in one pass of the random generator."""

    def __init__(self, filler: Filler):
        self.f = filler
        self.session_count = 0
        self.tariffs = {t.kind: t for t in (Tariff.in_force(k, filler.now) for k in Kind.values)}
        self.rules = {
            r.kind: r for r in (CommissionRule.in_force(k, filler.now) for k in Kind.values)
        }
        self.policies = {
            (p.kind, p.outcome): p
            for p in OutcomePolicy.objects.filter(effective_from__lte=filler.start).order_by(
                "effective_from"
            )
        }
        self.holds = {
            (kind, minutes): hold_amount(
                kind=kind, planned_minutes=minutes, tariff=self.tariffs[kind]
            )
            for kind in Kind.values
            for minutes in set(PLANNED)
        }
        self.prices: dict[tuple[str, str, int], object] = {}
        self.session_id = filler.ids[Session]

    def price(self, kind: str, outcome: str, seconds: int):
        key = (kind, outcome, math.ceil(seconds / 60))
        if key not in self.prices:
            self.prices[key] = price_outcome(
                kind=kind,
                outcome=outcome,
                seconds=key[2] * 60,
                tariff=self.tariffs[kind],
                rule=self.rules[kind],
                policy=self.policies[kind, outcome],
            )
        return self.prices[key]

    def batches(self, size: int):
        """The rows as CSV text, `size` calls at a time: ([calls, confirmations,
        sessions, charges] as StringIO buffers, calls, sessions)."""
        rows = self.rows()
        while True:
            buffers = [io.StringIO() for _table in range(4)]
            calls, confirmations, sessions, charges = (
                csv.writer(buffer, lineterminator="\n") for buffer in buffers
            )
            write_call, write_confirmation = calls.writerow, confirmations.writerow
            write_sessions, write_charge = sessions.writerows, charges.writerow
            count, sessions_before = 0, self.session_count
            for call, confirmation, call_sessions, charge in itertools.islice(rows, size):
                write_call(call)
                if confirmation is not None:
                    write_confirmation(confirmation)
                write_sessions(call_sessions)
                write_charge(charge)
                count += 1
            if not count:
                return
            yield buffers, count, self.session_count - sessions_before

    def rows(self):
        f, s, rng = self.f, self.f.sizes, self.f.rng
        now, start = f.now, f.start
        special = rng.sample(range(s.calls), s.big + s.mid + s.small)
        owner = {}
        for n, position in enumerate(special):
            owner[position] = f.clients[0 if n < s.big else 1 if n < s.big + s.mid else 2]
        others = f.clients[3:]
        slots_per_interpreter = math.ceil(s.sessions / s.interpreters)
        step = (SPAN / slots_per_interpreter).total_seconds()
        jitter_steps = max(1, int((step - 3 * 3600) // 900))
        call_base = f.ids[Call]
        month_from, month_to = f.month
        for n in range(s.calls):
            call_id = call_base + n + 1
            client = owner.get(n) or others[int(rng.random() * len(others))]
            u = rng.random()
            kind = (
                KINDS[0][0] if u < KINDS[0][1] else KINDS[1][0] if u < KINDS[1][1] else KINDS[2][0]
            )
            minutes = PLANNED[int(rng.random() * len(PLANNED))]
            member_index = int(rng.random() * len(f.members))
            extra = Extra(None, None, None, None, False)
            outcome = ""
            if n < s.sessions:
                # Session n: interpreter n mod I, slot n div I of theirs, never overlapping.
                slot = n // s.interpreters
                at = start + timedelta(seconds=slot * step + int(rng.random() * jitter_steps) * 900)
                extra.session_at = at
                extra.interpreter = f.interpreters[n % s.interpreters]
                created = at - timedelta(minutes=int(rng.random() * 20160) + 60)
                if at > now:
                    state, extra.session_status, changed = (
                        CallState.SCHEDULED,
                        SessionStatus.PLANNED,
                        created,
                    )
                elif at > now - timedelta(hours=1):
                    if rng.random() < 0.5:
                        state, extra.session_status, changed = (
                            CallState.IN_PROGRESS,
                            SessionStatus.IN_PROGRESS,
                            at,
                        )
                    else:
                        state, extra.session_status, changed = (
                            CallState.SCHEDULED,
                            SessionStatus.PLANNED,
                            created,
                        )
                else:
                    state, outcome, extra.session_status = pick(PAST_ENDINGS, rng.random())
                    if state == CallState.COMPLETED:
                        extra.talk = max(60, minutes * 60 - int(rng.random() * 600))
                        changed = at + timedelta(seconds=extra.talk + 120)
                        extra.superseded = rng.random() < 0.02
                    elif state == CallState.MISSED:
                        changed = at + timedelta(minutes=settings.NOTIFY_MISSED_AFTER_MINUTES)
                    else:
                        changed = at - timedelta(hours=int(rng.random() * 48) + 1)
                        changed = max(changed, created + timedelta(minutes=30))
                if month_from <= at < month_to:
                    member_index = int(rng.random() * len(f.big_members))
            else:
                state, within_days = pick(UNSCHEDULED, rng.random())
                if within_days is None:
                    created = start + timedelta(
                        seconds=rng.random() * (now - start).total_seconds()
                    )
                    changed = created + timedelta(hours=int(rng.random() * 30) + 1)
                else:
                    created = now - timedelta(days=within_days * rng.random())
                    changed = created
            member = f.members[member_index]
            call = (
                call_id,
                f"{rng.getrandbits(128):032x}",
                client,
                member,
                kind,
                minutes,
                "",
                "[]",
                "Europe/Berlin",
                f"en, {f.member_languages[member_index]}",
                "",
                state,
                "The member has moved." if state == CallState.DECLINED else "",
                outcome,
                client,
                created,
                None,
                changed,
                *stage_times(state, extra.session_at is not None, created, changed),
            )
            yield (
                call,
                self.confirmation(call, extra),
                self.sessions(call, extra),
                self.charge(call, extra),
            )

    def confirmation(self, row, extra):
        f = self.f
        if extra.session_at is None and row[11] != CallState.CONFIRMED:
            return None
        call_id, member, created = row[0], row[3], row[15]
        return (
            call_id,
            "",
            True,
            f"+4930{call_id % 10_000_000:07d}",
            "",
            "",
            "[]",
            "Europe/Berlin",
            f.agents[f.member_agency[member - f.members[0]]],
            created + timedelta(hours=2),
        )

    def sessions(self, row, extra) -> list[tuple]:
        f = self.f
        at = extra.session_at
        if at is None:
            return []
        sessions = []
        call_id, minutes, created = row[0], row[5], row[15]
        end = at + timedelta(minutes=minutes)
        if extra.superseded:
            # Moved once: the first session (a day earlier) was superseded.
            self.session_id += 1
            first = at - timedelta(days=1)
            planned = first + timedelta(minutes=minutes)
            sessions.append(
                (
                    self.session_id,
                    call_id,
                    extra.interpreter,
                    first,
                    planned,
                    first,
                    planned + f.buffer,
                    SessionStatus.SUPERSEDED,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "",
                    created,
                )
            )
        status = extra.session_status
        started = ended = talk = None
        until = end + f.buffer
        if status == SessionStatus.ENDED:
            started = at + timedelta(seconds=60)
            ended = started + timedelta(seconds=extra.talk)
            talk = extra.talk
            until = ended + f.buffer
        elif status == SessionStatus.IN_PROGRESS:
            started = at
        self.session_id += 1
        sessions.append(
            (
                self.session_id,
                call_id,
                extra.interpreter,
                at,
                end,
                at,
                until,
                status,
                None,
                started,
                ended,
                talk,
                talk,
                "",
                created,
            )
        )
        self.session_count += len(sessions)
        return sessions

    def charge(self, row, extra):
        f = self.f
        call_id, client, member, kind, minutes = row[0], row[2], row[3], row[4], row[5]
        state, outcome, created, changed = row[11], row[13], row[15], row[17]
        held = self.holds[kind, minutes]
        common = (call_id, client, kind, minutes, self.tariffs[kind].pk, self.rules[kind].pk)
        if state in OPEN_STATES:
            return (
                *common,
                "",
                None,
                held,
                ChargeStatus.HELD,
                created,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                False,
            )
        elif outcome:
            price = self.price(kind, outcome, extra.talk or 0)
            return (
                *common,
                outcome,
                self.policies[kind, outcome].pk,
                held,
                ChargeStatus.SETTLED,
                created,
                changed,
                f.member_agency[member - f.members[0]],
                extra.talk or 0,
                price.billed_minutes,
                price.client_charge,
                price.agent_commission,
                price.house_revenue,
                False,
            )
        else:
            return (
                *common,
                "",
                None,
                held,
                ChargeStatus.RELEASED,
                created,
                changed,
                None,
                None,
                None,
                None,
                None,
                None,
                False,
            )


def derived_sql(sizes: Sizes) -> list[tuple[str, int, str]]:
    """(label, units of progress, statement) for the rows derived in the database."""
    s = sizes
    return [
        ("contact numbers", s.sessions // 2, CONTACT_NUMBERS_SQL),
        ("call audit rows", s.calls * 3, CALL_TRANSITIONS_SQL),
        ("session audit rows", s.sessions * 2, SESSION_TRANSITIONS_SQL),
        ("ledger: holds and settlements", s.calls * 6, ENTRIES_SQL),
        ("ledger: top-ups", s.clients, TOP_UPS_SQL),
        ("ledger: balances", s.calls, BALANCES_SQL),
        ("messages", s.sessions, MESSAGES_SQL),
        ("agents asked and chased", 1, AGENT_MESSAGES_SQL),
        ("operator tasks", 1, TASKS_SQL),
    ]


CONTACT_NUMBERS_SQL = """
INSERT INTO calls_contactnumber (confirmation_id, role, number)
SELECT id, 'member', dial_number FROM calls_agentconfirmation WHERE call_id > %(call_base)s
"""

# Each final state's path through the workflow (cancelled: before or after scheduling).
_PATHS = {
    ("declined", False): ["requested", "awaiting_agent", "declined"],
    ("cancelled", False): ["requested", "awaiting_agent", "cancelled"],
    ("awaiting_agent", False): ["requested", "awaiting_agent"],
    ("confirmed", False): ["requested", "awaiting_agent", "confirmed"],
    ("scheduled", True): ["requested", "awaiting_agent", "confirmed", "scheduled"],
    ("in_progress", True): ["requested", "awaiting_agent", "confirmed", "scheduled", "in_progress"],
    ("completed", True): [
        "requested",
        "awaiting_agent",
        "confirmed",
        "scheduled",
        "in_progress",
        "completed",
    ],
    ("missed", True): ["requested", "awaiting_agent", "confirmed", "scheduled", "missed"],
    ("cancelled", True): ["requested", "awaiting_agent", "confirmed", "scheduled", "cancelled"],
}
_PATH_ROWS = ", ".join(
    f"('{state}', {str(scheduled).lower()}, {i}, {len(path) - 1}, '{path[i - 1]}', '{path[i]}')"
    for (state, scheduled), path in _PATHS.items()
    for i in range(1, len(path))
)


def stage_times(state: str, scheduled: bool, created, changed) -> tuple:
    """The call's stage times (Call.confirmed_at, scheduled_at, held_at) and
    picked_by_client, as its audit rows below say: each row of its path at an
    equal share of the way from request to the last change. The audit's stage
    rows copy these times (CALL_TRANSITIONS_SQL), so both say the same to the
    microsecond. Nobody is recorded as picking the time (actor NULL): not the
    client."""
    path = _PATHS.get((state, scheduled and state != CallState.CONFIRMED))
    times = {}
    if path:
        n = len(path) - 1
        for i in range(1, n + 1):
            stage = STAGE_TIMES.get((path[i - 1], path[i]))
            if stage:
                times[stage] = created + (changed - created) * i / n
    picked = False if "scheduled_at" in times else None
    return (times.get("confirmed_at"), times.get("scheduled_at"), times.get("held_at"), picked)


# The stage edges take their time from the call's stage times (stage_times).
_STAGE_AT = (
    "CASE "
    + " ".join(
        f"WHEN p.from_state = '{frm}' AND p.to_state = '{to}' THEN c.{field}"
        for (frm, to), field in STAGE_TIMES.items()
    )
    + " END"
)
CALL_TRANSITIONS_SQL = f"""
INSERT INTO calls_calltransition (call_id, from_state, to_state, outcome, actor_id, reason, at)
SELECT c.id, p.from_state, p.to_state, CASE WHEN p.ord = p.n THEN c.outcome ELSE '' END,
       NULL, '', COALESCE({_STAGE_AT},
                          c.created_at + (c.state_changed_at - c.created_at) * p.ord / p.n)
FROM (SELECT c.id, c.state, c.outcome, c.created_at, c.state_changed_at,
             c.confirmed_at, c.scheduled_at, c.held_at, conf.id IS NOT NULL AS scheduled
      FROM calls_call c LEFT JOIN calls_agentconfirmation conf ON conf.call_id = c.id
      WHERE c.id > %(call_base)s) c
JOIN (VALUES {_PATH_ROWS}) AS p (state, scheduled, ord, n, from_state, to_state)
  ON p.state = c.state AND p.scheduled = (c.scheduled AND c.state <> 'confirmed')
"""  # noqa: S608 - constants

SESSION_TRANSITIONS_SQL = """
INSERT INTO calls_sessiontransition (session_id, from_status, to_status, actor_id, reason, at)
SELECT s.id, t.from_status, t.to_status, NULL, '', t.at
FROM calls_session s
CROSS JOIN LATERAL (VALUES
    ('planned', 'in_progress', s.started_at, s.status IN ('in_progress', 'ended')),
    ('in_progress', 'ended', s.ended_at, s.status = 'ended'),
    ('planned', 'missed', s.starts_at + interval '30 minutes', s.status = 'missed'),
    ('planned', 'cancelled', s.starts_at - interval '1 hour', s.status = 'cancelled'),
    ('planned', 'superseded', s.starts_at, s.status = 'superseded')
) AS t (from_status, to_status, at, applies)
WHERE s.id > %(session_base)s AND t.applies
"""

# billing.services: a hold moves credit to held; closing gives it back; a
# settled call is then charged (credit -> house) and pays its commission
# (house -> agency). Zero legs are not written, as _movement drops them.
ENTRIES_SQL = """
INSERT INTO billing_entry
    (transfer, account_id, kind, amount, call_id, actor_id, reason, created_at)
SELECT md5(ch.call_id || ':' || l.kind)::uuid, l.account, l.kind, l.amount, ch.call_id,
       NULL, '', l.at
FROM billing_callcharge ch
JOIN billing_account credit ON credit.user_id = ch.client_id AND credit.kind = 'client_credit'
JOIN billing_account held ON held.user_id = ch.client_id AND held.kind = 'client_held'
LEFT JOIN billing_account agency ON agency.agency_id = ch.agency_id
     AND agency.kind = 'agency_commission'
CROSS JOIN LATERAL (VALUES
    ('hold', credit.id, -ch.held, ch.held_at, true),
    ('hold', held.id, ch.held, ch.held_at, true),
    ('release', held.id, -ch.held, ch.closed_at, ch.status <> 'held'),
    ('release', credit.id, ch.held, ch.closed_at, ch.status <> 'held'),
    ('charge', credit.id, -ch.client_charge, ch.closed_at, ch.status = 'settled'),
    ('charge', %(house)s, ch.client_charge, ch.closed_at, ch.status = 'settled'),
    ('commission', %(house)s, -ch.agent_commission, ch.closed_at, ch.status = 'settled'),
    ('commission', agency.id, ch.agent_commission, ch.closed_at, ch.status = 'settled')
) AS l (kind, account, amount, at, applies)
WHERE ch.call_id > %(call_base)s AND l.applies AND l.amount <> 0
"""

# Each client bought what their calls cost and hold, and a little more.
TOP_UPS_SQL = """
INSERT INTO billing_entry
    (transfer, account_id, kind, amount, call_id, actor_id, reason, created_at)
SELECT md5('top-up:' || a.user_id)::uuid, l.account, 'top_up', l.amount, NULL, NULL,
       'bank transfer', %(top_up_at)s
FROM (SELECT credit.id, credit.user_id,
             coalesce(sum(CASE WHEN ch.status = 'settled' THEN ch.client_charge
                               WHEN ch.status = 'held' THEN ch.held ELSE 0 END), 0)
             + 100 + (credit.user_id %% 400) AS amount
      FROM billing_account credit
      LEFT JOIN billing_callcharge ch ON ch.client_id = credit.user_id
      WHERE credit.kind = 'client_credit' AND credit.user_id > %(user_base)s
      GROUP BY credit.id, credit.user_id) a
CROSS JOIN LATERAL (VALUES (a.id, a.amount), (%(top_ups)s, -a.amount)) AS l (account, amount)
"""

BALANCES_SQL = """
UPDATE billing_account a SET balance = e.total
FROM (SELECT account_id, sum(amount) AS total FROM billing_entry GROUP BY account_id) e
WHERE e.account_id = a.id AND a.balance <> e.total
"""

# The reminders of past sessions (sent), written as the sweeps write them
# (notifications/bulk.py), with their text as delivery leaves it.
MESSAGES_SQL = """
INSERT INTO notifications_notification
    (key, kind, channel, recipient_id, address, language, subject, body, template,
     call_id, session_id, status, attempts, next_attempt_at, last_error, created_at, sent_at)
SELECT 'reminder60:s' || s.id || ':email:' || u.id, 'reminder60', 'email', u.id, u.email,
       u.language, 'Your call in an hour', 'Your call starts in an hour.', 'reminder',
       c.id, s.id, 'sent', 1, s.starts_at - interval '1 hour', '', s.starts_at - interval '1 hour',
       s.starts_at - interval '59 minutes'
FROM calls_session s
JOIN calls_call c ON c.id = s.call_id
JOIN accounts_user u ON u.id = c.client_id
WHERE s.id > %(session_base)s AND s.starts_at < %(now)s AND s.status <> 'superseded'
"""

# Requests waiting for their agent: asked when they came, chased after N hours.
AGENT_MESSAGES_SQL = """
INSERT INTO notifications_notification
    (key, kind, channel, recipient_id, address, language, subject, body, template,
     call_id, session_id, status, attempts, next_attempt_at, last_error, created_at, sent_at)
SELECT k.kind || ':c' || c.id || ':email:' || u.id, k.kind, 'email', u.id, u.email, u.language,
       'A request for your member', 'Please confirm.', k.kind, c.id, NULL, 'sent', 1, k.at, '',
       k.at, k.at
FROM calls_call c
JOIN agents_member m ON m.id = c.member_id
JOIN accounts_user u ON u.agency_id = m.agency_id AND u.role = 'agent'
CROSS JOIN LATERAL (VALUES
    ('agent_request', c.state_changed_at, true),
    ('agent_chase', c.state_changed_at + %(chase_after)s,
     c.state_changed_at + %(chase_after)s <= %(now)s)
) AS k (kind, at, applies)
WHERE c.id > %(call_base)s AND c.state = 'awaiting_agent' AND k.applies
"""

TASKS_SQL = """
INSERT INTO notifications_operatortask (key, kind, status, call_id, session_id,
    notification_id, summary, created_at, done_at, done_by_id, note)
SELECT 'agent_no_answer:c' || c.id, 'agent_no_answer', 'open', c.id, NULL, NULL,
       'The agency has not answered the request for call C-' || (c.id + 10000) || '.',
       c.state_changed_at + %(deadline)s, NULL, NULL, ''
FROM calls_call c
WHERE c.id > %(call_base)s AND c.state = 'awaiting_agent'
  AND c.state_changed_at + %(deadline)s <= %(now)s
"""
