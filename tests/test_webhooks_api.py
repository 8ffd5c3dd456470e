"""The agency's webhooks through the API: its own endpoints only, the secret shown once."""

import pytest
from django.urls import reverse

from webhooks.models import Delivery, Endpoint, Event
from webhooks.secrets import unseal

from .api_helpers import _fresh_throttles, api_as  # noqa: F401  (fixture)
from .factories import AgentFactory, ClientFactory

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.org/interpreted-calls"


def register(api, **overrides):
    body = {"url": URL, "events": [Event.CALL_CONFIRMED, Event.SESSION_MOVED], **overrides}
    return api.post(reverse("api-agent-webhooks"), body, format="json")


def test_an_agent_registers_an_endpoint_and_sees_its_secret_once():
    agent = AgentFactory()
    api = api_as(agent)
    answer = register(api, description="CRM")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    endpoint = Endpoint.objects.get()
    assert endpoint.agency == agent.agency and endpoint.created_by == agent
    assert body["secret"].startswith("whsec_") and unseal(endpoint.secret_sealed) == body["secret"]
    assert body["secret"] not in endpoint.secret_sealed  # sealed at rest
    assert body["events"] == [Event.CALL_CONFIRMED, Event.SESSION_MOVED]
    listed = api.get(reverse("api-agent-webhooks")).json()
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0] and listed[0]["secret_hint"] == body["secret"][:10] + "…"
    detail = api.get(reverse("api-agent-webhook", args=[body["id"]])).json()
    assert "secret" not in detail and "agency" not in detail


def test_bad_input_is_a_readable_400():
    api = api_as(AgentFactory())
    assert register(api, events=["call.exploded"]).status_code == 400
    assert register(api, events=[]).status_code == 400
    refused = register(api, url="ftp://example.org/x")
    assert refused.status_code == 400 and refused.json()["errors"]["url"]
    private = register(api, url="http://127.0.0.1:8000/x")
    assert private.status_code == 400 and private.json()["code"] == "private_address"
    assert not Endpoint.objects.exists()


def test_another_agency_s_endpoint_is_a_404_everywhere():
    theirs = register(api_as(AgentFactory())).json()["id"]
    api = api_as(AgentFactory())
    for name in ("api-agent-webhook", "api-agent-webhook-deliveries"):
        assert api.get(reverse(name, args=[theirs])).status_code == 404
    for name in ("api-agent-webhook-test", "api-agent-webhook-secret", "api-agent-webhook-enable"):
        assert api.post(reverse(name, args=[theirs])).status_code == 404
    assert api.delete(reverse("api-agent-webhook", args=[theirs])).status_code == 404
    assert api.get(reverse("api-agent-webhook", args=["not-a-uuid"])).status_code == 404
    assert api.get(reverse("api-agent-webhooks")).json() == []
    assert Endpoint.objects.count() == 1 and not Delivery.objects.exists()
    # Not an agent at all: the agent's part of the API does not exist.
    assert api_as(ClientFactory()).get(reverse("api-agent-webhooks")).status_code == 404


def test_a_test_event_is_queued_and_shows_in_the_deliveries(django_capture_on_commit_callbacks):
    api = api_as(AgentFactory())
    endpoint_id = register(api).json()["id"]
    sent = api.post(reverse("api-agent-webhook-test", args=[endpoint_id]))
    assert sent.status_code == 202
    assert sent.json()["event"] == "webhook.test" and sent.json()["status"] == "pending"
    page = api.get(reverse("api-agent-webhook-deliveries", args=[endpoint_id])).json()
    assert page["count"] == 1
    (delivery,) = page["results"]
    assert delivery["id"] == sent.json()["id"] and delivery["id"].startswith("msg_")
    assert delivery["payload"]["type"] == "webhook.test" and delivery["tries"] == []
    filtered = api.get(
        reverse("api-agent-webhook-deliveries", args=[endpoint_id]), {"status": "sent"}
    )
    assert filtered.json()["count"] == 0


def test_a_new_secret_is_shown_once_and_delete_removes_the_endpoint():
    api = api_as(AgentFactory())
    created = register(api).json()
    rotated = api.post(reverse("api-agent-webhook-secret", args=[created["id"]]))
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"]
    assert unseal(Endpoint.objects.get().secret_sealed) == rotated.json()["secret"]
    assert api.delete(reverse("api-agent-webhook", args=[created["id"]])).status_code == 204
    assert not Endpoint.objects.exists()
