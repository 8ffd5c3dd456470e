"""The duty desk (/duty/) and disputes: what needs the duty manager now, one page
per call with everything needed to decide, and a decision through the ledger."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from billing import selectors as billing_selectors
from billing.models import Entry, EntryKind
from calls import services as call_services
from calls.dial_log import given_numbers
from calls.services.alarms import not_called_alarm_raise
from calls.services.attempts import dial_attempt_log
from common.errors import DomainError
from duty.models import Dispute, DisputeStatus
from duty.services import dispute_raise, dispute_resolve
from notifications.models import Notification
from recordings import services as recording_services

from .factories import ClientFactory, DutyManagerFactory, OperatorFactory
from .flows import agent_for, book, confirm, schedule

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def duty():
    return DutyManagerFactory(language="en")


def completed_video(talk_seconds=2700):
    call = book(kind="video", minutes=45)
    confirm(call)
    session = schedule(call, operator=OperatorFactory())
    call_services.session_start(session=session, actor=session.interpreter, now=session.starts_at)
    recording_services.recording_attach(
        session=session, file=SimpleUploadedFile("r.mp3", b"ID3data"), actor=session.interpreter
    )
    call_services.session_end(
        session=session,
        actor=session.interpreter,
        talk_seconds=talk_seconds,
        now=session.starts_at + timedelta(seconds=talk_seconds),
    )
    call.refresh_from_db()
    return call, session


def test_the_duty_manager_signs_in_to_the_desk_not_to_no_page(client, duty):
    client.force_login(duty)
    assert client.get("/").url == reverse("duty-desk")
    assert client.get(reverse("duty-desk")).status_code == 200


def test_the_desk_lists_overdue_sessions_alarms_tasks_and_disputes(client, duty):
    late = book()
    confirm(late)
    session = schedule(late, operator=OperatorFactory())
    not_called_alarm_raise(
        call=late, actor=agent_for(late), now=session.starts_at + timedelta(minutes=2)
    )
    disputed, _session = completed_video()
    dispute = dispute_raise(call=disputed, actor=disputed.client, reason="Cut off after 5 min")
    with time_machine.travel(session.starts_at + timedelta(minutes=12), tick=False):
        client.force_login(duty)
        page = client.get(reverse("duty-desk")).content.decode()
    assert reverse("duty-call", args=[late.public_id]) in page
    assert 'data-testid="overdue"' in page and 'data-testid="alarms"' in page
    assert reverse("duty-call", args=[disputed.public_id]) + "#decide" in page
    assert "Cut off after 5 min" in page
    assert dispute.status == DisputeStatus.OPEN


def test_one_page_has_recording_attempts_timeline_and_billing(client, duty):
    call, session = completed_video()
    dispute_raise(call=call, actor=agent_for(call), reason="We were cut off")
    client.force_login(duty)
    page = client.get(reverse("duty-call", args=[call.public_id])).content.decode()
    assert reverse("duty-recording", args=[call.public_id]) in page
    assert 'data-testid="attempt-log"' in page and 'data-testid="timeline"' in page
    assert "112.50 credits" in page and "67.50 credits" in page  # SPEC: video 45:00
    assert "We were cut off" in page
    download = client.get(reverse("duty-recording", args=[call.public_id]))
    assert download.status_code == 200


def test_a_dispute_resolved_with_an_adjustment_moves_money_once_and_tells_both(
    client, duty, django_capture_on_commit_callbacks
):
    call, _session = completed_video()
    client.force_login(call.client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("client-dispute", args=[call.public_id]), {"reason": "Only 20 minutes"})
    dispute = Dispute.objects.get()
    assert Notification.objects.filter(kind=f"dispute{dispute.pk}_raised", recipient=duty).exists()
    balance = billing_selectors.client_balance(call.client)
    commission = billing_selectors.agency_commission_total(call.member.agency_id)
    client.force_login(duty)
    url = reverse("duty-dispute-decide", args=[call.public_id, dispute.pk])
    form = {
        "decision": "adjust",
        "client_refund": "37.50",
        "agency_correction": "-22.50",
        "reason": "The recording shows 20 minutes.",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, form).status_code == 302
    # Deciding again is refused (readable, nothing moves).
    again = client.post(url, form)
    assert again.status_code == 400
    dispute.refresh_from_db()
    assert (dispute.status, dispute.decided_by) == (DisputeStatus.ADJUSTED, duty)
    assert billing_selectors.client_balance(call.client) == balance + D("37.50")
    assert billing_selectors.agency_commission_total(call.member.agency_id) == (
        commission - D("22.50")
    )
    assert Entry.objects.filter(call_id=call.pk, kind=EntryKind.ADJUSTMENT).count() == 4
    told = set(
        Notification.objects.filter(kind=f"dispute{dispute.pk}_decided").values_list(
            "recipient", flat=True
        )
    )
    assert told == {call.client.pk, agent_for(call).pk}
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert "ledger OK" in out.getvalue()


def test_a_refusal_needs_a_reason_and_moves_nothing(duty):
    call, _session = completed_video()
    dispute = dispute_raise(call=call, actor=call.client, reason="Too expensive")
    before = Entry.objects.count()
    with pytest.raises(DomainError) as info:
        dispute_resolve(dispute=dispute, actor=duty, adjust=False, reason=" ")
    assert info.value.code == "reason_required"
    dispute_resolve(dispute=dispute, actor=duty, adjust=False, reason="45 minutes recorded")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.REFUSED
    assert Entry.objects.count() == before


def test_only_a_settled_call_of_ones_own_can_be_disputed():
    call = book()
    with pytest.raises(DomainError) as info:
        dispute_raise(call=call, actor=call.client, reason="x")
    assert info.value.code == "not_settled"
    settled, _session = completed_video()
    with pytest.raises(DomainError) as info:
        dispute_raise(call=settled, actor=ClientFactory(), reason="x")
    assert info.value.code == "not_found"
    first = dispute_raise(call=settled, actor=settled.client, reason="x")
    assert dispute_raise(call=settled, actor=agent_for(settled), reason="y").pk == first.pk


def test_a_member_unreachable_call_can_be_disputed_by_the_agent(client):
    call = book()
    confirm(call)
    session = schedule(call, operator=OperatorFactory())
    for number in given_numbers(call):
        dial_attempt_log(
            call=call,
            number=number.number,
            result="no_answer",
            actor=session.interpreter,
            now=session.starts_at + timedelta(minutes=1),
        )
    call_services.call_mark_missed(
        call=call,
        actor=session.interpreter,
        outcome="member_unreachable",
        now=session.starts_at + timedelta(minutes=5),
    )
    agent = agent_for(call)
    client.force_login(agent)
    page = client.get(reverse("agent-call", args=[call.public_id])).content.decode()
    assert 'data-testid="dispute-button"' in page
    client.post(reverse("agent-dispute", args=[call.public_id]), {"reason": "We were waiting"})
    assert Dispute.objects.get().raised_by == agent


def test_after_a_refund_the_clients_page_shows_the_new_cost_and_no_second_dispute(client, duty):
    """Issue 25 item 3: the refund is shown, and the matter is settled."""
    call, _session = completed_video()
    dispute = dispute_raise(call=call, actor=call.client, reason="Only 20 minutes")
    dispute_resolve(
        dispute=dispute,
        actor=duty,
        adjust=True,
        reason="The recording shows 20 minutes.",
        client_refund="37.50",
        agency_correction="-22.50",
    )
    client.force_login(call.client)
    page = client.get(reverse("client-call", args=[call.public_id])).content.decode()
    assert "<strong>75.00 credits</strong>" in page  # 112.50 less the 37.50 refunded
    assert "37.50 credits refunded after your dispute" in page
    assert 'data-testid="dispute-button"' not in page
    with pytest.raises(DomainError) as info:
        dispute_raise(call=call, actor=call.client, reason="again")
    assert info.value.code == "already_adjusted"
