"""One definition of who receives a message.

The sweeps record their messages with set-based SQL on PostgreSQL
(`notifications.bulk`, joins written in SQL); every other database, and every
message written at once (`messages.notify`), decides recipients in Python with
`notifications.selectors` (`agents_for_call`, `operators_active`) and
`calls.selectors.duty_manager_current`. The two must agree: on a data set that
takes every branch of the rule (a confirmed agent, a confirmer who left or
changed role, an agency without agents, inactive people, people without an
email or a phone, both languages), both paths record the same rows for every
kind of message and every audience, row for row.
"""

from datetime import timedelta

import pytest

from accounts.models import Role, User
from notifications import bulk, messages
from notifications.models import Notification

from .factories import (
    AgencyFactory,
    AgentFactory,
    ClientFactory,
    DutyManagerFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
    aware,
)
from .flows import book, confirm, schedule

# The bulk path is PostgreSQL's own (LATERAL joins, arrays).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NOW = aware(2030, 3, 1, 9, 0)
START = aware(2030, 3, 4, 15, 0)

# What each kind of message about a session, or about a call without one, is
# sent to: the audiences the product uses (notifications/messages.py).
SESSION_MESSAGES = [
    ("reminder1440", messages.REMINDER_AUDIENCES),
    ("overdue", messages.OVERDUE_AUDIENCES),
    ("missed", messages.MISSED_AUDIENCES),
]
CALL_MESSAGES = [
    ("agent_request", [("agent_request", "agents")]),
    ("agent_chase", [("agent_chase", "agents")]),
    ("agent_escalated", [("agent_escalated_operator", "operators")]),
    ("missed", messages.MISSED_AUDIENCES),
]
# Every audience either path knows, each given to both paths below.
EVERY_AUDIENCE = [(f"any_{name}", name) for name in bulk.AUDIENCES]
# A call without a session has no interpreter (the SQL has no session to read).
EVERY_CALL_AUDIENCE = [(t, name) for t, name in EVERY_AUDIENCE if name != "interpreter"]


def _people():
    """Staff around the calls: operators, a superuser, duty managers."""
    return {
        "operator": OperatorFactory(language="ru", phone="+380441110001"),
        "operator_without_email": OperatorFactory(email="", phone="+380441110002"),
        "operator_gone": OperatorFactory(is_active=False),
        # A superuser who is not an operator by role hears what operators hear.
        "superuser": ClientFactory(is_superuser=True, language="en"),
        "duty_off": DutyManagerFactory(on_duty=False),
        "duty_on": DutyManagerFactory(on_duty=True, language="ru"),
        "duty_gone": DutyManagerFactory(on_duty=True, is_active=False),
    }


def _calls():
    """Calls and sessions that take each branch of "who answers for the member"."""
    agency = AgencyFactory()
    agent_ru = AgentFactory(agency=agency, language="ru")
    agent_en = AgentFactory(agency=agency, language="en", phone="")
    agent_no_email = AgentFactory(agency=agency, email="")
    leaver = AgentFactory(agency=agency)
    changed_role = AgentFactory(agency=agency)
    member = MemberFactory(agency=agency)
    nobody_to_ask = MemberFactory(agency=AgencyFactory())

    unconfirmed = book(client=ClientFactory(language="ru"), member=member, now=NOW)
    by_agent_en = book(client=ClientFactory(email=""), member=member, now=NOW)
    by_leaver = book(client=ClientFactory(language="en"), member=member, now=NOW)
    by_changed_role = book(member=member, now=NOW)
    without_agents = book(member=nobody_to_ask, now=NOW)  # gives the agency one agent
    gone_client = book(member=member, now=NOW)

    sessions = []
    for call, confirmer, interpreter in [
        (by_agent_en, agent_en, InterpreterFactory(language="ru")),
        (by_leaver, leaver, InterpreterFactory(email="")),
        (by_changed_role, changed_role, InterpreterFactory()),
        (gone_client, agent_ru, InterpreterFactory()),
    ]:
        confirm(call, agent=confirmer, now=NOW)
        sessions.append(
            schedule(
                call,
                operator=OperatorFactory(),
                interpreter=interpreter,
                starts_at=START + timedelta(hours=len(sessions)),
                now=NOW,
            )
        )
    # What changed after the bookings: people left, changed role, lost an address.
    User.objects.filter(pk=leaver.pk).update(is_active=False)
    User.objects.filter(agency=nobody_to_ask.agency).update(is_active=False)
    User.objects.filter(pk=changed_role.pk).update(role=Role.CLIENT, agency=None)
    User.objects.filter(pk=gone_client.client_id).update(is_active=False)
    User.objects.filter(pk=sessions[2].interpreter_id).update(is_active=False)
    calls = [unconfirmed, by_agent_en, by_leaver, by_changed_role, without_agents, gone_client]
    agents = {"ru": agent_ru, "en": agent_en, "no_email": agent_no_email}
    return calls, sessions, agents


