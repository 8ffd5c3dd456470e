"""The agent's "we were not called": from the start time until missed, alerts the
interpreter and the duty manager once, records it, shows the agent whom to phone."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from agents.links import agent_link_token
from calls.models import NotCalledAlarm
from calls.services import call_mark_missed
from calls.services.alarms import not_called_alarm_raise
from common.errors import DomainError
from notifications.models import Notification
from notifications.services import notification_deliver
from notifications.sweeps import sweep_overdue

from .factories import AgentFactory, DutyManagerFactory, OperatorFactory
from .flows import agent_for, book, confirm, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    duty = DutyManagerFactory()
    call = book()
    confirm(call)
    session = schedule(call, operator=OperatorFactory())
    agent = agent_for(call)
    agent.language = "en"
    agent.save(update_fields=["language"])
    return {"call": call, "session": session, "agent": agent, "duty": duty}


def alerts(call):
    return list(
        Notification.objects.filter(call=call, kind="not_called").values_list(
            "recipient__username", flat=True
        )
    )


def test_pressing_twice_alerts_the_interpreter_and_duty_manager_once(
    client, scene, django_capture_on_commit_callbacks
):
    call, session, agent = scene["call"], scene["session"], scene["agent"]
    url = reverse("agent-call", args=[call.public_id])
    with time_machine.travel(session.starts_at - timedelta(minutes=1), tick=False):
        client.force_login(agent)
        assert b'data-testid="alarm-button"' not in client.get(url).content
    with time_machine.travel(session.starts_at + timedelta(minutes=3), tick=False):
        client.force_login(agent)
        page = client.get(url).content.decode()
        assert 'data-testid="alarm-button"' in page
        press = reverse("agent-call-alarm", args=[call.public_id])
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(press, follow=True).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(press)
        assert 'data-testid="alarm-raised"' in first
        # The agent sees whom to phone: the interpreter and the duty manager.
        assert session.interpreter.phone.as_international in first
        assert scene["duty"].phone.as_international in first
    alarm = NotCalledAlarm.objects.get()
    assert (alarm.call, alarm.raised_by, alarm.via_link) == (call, agent, False)
    assert sorted(alerts(call)) == sorted([session.interpreter.username, scene["duty"].username])


def test_the_alarm_records_once_through_the_service_too(scene):
    call, session, agent = scene["call"], scene["session"], scene["agent"]
    now = session.starts_at + timedelta(minutes=1)
    first, created = not_called_alarm_raise(call=call, actor=agent, now=now)
    again, created_again = not_called_alarm_raise(call=call, actor=agent, now=now)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk


def test_no_alarm_before_the_start_or_after_missed(scene):
    call, session, agent = scene["call"], scene["session"], scene["agent"]
    with pytest.raises(DomainError) as info:
        not_called_alarm_raise(call=call, actor=agent, now=session.starts_at - timedelta(seconds=1))
    assert info.value.code == "alarm_not_now"
    call_mark_missed(call=call, actor=None, now=session.starts_at + timedelta(minutes=31))
    call.refresh_from_db()
    with pytest.raises(DomainError):
        not_called_alarm_raise(call=call, actor=agent, now=session.starts_at + timedelta(hours=1))
    assert not NotCalledAlarm.objects.exists()


def test_another_agency_cannot_raise_it(scene):
    with pytest.raises(DomainError) as info:
        not_called_alarm_raise(
            call=scene["call"],
            actor=AgentFactory(),
            now=scene["session"].starts_at + timedelta(minutes=1),
        )
    assert info.value.code == "not_found"


def test_the_emailed_link_raises_it_without_signing_in(
    client, scene, django_capture_on_commit_callbacks
):
    call, session, agent = scene["call"], scene["session"], scene["agent"]
    token = agent_link_token(call=call, agent=agent, purpose="alarm")
    url = reverse("agent-alarm-link", args=[token])
    with time_machine.travel(session.starts_at + timedelta(minutes=12), tick=False):
        page = client.get(url).content.decode()
        assert 'data-testid="alarm-button"' in page
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(url, follow=True).content.decode()
    assert 'data-testid="alarm-raised"' in done
    assert NotCalledAlarm.objects.get().via_link
    assert len(alerts(call)) == 2
    # A confirmation link is not an alarm link, and a forged one is refused.
    confirm_token = agent_link_token(call=call, agent=agent)
    assert client.get(reverse("agent-alarm-link", args=[confirm_token])).status_code == 404


def test_the_overdue_message_gives_the_agent_the_alarm_link(scene):
    call, session, agent = scene["call"], scene["session"], scene["agent"]
    at = session.starts_at + timedelta(minutes=11)
    sweep_overdue(now=at)
    message = Notification.objects.get(call=call, kind="overdue", recipient=agent)
    # Recorded in bulk: the text is written as it leaves.
    notification_deliver(notification_id=message.pk, now=at)
    message.refresh_from_db()
    assert "/agent/alarm/" in message.body
    token = message.body.split("/agent/alarm/")[1].split("/")[0]
    assert agent_link_token  # the link in the message is an alarm link for this call
    from agents.links import agent_link_read

    link = agent_link_read(token, purpose="alarm")
    assert (link.call_public_id, link.agent_id) == (str(call.public_id), agent.pk)


def test_the_emailed_link_opens_in_the_agents_own_language(client, scene):
    call, session, agent = scene["call"], scene["session"], scene["agent"]
    agent.language = "ru"
    agent.save(update_fields=["language"])
    url = reverse(
        "agent-alarm-link", args=[agent_link_token(call=call, agent=agent, purpose="alarm")]
    )
    with time_machine.travel(session.starts_at + timedelta(minutes=12), tick=False):
        page = client.get(url)
        assert '<html lang="ru">' in page.content.decode()
        # A device that chose English keeps it.
        client.cookies["django_language"] = "en"
        assert '<html lang="en">' in client.get(url).content.decode()
