"""Record the sweeps' messages with set-based statements.

A sweep can find thousands of messages due at once (a whole day of reminders
on the first run). Rendering each one when it is recorded made the sweep
slow, so these rows are recorded by one `INSERT ... SELECT` per audience and
batch, with their unique key, recipient, address and language, and the name
of their template; the text is written from that template, in the
recipient's language and zone, when the message leaves
(`services.notification_deliver`). The unique key still makes each message
exist once (`ON CONFLICT DO NOTHING`: a sweep run twice, or two at once,
records it once), and only the rows this statement inserted are queued.

Who is told is the same as `selectors.agents_for_call` and friends, written
as joins: the agent who confirmed (if still an active agent) else every
active agent of the member's agency; the client; the session's interpreter;
the active operators; the duty manager on duty. Only active people with an
address on the channel. The two are one rule written twice:
tests/test_notifications_recipients.py records every kind of message to every
audience both ways on a data set that takes each branch, and compares the
rows (recipient, channel, kind, language, address, template), row for row.

The statement needs PostgreSQL (LATERAL joins, arrays). On any other database
(SQLite: `bin/run`'s embedded default, a handful of calls) the same rows are
built in Python from those selectors and inserted the same way.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection

from accounts.models import Role

# Who each audience is, as a query of recipient ids given `c` (the call), `m`
# (its member) and `cb` (the agent who confirmed, if still an active agent);
# `s` (the session) where the scope is a session. Joined LATERAL, row by row,
# each part on an index.
AUDIENCES = {
    "client": "SELECT c.client_id",
    "interpreter": "SELECT s.interpreter_id",
    "agents": (
        "SELECT cb.id WHERE cb.id IS NOT NULL"  # noqa: S608 - constants
        " UNION ALL SELECT a.id FROM accounts_user a WHERE cb.id IS NULL"
        f" AND a.agency_id = m.agency_id AND a.role = '{Role.AGENT}'"
    ),
    "operators": (
        f"SELECT o.id FROM accounts_user o WHERE o.role = '{Role.OPERATOR}' OR o.is_superuser"  # noqa: S608 - constants
    ),
    # calls.selectors.duty_manager_current: the one on duty, else the first.
    "duty_manager": (
        f"SELECT d.id FROM accounts_user d WHERE d.role = '{Role.DUTY_MANAGER}' AND d.is_active"  # noqa: S608 - constants
        " ORDER BY d.on_duty DESC, d.id LIMIT 1"
    ),
}
# Where each channel reaches a person (channels.address_for).
ADDRESS = {"email": "u.email", "sms": "u.phone"}

_INSERT = """
INSERT INTO notifications_notification
    (key, kind, channel, recipient_id, address, language, subject, body, template,
     call_id, session_id, status, attempts, next_attempt_at, last_error, created_at)
SELECT %(kind)s || ':' || {scope} || ':' || %(channel)s || ':' || u.id,
       %(kind)s, %(channel)s, u.id, {address}, u.language, '', '', %(template)s,
       c.id, {session_id}, 'pending', 0, %(now)s, '', %(now)s
FROM {source}
JOIN agents_member m ON m.id = c.member_id
LEFT JOIN calls_agentconfirmation conf ON conf.call_id = c.id
LEFT JOIN accounts_user cb ON cb.id = conf.confirmed_by_id
     AND cb.is_active AND cb.role = '{agent}'
CROSS JOIN LATERAL ({audience}) AS r (id)
JOIN accounts_user u ON u.id = r.id
WHERE {key} = ANY(%(ids)s) AND u.is_active AND {address} <> ''
ON CONFLICT (key) DO NOTHING
RETURNING id
"""


def record_for_sessions(
    *, kind: str, session_ids: list[int], audiences: list[tuple[str, str]], now: datetime
) -> list[int]:
    """Message `kind` about each of these sessions to each audience, given as
    (template, audience) pairs; the ids of the rows recorded now."""
    return _record(
        kind=kind,
        ids=session_ids,
        audiences=audiences,
        now=now,
        source="calls_session s JOIN calls_call c ON c.id = s.call_id",
        key="s.id",
        scope="'s' || s.id",
        session_id="s.id",
    )


def record_for_calls(
    *, kind: str, call_ids: list[int], audiences: list[tuple[str, str]], now: datetime
) -> list[int]:
    """Message `kind` about each of these calls (no session) to each audience."""
    return _record(
        kind=kind,
        ids=call_ids,
        audiences=audiences,
        now=now,
        source="calls_call c",
        key="c.id",
        scope="'c' || c.id",
        session_id="NULL::bigint",
    )


def _record(*, kind, ids, audiences, now, source, key, scope, session_id) -> list[int]:
    if not ids:
        return []
    if connection.vendor != "postgresql":
        return _record_portable(
            kind=kind, ids=ids, audiences=audiences, now=now, by_session=key == "s.id"
        )
    recorded: list[int] = []
    with connection.cursor() as cursor:
        for template, audience in audiences:
            for channel in settings.NOTIFY_CHANNELS:
                sql = _INSERT.format(
                    scope=scope,
                    session_id=session_id,
                    source=source,
                    key=key,
                    agent=Role.AGENT,
                    audience=AUDIENCES[audience],
                    address=ADDRESS[channel],
                )
                cursor.execute(
                    sql,
                    {
                        "kind": kind,
                        "channel": channel,
                        "template": template,
                        "now": now,
                        "ids": list(ids),
                    },
                )
                recorded += [row[0] for row in cursor.fetchall()]
    return recorded


def _record_portable(*, kind, ids, audiences, now, by_session: bool) -> list[int]:
    """The rows `_INSERT` records, built with the ORM (databases other than PostgreSQL)."""
    from calls.models import Call, Session
    from calls.selectors import duty_manager_current

    from .channels import address_for
    from .models import Notification
    from .selectors import agents_for_call, calls_with_facts, operators_active, sessions_with_facts
    from .services import outbox_row, record_new

    if by_session:
        pairs = [(s.call, s) for s in sessions_with_facts(Session.objects.filter(pk__in=ids))]
    else:
        pairs = [(c, None) for c in calls_with_facts(Call.objects.filter(pk__in=ids))]
    operators = operators_active() if any(a == "operators" for _, a in audiences) else []
    duty = duty_manager_current() if any(a == "duty_manager" for _, a in audiences) else None
    rows: dict[str, Notification] = {}
    for call, session in pairs:
        scope = f"s{session.pk}" if session is not None else f"c{call.pk}"
        for template, audience in audiences:
            people = {
                "client": lambda call=call: [call.client],
                "interpreter": lambda session=session: [session.interpreter] if session else [],
                "agents": lambda call=call: agents_for_call(call),
                "operators": lambda: operators,
                "duty_manager": lambda: [duty],
            }[audience]()
            for person in people:
                if person is None or not person.is_active:
                    continue
                for channel in settings.NOTIFY_CHANNELS:
                    address = address_for(person, channel)
                    if not address:
                        continue
                    row = outbox_row(
                        kind=kind,
                        scope=scope,
                        channel=channel,
                        recipient=person,
                        address=address,
                        call=call,
                        session=session,
                        now=now,
                        template=template,
                    )
                    rows.setdefault(row.key, row)
    return record_new(list(rows.values()))