def _rows(record) -> set[tuple]:
    """The rows one path records, as (key, kind, channel, recipient, address,
    language, template, call, session)."""
    Notification.objects.all().delete()
    record()
    return set(
        Notification.objects.values_list(
            "key",
            "kind",
            "channel",
            "recipient_id",
            "address",
            "language",
            "template",
            "call_id",
            "session_id",
        )
    )


def _both_paths(*, kind, ids, audiences, by_session):
    record_in_sql = bulk.record_for_sessions if by_session else bulk.record_for_calls
    ids_name = "session_ids" if by_session else "call_ids"
    in_sql = _rows(
        lambda: record_in_sql(kind=kind, audiences=audiences, now=NOW, **{ids_name: ids})
    )
    in_python = _rows(
        lambda: bulk._record_portable(
            kind=kind, ids=ids, audiences=audiences, now=NOW, by_session=by_session
        )
    )
    return in_sql, in_python


@pytest.fixture
def data_set(settings):
    settings.NOTIFY_CHANNELS = ["email", "sms"]
    people = _people()
    calls, sessions, agents = _calls()
    Notification.objects.all().delete()
    return people, calls, sessions, agents


def test_every_audience_is_compared():
    """A new audience in the SQL is one more row set below, never an unchecked one."""
    used = {name for _kind, pairs in SESSION_MESSAGES + CALL_MESSAGES for _t, name in pairs}
    assert used <= set(bulk.AUDIENCES)
    assert {name for _t, name in EVERY_AUDIENCE} == set(bulk.AUDIENCES)


def test_sql_and_python_record_the_same_recipients_row_for_row(data_set):
    people, calls, sessions, agents = data_set
    call_ids = [c.pk for c in calls]
    session_ids = [s.pk for s in sessions]
    cases = [
        *((kind, session_ids, audiences, True) for kind, audiences in SESSION_MESSAGES),
        *((kind, call_ids, audiences, False) for kind, audiences in CALL_MESSAGES),
        ("every_audience", session_ids, EVERY_AUDIENCE, True),
        ("every_audience", call_ids, EVERY_CALL_AUDIENCE, False),
    ]
    every = set()
    for kind, ids, audiences, by_session in cases:
        in_sql, in_python = _both_paths(
            kind=kind, ids=ids, audiences=audiences, by_session=by_session
        )
        assert in_sql, (kind, by_session)
        assert sorted(in_sql - in_python) == [], (kind, by_session, "only in SQL")
        assert sorted(in_python - in_sql) == [], (kind, by_session, "only in Python")
        every |= in_sql

    # The data set takes the rule's branches (else agreeing would prove little).
    told = {(recipient, channel) for _k, _kd, channel, recipient, *_ in every}
    languages = {language for *_, language, _t, _c, _s in every}
    assert languages == {"en", "ru"}
    # The confirming agent alone; everyone active at the agency when nobody stands.
    asked = {(c, r) for _k, kind, _ch, r, _a, _l, _t, c, _s in every if kind == "agent_request"}
    assert {r for c, r in asked if c == calls[1].pk} == {agents["en"].pk}
    fallback = {agents["ru"].pk, agents["en"].pk, agents["no_email"].pk}
    for call in (calls[0], calls[2], calls[3]):  # unconfirmed, leaver, changed role
        assert {r for c, r in asked if c == call.pk} == fallback
    assert not {r for c, r in asked if c == calls[4].pk}  # its only agent left
    # No address, no row on that channel; inactive people, no row at all.
    assert (agents["no_email"].pk, "email") not in told
    assert (agents["no_email"].pk, "sms") in told
    assert (agents["en"].pk, "sms") not in told
    assert (people["operator_without_email"].pk, "sms") in told
    gone = {people["operator_gone"].pk, people["duty_gone"].pk, calls[5].client_id}
    assert not gone & {r for r, _ch in told}
    assert people["superuser"].pk in {r for r, _ch in told}
    # The duty manager on duty, not the first one.
    assert people["duty_on"].pk in {r for r, _ch in told}
    assert people["duty_off"].pk not in {r for r, _ch in told}
