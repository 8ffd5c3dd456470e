"""Generated history for bench_reports: N calls written set-based on PostgreSQL.

The people (clients, agencies with members and agents, interpreters with
working hours, an operator) are made with the ORM; the calls and everything
that follows them are `INSERT ... SELECT` over `generate_series`, one
statement a table, from one temporary plan of each call (its fate, times,
money). Calls spread evenly over the two years before now. Fates cycle through
completed (12 in 20), declined, cancelled in good time, member cancelled, late
cancel, client no-show, office fault, member unreachable, and awaiting the
agent. Amounts follow SPEC's tariffs (phone 1.8 or 1.0 a minute, 20 %; video
75.00 minimum, 60 % and at least 45.00); each settled call has its hold,
release, charge and commission entries, each transfer summing to zero. Cached
balances are not updated: the reports read entries, not balances.
"""

from __future__ import annotations

import json
import time

from django.db import connection

from accounts.models import Role, User
from agents.models import Agency, Member
from billing.defaults import ensure_spec_terms
from billing.models import Account, AccountKind, CommissionRule, Tariff
from calls.models import Call
from scheduling.models import WorkingTime

AGENCIES, MEMBERS_EACH, CLIENTS, INTERPRETERS = 50, 10, 200, 80
SPAN_DAYS = 730
HOURS = [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "to": "20:00"}]


def _people(*, interpreters: int):
    ensure_spec_terms()
    operator, _ = User.objects.get_or_create(
        username="bench-reports-operator", defaults={"role": Role.OPERATOR}
    )
    agencies = [
        Agency.objects.get_or_create(
            name=f"Bench agency {n:02d}", defaults={"city": "Kyiv", "email": f"a{n}@example.org"}
        )[0]
        for n in range(AGENCIES)
    ]
    members = []
    for agency in agencies:
        for m in range(MEMBERS_EACH):
            members.append(
                Member.objects.get_or_create(
                    agency=agency, reference=f"B-{m}", defaults={"full_name": f"Member {m}"}
                )[0]
            )
    clients = [
        User.objects.get_or_create(
            username=f"bench-reports-client-{n}", defaults={"role": Role.CLIENT}
        )[0]
        for n in range(CLIENTS)
    ]
    people = []
    for n in range(interpreters):
        person, _ = User.objects.get_or_create(
            username=f"bench-reports-interpreter-{n}",
            defaults={"role": Role.INTERPRETER, "time_zone": "Europe/Kyiv", "languages": "en, ru"},
        )
        WorkingTime.objects.get_or_create(interpreter=person, defaults={"hours": HOURS})
        people.append(person)
    accounts = {}
    for agency in agencies:
        accounts[agency.pk] = Account.objects.get_or_create(
            kind=AccountKind.AGENCY_COMMISSION, agency=agency
        )[0].pk
    credit, held = {}, {}
    for client in clients:
        credit[client.pk] = Account.objects.get_or_create(
            kind=AccountKind.CLIENT_CREDIT, user=client
        )[0].pk
        held[client.pk] = Account.objects.get_or_create(kind=AccountKind.CLIENT_HELD, user=client)[
            0
        ].pk
    house = Account.objects.get_or_create(kind=AccountKind.HOUSE_REVENUE)[0].pk
    return operator, members, clients, people, accounts, credit, held, house


def _first_terms(model, kind):
    terms = model.objects.filter(kind=kind).order_by("effective_from")
    return terms.values_list("pk", flat=True)[0]


