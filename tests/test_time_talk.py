"""Talk time is measured; a correction is bounded, explained and audited, at every door."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import CallCharge
from billing.pricing import price_call
from calls import services
from calls.models import CallState, Session, SessionStatus, TalkTimeCorrection
from common.errors import DomainError

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import InterpreterFactory, OperatorFactory
from .flows import book, confirm, schedule, start

pytestmark = pytest.mark.django_db


def running(kind="phone_interpreted", *, soon=True):
    """A started session: started now (due in five minutes) when `soon`."""
    call = book(kind=kind)
    confirm(call)
    starts = timezone.now() + timedelta(minutes=5) if soon else None
    session = schedule(call, operator=OperatorFactory(), starts_at=starts)
    return start(session, now=timezone.now() if soon else None)


def end(session, *, after, **kwargs):
    return services.session_end(
        session=session,
        actor=session.interpreter,
        no_recording_reason="recorder off",
        now=session.started_at + timedelta(seconds=after),
        **kwargs,
    )


def charge_of(session):
    return CallCharge.objects.filter(call_id=session.call_id, status="settled").first()


def test_talk_time_is_end_minus_start_by_the_servers_clock():
    session = running(soon=False)
    ended = end(session, after=612)
    assert (ended.measured_seconds, ended.talk_seconds) == (612, 612)
    assert not TalkTimeCorrection.objects.exists()
    assert charge_of(session).client_charge == Decimal("19.80")  # 11 started minutes


def test_a_correction_down_with_a_reason_is_billed_and_audited():
    session = running(soon=False)
    ended = end(session, after=612, talk_seconds=601, talk_reason="line connected late")
    assert (ended.measured_seconds, ended.talk_seconds) == (612, 601)
    correction = TalkTimeCorrection.objects.get(session=session)
    assert (correction.measured_seconds, correction.talk_seconds) == (612, 601)
    assert correction.reason == "line connected late"
    assert correction.actor == session.interpreter
    assert charge_of(session).client_charge == Decimal("19.80")


@pytest.mark.parametrize(
    ("talk", "reason", "code", "field"),
    [
        (613, "the line says so", "talk_time_over_elapsed", "talk_seconds"),
        (36000, "typed", "talk_time_over_elapsed", "talk_seconds"),
        (-1, "negative", "bad_talk_time", "talk_seconds"),
        (2**31, "beyond any integer", "talk_time_over_elapsed", "talk_seconds"),
        (600, "", "talk_reason_required", "talk_reason"),
        ("ten", "words", "bad_talk_time", "talk_seconds"),
    ],
)
def test_a_bad_correction_is_refused_and_charges_nothing(talk, reason, code, field):
    session = running(soon=False)
    with pytest.raises(DomainError) as info:
        end(session, after=612, talk_seconds=talk, talk_reason=reason)
    assert (info.value.code, info.value.field) == (code, field)
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    assert session.call.state == CallState.IN_PROGRESS
    assert charge_of(session) is None


# --- the doors --------------------------------------------------------------------


@pytest.mark.parametrize("talk", [-1, 36000, 2147483647, 2**31, 10**30, "ten"])
def test_api_refuses_a_bad_talk_time_on_the_field(talk):
    session = running()
    answer = api_as(session.interpreter).post(
        f"/api/v1/sessions/{session.call.public_id}/end/",
        {"talk_seconds": talk, "talk_reason": "typed", "no_recording_reason": "off"},
        format="json",
    )
    assert answer.status_code == 400, answer.json()
    assert "talk_seconds" in answer.json()["errors"]
    assert charge_of(session) is None


def test_api_correction_needs_a_reason():
    session = running()
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        answer = api_as(session.interpreter).post(
            f"/api/v1/sessions/{session.call.public_id}/end/",
            {"talk_seconds": 60, "no_recording_reason": "off"},
            format="json",
        )
    assert answer.status_code == 400
    assert "talk_reason" in answer.json()["errors"]


@pytest.fixture
def operator_client(client):
    client.force_login(OperatorFactory(language="en"))
    return client


@pytest.mark.parametrize("talk", ["36000", "2147483647", "2147483648", "-5", "1e9"])
def test_admin_refuses_a_bad_talk_time_on_the_field(operator_client, talk):
    session = running()
    url = reverse("admin:calls_call_transition", args=[session.call_id, "completed"])
    response = operator_client.post(
        url, {"reason": "recorder off", "talk_seconds": talk, "talk_reason": "typed"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["talk_seconds"]
    assert charge_of(session) is None
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS


def test_admin_correction_is_shown_on_the_call(operator_client):
    session = running()
    url = reverse("admin:calls_call_transition", args=[session.call_id, "completed"])
    with time_machine.travel(timezone.now() + timedelta(minutes=12)):
        response = operator_client.post(
            url, {"reason": "recorder off", "talk_seconds": "601", "talk_reason": "line report"}
        )
    assert response.status_code == 302, response.context["form"].errors
    page = operator_client.get(reverse("admin:calls_call_change", args=[session.call_id]))
    html = page.content.decode()
    assert "10:01: line report" in html


@pytest.mark.parametrize(
    ("typed", "error"),
    [("99:99", "up to 59"), ("ten", "minutes:seconds"), ("30:00:00", "24 hours"), ("59:00", "")],
)
def test_interpreter_page_refuses_a_bad_talk_time_on_the_field(client, typed, error):
    session = running()
    client.force_login(session.interpreter)
    response = client.post(
        reverse("interpreter-session-end", args=[session.call.public_id]),
        {"no_recording_reason": "off", "talk_seconds": typed, "talk_reason": "line"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_talk_seconds_error"' in html
    assert error in html  # "59:00" is more than the few seconds the session lasted
    assert charge_of(session) is None


def test_interpreter_page_takes_the_conference_lines_figure(client):
    session = running()
    client.force_login(session.interpreter)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = client.post(
            reverse("interpreter-session-end", args=[session.call.public_id]),
            {"no_recording_reason": "off", "talk_seconds": "10:01", "talk_reason": "line"},
        )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.talk_seconds == 601
    assert session.measured_seconds >= 660


# --- the database -------------------------------------------------------------------


def test_the_database_refuses_billed_time_over_the_measured_time():
    session = end(running(soon=False), after=600)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(talk_seconds=601)


@pytest.mark.postgres
def test_postgres_refuses_billed_time_over_the_elapsed_time():
    session = end(running(soon=False), after=600)
    with pytest.raises(IntegrityError, match="session_talk_within_elapsed"), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(talk_seconds=601, measured_seconds=None)


@pytest.mark.postgres
def test_postgres_refuses_a_session_longer_than_any_booking():
    session = running(soon=False)
    with pytest.raises(IntegrityError, match="session_planned_length_range"):
        with transaction.atomic():
            Session.objects.filter(pk=session.pk).update(
                planned_end=session.starts_at + timedelta(minutes=241),
                blocked_until=session.starts_at + timedelta(minutes=256),
            )


# --- the property -------------------------------------------------------------------


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["phone_interpreted", "phone_direct", "video"]),
    early=st.integers(0, 15 * 60),
    elapsed=st.one_of(st.integers(0, 120), st.integers(0, 4 * 3600)),
    corrections=st.lists(
        st.tuples(
            st.one_of(
                st.none(),
                st.integers(-(2**40), 2**40),
                st.integers(-5, 4 * 3600 + 5),
                st.sampled_from(["", "ten", "1e3", 2**31, 2**63]),
            ),
            st.sampled_from(["", "line report"]),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_the_charge_never_exceeds_the_elapsed_time_priced_by_the_tariff(
    kind, early, elapsed, corrections
):
    """Start (within the lead), then end with corrections, good or bad, in turn.

    Whatever is typed, a call is charged at most once, and never more than its
    elapsed time (end − start by the clock) priced by its tariff.
    """
    call = book(kind=kind)
    confirm(call)
    session = schedule(call, operator=OperatorFactory(), interpreter=InterpreterFactory())
    started = session.starts_at - timedelta(seconds=early)
    start(session, now=started)
    ended_at = started + timedelta(seconds=elapsed)
    for corrected, reason in corrections:
        try:
            services.session_end(
                session=session,
                actor=session.interpreter,
                talk_seconds=corrected,
                talk_reason=reason,
                no_recording_reason="recorder off",
                now=ended_at,
            )
        except DomainError:
            session.refresh_from_db()
            if session.status == SessionStatus.IN_PROGRESS:
                assert charge_of(session) is None
            continue
    charge = charge_of(session)
    ceiling = price_call(kind=kind, seconds=elapsed).client_charge
    if charge is not None:
        assert charge.client_charge <= ceiling
        assert charge.talk_seconds <= elapsed
        assert CallCharge.objects.filter(call_id=call.pk).count() == 1
