"""The agent's webhooks page and the operators' admin: the same services, the secret once."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from webhooks import services
from webhooks.models import Delivery, DeliveryStatus, Endpoint, Event
from webhooks.secrets import unseal

from .factories import AgencyFactory, AgentFactory, OperatorFactory

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.org/in"


def test_an_agent_registers_an_endpoint_on_the_page_and_sees_the_secret_once(client):
    agent = AgentFactory()
    client.force_login(agent)
    page = reverse("agent-webhooks")
    assert client.get(reverse("agent-inbox")).content.decode().count(page) == 1
    answer = client.post(
        page, {"action": "register", "url": URL, "events": [Event.CALL_MISSED, Event.SESSION_MOVED]}
    )
    assert answer.status_code == 200
    endpoint = Endpoint.objects.get()
    secret = unseal(endpoint.secret_sealed)
    assert secret in answer.content.decode()
    assert endpoint.agency == agent.agency and endpoint.events == [
        Event.SESSION_MOVED,
        Event.CALL_MISSED,
    ]
    again = client.get(page).content.decode()
    assert secret not in again and URL in again and endpoint.secret_hint in again


def test_bad_input_on_the_page_keeps_what_was_typed(client):
    client.force_login(AgentFactory(language="en"))
    answer = client.post(
        reverse("agent-webhooks"), {"action": "register", "url": "http://10.0.0.1/x"}
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "http://10.0.0.1/x" in text and "not reachable from the internet" in text
    assert not Endpoint.objects.exists()


def test_the_page_sends_a_test_event_and_refuses_another_agency_s_endpoint(client):
    agent = AgentFactory()
    mine, _secret = services.endpoint_create(
        agency=agent.agency, url=URL, events=[Event.CALL_MISSED], actor=agent
    )
    theirs, _secret = services.endpoint_create(
        agency=AgencyFactory(), url=URL, events=[Event.CALL_MISSED], actor=None
    )
    client.force_login(agent)
    page = reverse("agent-webhooks")
    assert client.post(page, {"action": "test", "endpoint": mine.public_id}).status_code == 302
    assert Delivery.objects.get().endpoint == mine
    for action in ("test", "delete", "secret"):
        assert (
            client.post(page, {"action": action, "endpoint": theirs.public_id}).status_code == 404
        )
    assert client.post(page, {"action": "delete", "endpoint": "nonsense"}).status_code == 404
    assert Endpoint.objects.count() == 2
    listed = client.get(page).content.decode()
    assert "webhook.test" in listed
    assert client.post(page, {"action": "delete", "endpoint": mine.public_id}).status_code == 302
    assert list(Endpoint.objects.all()) == [theirs]


def test_an_operator_registers_an_office_endpoint_in_the_admin_and_sees_the_secret_once(client):
    client.force_login(OperatorFactory())
    answer = client.post(
        reverse("admin:webhooks_endpoint_add"),
        {"agency": "", "url": URL, "events": [Event.DISPUTE_OPENED], "description": "ERP"},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    endpoint = Endpoint.objects.get()
    assert endpoint.agency is None and endpoint.events == [Event.DISPUTE_OPENED]
    shown = [str(m) for m in get_messages(answer.wsgi_request)]
    assert any(unseal(endpoint.secret_sealed) in m for m in shown)
    change_url = reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])
    client.get(change_url)  # the page after saving shows the message, once
    change = client.get(change_url)
    assert change.status_code == 200
    assert unseal(endpoint.secret_sealed) not in change.content.decode()
    assert endpoint.secret_hint in change.content.decode()


def test_the_admin_replays_one_delivery_and_all_since_a_time(client):
    client.force_login(OperatorFactory())
    endpoint, _secret = services.endpoint_create(
        agency=None, url=URL, events=[Event.CALL_MISSED], actor=None
    )
    now = timezone.now()
    old = services.endpoint_test_send(endpoint=endpoint, now=now - timedelta(days=2))
    new = services.endpoint_test_send(endpoint=endpoint, now=now - timedelta(hours=1))
    Delivery.objects.update(status=DeliveryStatus.FAILED)
    changelist = reverse("admin:webhooks_delivery_changelist")
    listing = client.get(changelist)
    assert listing.status_code == 200
    assert reverse("admin:webhooks_delivery_replay_since") in listing.content.decode()
    assert client.get(reverse("admin:webhooks_delivery_change", args=[old.pk])).status_code == 200
    client.post(changelist, {"action": "replay", "_selected_action": [old.pk]})
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
    since = timezone.localtime(now - timedelta(hours=3))
    answer = client.post(
        reverse("admin:webhooks_delivery_replay_since"),
        {"since_0": since.strftime("%Y-%m-%d"), "since_1": since.strftime("%H:%M:%S")},
    )
    assert answer.status_code == 302
    new.refresh_from_db()
    assert new.status == DeliveryStatus.PENDING and new.retry_from > now - timedelta(minutes=1)


def test_the_webhooks_page_reads_in_russian(client):
    from django.core.management import call_command

    from .test_pages_i18n import untranslated

    call_command("compile_translations", verbosity=0)
    agent = AgentFactory()
    endpoint, _secret = services.endpoint_create(
        agency=agent.agency, url=URL, events=[Event.CALL_MISSED], actor=agent
    )
    services.endpoint_test_send(endpoint=endpoint)
    services.endpoint_disable(endpoint=endpoint, reason="no successful delivery for 72 hours")
    # Data, not text: the language switch's own name, the endpoint's address.
    data = {agent.username, agent.first_name, agent.last_name, "English", "https", "HTTP"}
    data |= set(agent.agency.name.split()) | set(endpoint.disabled_reason.split())
    assert untranslated(client, agent, [reverse("agent-webhooks")], data) == {}
    agent.refresh_from_db()
    page = client.get(reverse("agent-webhooks")).content.decode()
    assert "Вебхуки" in page and "Зарегистрировать адрес" in page


def test_the_disabled_email_is_in_the_agent_s_language(settings):
    from django.core.management import call_command

    from notifications.models import Notification

    call_command("compile_translations", verbosity=0)
    agent = AgentFactory(language="ru")
    endpoint, _secret = services.endpoint_create(
        agency=agent.agency, url=URL, events=[Event.CALL_MISSED], actor=agent
    )
    services.endpoint_disable(endpoint=endpoint, reason="HTTP 503")
    (told,) = Notification.objects.filter(kind="webhook_disabled")
    assert told.subject == "Ваш адрес вебхуков отключён"
    assert "в течение 72 часов" in told.body and URL in told.body
    assert "Последняя ошибка: HTTP 503" in told.body
    assert reverse("agent-webhooks") in told.body