PLAN = """
CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
SELECT i,
       %(first_id)s + i AS id,
       (ARRAY['phone_interpreted','phone_direct','video'])[1 + (i / 7) %% 3] AS kind,
       CASE WHEN i %% 20 < 12 THEN 'completed'
            ELSE (ARRAY['declined','cancelled_early','member_cancelled','late_cancel',
                        'client_no_show','office_fault','member_unreachable','awaiting'])
                 [1 + (i %% 20 - 12)] END AS fate,
       now() - interval '%(span)s days' + (i * %(step)s) * interval '1 second' AS created,
       (%(clients)s::bigint[])[1 + i %% %(n_clients)s] AS client,
       (%(members)s::bigint[])[1 + (i * 7) %% %(n_members)s] AS member,
       (%(interpreters)s::bigint[])[1 + i %% %(n_interpreters)s] AS interpreter,
       60 + (i * 37) %% 1740 AS talk
FROM generate_series(1, %(n)s) AS i;
ALTER TABLE bench_plan ADD COLUMN agency bigint, ADD COLUMN confirmed timestamptz,
    ADD COLUMN picked timestamptz, ADD COLUMN starts timestamptz, ADD COLUMN ended timestamptz,
    ADD COLUMN state text, ADD COLUMN outcome text, ADD COLUMN closed timestamptz,
    ADD COLUMN charge numeric(13,2), ADD COLUMN commission numeric(13,2),
    ADD COLUMN held numeric(13,2), ADD COLUMN billed int;
UPDATE bench_plan p SET agency = m.agency_id FROM agents_member m WHERE m.id = p.member;
UPDATE bench_plan SET
    confirmed = CASE WHEN fate NOT IN ('declined','cancelled_early','awaiting')
                     THEN created + (2 + i %% 40) * interval '1 hour' END,
    picked = CASE WHEN fate NOT IN ('declined','cancelled_early','awaiting','member_cancelled')
                  THEN created + (4 + i %% 40) * interval '1 hour' + interval '30 minutes' END,
    held = CASE kind WHEN 'video' THEN 75.00 WHEN 'phone_interpreted' THEN 54.00 ELSE 30.00 END,
    billed = CEIL(talk / 60.0)::int;
-- Two days after the request, whatever the answer's jitter: one interpreter's
-- sessions are then as far apart as their calls' requests (never overlapping).
UPDATE bench_plan SET starts = date_trunc('minute', created) + interval '2 days'
 WHERE picked IS NOT NULL;
UPDATE bench_plan SET
    ended = CASE WHEN fate = 'completed' THEN starts + talk * interval '1 second' END,
    state = CASE fate WHEN 'completed' THEN 'completed' WHEN 'declined' THEN 'declined'
                      WHEN 'awaiting' THEN 'awaiting_agent'
                      WHEN 'client_no_show' THEN 'missed' WHEN 'office_fault' THEN 'missed'
                      WHEN 'member_unreachable' THEN 'missed' ELSE 'cancelled' END,
    outcome = CASE WHEN fate IN ('completed', 'member_cancelled', 'late_cancel',
                                 'client_no_show', 'office_fault', 'member_unreachable')
                   THEN fate ELSE '' END;
UPDATE bench_plan SET closed = CASE
        WHEN fate = 'completed' THEN ended
        WHEN fate IN ('client_no_show','office_fault','member_unreachable')
            THEN starts + interval '30 minutes'
        WHEN fate = 'late_cancel' THEN starts - interval '3 hours'
        WHEN fate = 'member_cancelled' THEN confirmed + interval '3 hours'
        WHEN fate IN ('declined') THEN created + interval '2 hours'
        WHEN fate = 'cancelled_early' THEN created + interval '1 hour' END;
UPDATE bench_plan SET
    charge = CASE
        WHEN fate = 'completed' AND kind = 'phone_interpreted' THEN billed * 1.80
        WHEN fate = 'completed' AND kind = 'phone_direct' THEN billed * 1.00
        WHEN fate = 'completed' THEN GREATEST(billed, 30) * 2.50
        WHEN fate IN ('client_no_show','late_cancel') AND kind = 'video' THEN 75.00
        ELSE 0 END;
UPDATE bench_plan SET commission = CASE
        WHEN charge = 0 THEN 0
        WHEN kind = 'video' THEN GREATEST(ROUND(charge * 0.60, 2), 45.00)
        ELSE ROUND(charge * 0.20, 2) END;
"""

