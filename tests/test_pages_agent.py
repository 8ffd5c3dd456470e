"""The agent's pages: inbox, the confirmation form (signed in and by link), call page, statement."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from agents.links import agent_link_token
from calls import services
from calls.models import CallKind, CallState

from .factories import (
    AgentFactory,
    DutyManagerFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
)
from .flows import book, confirm, schedule
from .pages_helpers import reset_language  # noqa: F401

pytestmark = pytest.mark.django_db


def form_data(rows, **extra):
    data = {
        "numbers-TOTAL_FORMS": str(len(rows)),
        "numbers-INITIAL_FORMS": "0",
        "numbers-MIN_NUM_FORMS": "3",
        "numbers-MAX_NUM_FORMS": "10",
        "answer": "yes",
        "responsible_name": "Olena Petrenko",
        "dial": "0",
        "availability": "after 18:00",
    }
    for i, (role, number) in enumerate(rows):
        data[f"numbers-{i}-role"] = role
        data[f"numbers-{i}-number"] = number
    data.update(extra)
    return data


GOOD_ROWS = [
    ("member", "+380 67 123 4567"),
    ("agent_mobile", "+380 50 765 4321"),
    ("responsible", "+380 44 222 3344"),
]


@pytest.fixture
def call():
    return book()


@pytest.fixture
def agent(call):
    return AgentFactory(agency=call.member.agency, language="en")


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent)
    return client


def test_inbox_lists_waiting_requests_in_few_queries(
    signed_in, agent, call, django_assert_max_num_queries
):
    for _ in range(4):
        book(member=call.member)
    with django_assert_max_num_queries(8):
        response = signed_in.get(reverse("agent-inbox"))
    assert response.content.decode().count(call.member.full_name) == 5


def test_form_shows_three_rows_with_rules_next_to_them(signed_in, call, agent):
    page = signed_in.get(reverse("agent-call", args=[call.public_id])).content.decode()
    assert 'name="numbers-2-number"' in page
    assert "the member's own number — required" in page
    assert agent.phone.as_e164 in page  # the agent's mobile is filled in
    assert "in Europe/Kyiv:" in page  # the member's windows are read in her zone


def test_wrong_number_is_shown_on_its_row_and_input_kept(signed_in, call):
    rows = [GOOD_ROWS[0], ("agent_mobile", "12345"), GOOD_ROWS[2]]
    response = signed_in.post(reverse("agent-call", args=[call.public_id]), form_data(rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_numbers-1-number_error"' in page
    assert "This is not a valid phone number" in page
    assert 'value="12345"' in page
    assert 'value="+380 67 123 4567"' in page
    # One message per mistake: the mistyped mobile is not also "required".
    assert "The agent&#x27;s mobile number is required." not in page
    call.refresh_from_db()
    assert call.state == CallState.AWAITING_AGENT


def test_missing_responsible_name_is_shown_on_that_field(signed_in, call):
    response = signed_in.post(
        reverse("agent-call", args=[call.public_id]),
        form_data(GOOD_ROWS, responsible_name=""),
    )
    page = response.content.decode()
    assert 'id="id_responsible_name_error"' in page


def test_good_answer_confirms_the_call(signed_in, call, agent):
    response = signed_in.post(reverse("agent-call", args=[call.public_id]), form_data(GOOD_ROWS))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.CONFIRMED
    assert str(call.confirmation.dial_number) == "+380671234567"
    assert call.confirmation.numbers.count() == 3


def test_agent_responsible_needs_a_second_number(signed_in, call):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], ("agent_second", "+380 50 111 2233")]
    response = signed_in.post(
        reverse("agent-call", args=[call.public_id]),
        form_data(rows, responsible_name="", agent_is_responsible="on"),
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.confirmation.agent_is_responsible


def test_video_needs_a_handle(signed_in, agent):
    call = book(member=MemberFactory(agency=agent.agency), kind=CallKind.VIDEO)
    response = signed_in.post(reverse("agent-call", args=[call.public_id]), form_data(GOOD_ROWS))
    assert 'id="id_video_handle_error"' in response.content.decode()
    response = signed_in.post(
        reverse("agent-call", args=[call.public_id]),
        form_data(GOOD_ROWS, video_handle="olena.skype"),
    )
    assert response.status_code == 302


def test_decline_needs_a_reason(signed_in, call):
    url = reverse("agent-call", args=[call.public_id])
    response = signed_in.post(url, {**form_data(GOOD_ROWS), "answer": "no"})
    assert 'id="id_decline_reason_error"' in response.content.decode()
    response = signed_in.post(
        url, {**form_data(GOOD_ROWS), "answer": "no", "decline_reason": "changed her mind"}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.DECLINED


def test_link_confirms_without_a_login_session(client, call, agent):
    url = reverse("agent-link", args=[agent_link_token(call=call, agent=agent)])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, form_data(GOOD_ROWS))
    assert response.status_code == 200
    assert "your answer is recorded" in response.content.decode()
    call.refresh_from_db()
    assert call.state == CallState.CONFIRMED
    assert call.confirmation.confirmed_by == agent
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("agent-inbox")).status_code == 302  # still signed out


def test_link_speaks_the_agents_language(client, call):
    agent = AgentFactory(agency=call.member.agency, language="ru")
    url = reverse("agent-link", args=[agent_link_token(call=call, agent=agent)])
    assert 'lang="ru"' in client.get(url).content.decode()


def test_used_link_is_refused_readably(client, call, agent):
    url = reverse("agent-link", args=[agent_link_token(call=call, agent=agent)])
    client.post(url, form_data(GOOD_ROWS))
    response = client.get(url)
    assert response.status_code == 410
    assert "already been answered" in response.content.decode()


def test_forged_and_expired_links_are_refused(client, call, agent, settings):
    token = agent_link_token(call=call, agent=agent)
    forged = client.get(reverse("agent-link", args=[token[:-3] + "abc"]))
    assert forged.status_code == 404
    assert "not valid" in forged.content.decode()
    later = timezone.now() + timedelta(hours=settings.AGENT_LINK_MAX_AGE_HOURS + 1)
    with time_machine.travel(later):
        expired = client.get(reverse("agent-link", args=[token]))
    assert expired.status_code == 404


def test_link_of_an_agent_of_another_agency_is_refused(client, call):
    stranger = AgentFactory()
    url = reverse("agent-link", args=[agent_link_token(call=call, agent=stranger)])
    assert client.get(url).status_code == 404


def test_scheduled_call_page_shows_interpreter_and_duty_manager(signed_in, call, agent):
    confirm(call, agent=agent)
    interpreter = InterpreterFactory()
    manager = DutyManagerFactory()
    schedule(call, operator=OperatorFactory(), interpreter=interpreter)
    page = signed_in.get(reverse("agent-call", args=[call.public_id])).content.decode()
    assert interpreter.get_full_name() in page
    assert interpreter.email in page
    assert interpreter.phone.as_international in page
    assert manager.get_full_name() in page
    assert "If no call comes" in page
    assert "(Europe/Kyiv)" in page


def test_statement_page_and_csv(signed_in):
    response = signed_in.get(reverse("agent-statement"))
    assert response.status_code == 200
    csv = signed_in.get(reverse("agent-statement-csv") + "?month=2026-01")
    assert csv["Content-Type"].startswith("text/csv")
    assert "commission-2026-01.csv" in csv["Content-Disposition"]
    # A bad month is refused alike on the page and in the CSV: 400, the same message.
    for bad in ("2026-13", "2026-1", "last-month", "1999-12"):
        page = signed_in.get(reverse("agent-statement") + f"?month={bad}")
        csv_answer = signed_in.get(reverse("agent-statement-csv") + f"?month={bad}")
        assert (page.status_code, csv_answer.status_code) == (400, 400), bad
        assert "Give the month as YYYY-MM." in page.content.decode()
        assert csv_answer.content.decode() == "Give the month as YYYY-MM."


def test_statement_shows_a_settled_calls_commission_and_csv_has_it(signed_in, call, agent):
    confirm(call, agent=agent)
    interpreter = InterpreterFactory()
    session = schedule(call, operator=OperatorFactory(), interpreter=interpreter)
    services.session_start(session=session, actor=interpreter, now=session.starts_at)
    ended = session.starts_at + timedelta(minutes=10, seconds=1)
    services.session_end(
        session=session, actor=interpreter, no_recording_reason="recorder failed", now=ended
    )
    month = ended.strftime("%Y-%m")  # the month (UTC) the call was settled in
    page = signed_in.get(reverse("agent-statement") + f"?month={month}").content.decode()
    assert "3.96 credits" in page  # SPEC: 10:01 interpreted, agent gets 3.96
    assert "19.80 credits" in page
    answer = signed_in.get(reverse("agent-statement-csv") + f"?month={month}")
    assert answer.streaming  # read as it is sent, never built whole in memory
    csv = b"".join(answer.streaming_content).decode()
    assert "3.96" in csv
    assert "19.80" in csv


def test_the_agent_page_quotes_the_configured_overdue_minutes(signed_in, call, settings):
    from .factories import OperatorFactory
    from .flows import confirm, schedule

    confirm(call)
    schedule(call, operator=OperatorFactory())
    settings.NOTIFY_OVERDUE_AFTER_MINUTES = 25
    page = signed_in.get(reverse("agent-call", args=[call.public_id])).content.decode()
    assert "within 25 minutes of the agreed time" in page