WRITE = """
INSERT INTO calls_call (id, public_id, kind, planned_minutes, preferred_times, languages, note,
    state, decline_reason, created_at, state_changed_at, client_id, created_by_id, member_id,
    outcome, client_time_zone, client_windows, confirmed_at, scheduled_at, held_at,
    picked_by_client)
SELECT id, gen_random_uuid(), kind, 30, '', 'en, ru', '', state, '', created,
       COALESCE(closed, created), client, client, member, outcome, 'Europe/Berlin', '[]'::jsonb,
       -- the stage times, as the audit rows below say (Call.confirmed_at, ...)
       confirmed, picked, CASE WHEN fate = 'completed' THEN starts END,
       CASE WHEN picked IS NOT NULL THEN i %% 2 = 0 END
FROM bench_plan;
INSERT INTO calls_agentconfirmation (responsible_name, agent_is_responsible, dial_number,
    video_handle, availability, confirmed_at, confirmed_by_id, call_id, member_time_zone,
    member_windows)
SELECT '', true, '+380671234567', '', '', confirmed, NULL, id, 'Europe/Kyiv', '[]'::jsonb
FROM bench_plan WHERE confirmed IS NOT NULL;
INSERT INTO calls_calltransition (from_state, to_state, reason, at, actor_id, call_id, outcome)
SELECT e.from_state, e.to_state, '', e.at, e.actor, p.id, e.outcome FROM bench_plan p
CROSS JOIN LATERAL (VALUES
    ('requested', 'awaiting_agent', p.created, NULL::bigint, '', true),
    ('awaiting_agent', 'confirmed', p.confirmed, NULL, '', p.confirmed IS NOT NULL),
    ('awaiting_agent', 'declined', p.closed, NULL, '', p.fate = 'declined'),
    ('awaiting_agent', 'cancelled', p.closed, p.client, '', p.fate = 'cancelled_early'),
    ('confirmed', 'cancelled', p.closed, NULL, 'member_cancelled', p.fate = 'member_cancelled'),
    ('confirmed', 'scheduled', p.picked,
        CASE WHEN p.i %% 2 = 0 THEN p.client ELSE %(operator)s END, '', p.picked IS NOT NULL),
    ('scheduled', 'in_progress', p.starts, NULL, '', p.fate = 'completed'),
    ('in_progress', 'completed', p.ended, NULL, 'completed', p.fate = 'completed'),
    ('scheduled', 'missed', p.closed, NULL, p.outcome,
        p.fate IN ('client_no_show','office_fault','member_unreachable')),
    ('scheduled', 'cancelled', p.closed, p.client, 'late_cancel', p.fate = 'late_cancel')
) AS e(from_state, to_state, at, actor, outcome, wanted)
WHERE e.wanted;
INSERT INTO calls_session (starts_at, planned_end, blocked_from, blocked_until, status,
    started_at, ended_at, talk_seconds, measured_seconds, no_recording_reason, created_at,
    call_id, interpreter_id)
SELECT starts, starts + interval '30 minutes', starts,
       starts + interval '45 minutes',
       CASE fate WHEN 'completed' THEN 'ended' WHEN 'late_cancel' THEN 'cancelled'
                 ELSE 'missed' END,
       CASE WHEN fate = 'completed' THEN starts END, ended,
       CASE WHEN fate = 'completed' THEN talk END, CASE WHEN fate = 'completed' THEN talk END,
       '', picked, id, interpreter
FROM bench_plan WHERE starts IS NOT NULL;
INSERT INTO billing_callcharge (call_id, kind, planned_minutes, held, status, held_at, closed_at,
    talk_seconds, billed_minutes, client_charge, agent_commission, house_revenue, overrun,
    agency_id, client_id, rule_id, tariff_id, outcome, policy_id)
SELECT id, kind, 30, held,
       CASE WHEN fate = 'awaiting' THEN 'held'
            WHEN fate IN ('declined','cancelled_early') THEN 'released' ELSE 'settled' END,
       created, closed,
       CASE WHEN fate = 'completed' THEN talk ELSE 0 END,
       CASE WHEN fate = 'completed' THEN billed ELSE 0 END,
       charge, commission, charge - commission, false,
       CASE WHEN fate NOT IN ('awaiting','declined','cancelled_early') THEN agency END,
       client, (%(rules)s::bigint[])[1 + (i / 7) %% 3], (%(tariffs)s::bigint[])[1 + (i / 7) %% 3],
       outcome, NULL
FROM bench_plan;
INSERT INTO billing_entry (transfer, kind, amount, call_id, reason, created_at, account_id,
    actor_id)
SELECT e.transfer, e.kind, e.amount, p.id, '', e.at, e.account, NULL
FROM bench_plan p
CROSS JOIN LATERAL (SELECT gen_random_uuid() AS hold, gen_random_uuid() AS release,
                           gen_random_uuid() AS charge, gen_random_uuid() AS commission) AS u
CROSS JOIN LATERAL (VALUES
    (u.hold, 'hold', -p.held, p.created, (%(credit)s::jsonb ->> p.client::text)::bigint, true),
    (u.hold, 'hold', p.held, p.created, (%(held)s::jsonb ->> p.client::text)::bigint, true),
    (u.release, 'release', p.held, p.closed, (%(credit)s::jsonb ->> p.client::text)::bigint,
        p.closed IS NOT NULL),
    (u.release, 'release', -p.held, p.closed, (%(held)s::jsonb ->> p.client::text)::bigint,
        p.closed IS NOT NULL),
    (u.charge, 'charge', -p.charge, p.closed, (%(credit)s::jsonb ->> p.client::text)::bigint,
        p.charge > 0),
    (u.charge, 'charge', p.charge, p.closed, %(house)s::bigint, p.charge > 0),
    (u.commission, 'commission', -p.commission, p.closed, %(house)s::bigint, p.commission > 0),
    (u.commission, 'commission', p.commission, p.closed,
        (%(agencies)s::jsonb ->> p.agency::text)::bigint, p.commission > 0)
) AS e(transfer, kind, amount, at, account, wanted)
WHERE e.wanted;
SELECT setval(pg_get_serial_sequence('calls_call', 'id'), (SELECT MAX(id) FROM calls_call));
"""


def generate(n: int, *, progress=print) -> None:
    # Enough interpreters that one's sessions never overlap (the database refuses that).
    operator, members, clients, interpreters, agencies, credit, held, house = _people(
        interpreters=max(INTERPRETERS, n // 12000)
    )
    kinds = ["phone_interpreted", "phone_direct", "video"]
    params = {
        "n": n,
        "first_id": Call.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "span": SPAN_DAYS,
        "step": SPAN_DAYS * 86400 / max(n, 1),
        "clients": [c.pk for c in clients],
        "n_clients": len(clients),
        "members": [m.pk for m in members],
        "n_members": len(members),
        "interpreters": [i.pk for i in interpreters],
        "n_interpreters": len(interpreters),
        "operator": operator.pk,
        "rules": [_first_terms(CommissionRule, k) for k in kinds],
        "tariffs": [_first_terms(Tariff, k) for k in kinds],
        "credit": json.dumps({str(k): v for k, v in credit.items()}),
        "held": json.dumps({str(k): v for k, v in held.items()}),
        "agencies": json.dumps({str(k): v for k, v in agencies.items()}),
        "house": house,
    }
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(PLAN, params)
        progress(f"planned {n:,} calls ({time.perf_counter() - started:.1f} s)")
        for statement in WRITE.split(";\n"):
            if statement.strip():
                cursor.execute(statement, params)
                words = statement.split()
                what = words[2] if words[0] == "INSERT" else "sequence"
                progress(f"  {what} ({time.perf_counter() - started:.1f} s)")
