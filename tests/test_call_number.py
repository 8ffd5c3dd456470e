"""One call number (`C-10427`) everywhere: pages, emails, tasks, API, CSV, admin search."""

import pytest
from django.urls import reverse

from common.call_numbers import call_number, pk_from_call_number
from notifications.models import Notification, OperatorTask
from notifications.sweeps import sweep_agents

from .factories import ClientFactory, InterpreterFactory, MemberFactory, OperatorFactory
from .flows import book, confirm, schedule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "pk"),
    [("C-10427", 427), ("c-10427", 427), ("C 10427", 427), ("10427", 427), (" C-10001 ", 1)],
)
def test_a_typed_number_names_its_call(typed, pk):
    assert pk_from_call_number(typed) == pk
    assert call_number(pk) == f"C-{pk + 10000}"


@pytest.mark.parametrize("typed", ["", "427", "C-", "C-10000", "KHA-101", "C-10427x"])
def test_what_is_not_a_number_names_no_call(typed):
    assert pk_from_call_number(typed) is None


def test_a_call_reads_as_its_number():
    call = book()
    assert call.number == call_number(call.pk)
    assert str(call) == call.number


@pytest.fixture
def operator_client(client):
    client.force_login(OperatorFactory())
    return client


def _found(operator_client, term):
    response = operator_client.get(reverse("admin:calls_call_changelist"), {"q": term})
    if response.status_code == 302:  # one call found opens it (issue 25, item 15)
        return {int(response.url.rstrip("/").split("/")[-2])}
    assert response.status_code == 200
    return {call.pk for call in response.context["cl"].result_list}


def test_admin_search_finds_a_call_by_number_public_id_code_name_or_email(operator_client):
    client = ClientFactory(first_name="Margarethe", last_name="Vollmer", email="mv@example.org")
    member = MemberFactory(reference="ZZQ-777")
    call = book(client=client, member=member)
    other = book()
    for term in [
        call.number,
        call.number.lower(),
        call.number.removeprefix("C-"),
        str(call.public_id),
        str(call.public_id)[:8],
        "ZZQ-777",
        "Margarethe",
        "Vollmer",
        "mv@example.org",
    ]:
        assert _found(operator_client, term) == {call.pk}, term
    assert other.pk in _found(operator_client, other.number)


def test_admin_list_and_page_show_the_number(operator_client):
    call = book()
    listing = operator_client.get(reverse("admin:calls_call_changelist")).content.decode()
    assert call.number in listing
    page = operator_client.get(reverse("admin:calls_call_change", args=[call.pk]))
    assert call.number in page.content.decode()


def test_client_page_and_api_show_the_number(client):
    call = book()
    client.force_login(call.client)
    page = client.get(reverse("client-call", args=[call.public_id])).content.decode()
    dashboard = client.get(reverse("client-dashboard")).content.decode()
    assert call.number in page and call.number in dashboard
    answer = client.get(f"/api/v1/calls/{call.public_id}/").json()
    assert answer["number"] == call.number
    listing = client.get("/api/v1/calls/").json()
    assert listing["results"][0]["number"] == call.number


@pytest.mark.parametrize("language", ["en", "ru"])
def test_emails_name_the_call_by_number_in_subject_and_body(
    language, django_capture_on_commit_callbacks
):
    interpreter = InterpreterFactory(language=language)
    with django_capture_on_commit_callbacks(execute=True):
        call = book()
        confirm(call)
        schedule(call, operator=OperatorFactory(), interpreter=interpreter)
    mails = Notification.objects.filter(call=call, recipient=interpreter)
    assert mails.exists()
    for mail in mails:
        assert call.number in mail.subject
        assert call.number in mail.body
        assert "#" not in mail.subject + mail.body and "№" not in mail.subject + mail.body


def test_operator_tasks_name_the_call_by_number(settings):
    call = book()
    settings.NOTIFY_AGENT_DEADLINE_HOURS = 0
    settings.NOTIFY_AGENT_REMINDER_AFTER_HOURS = 0
    sweep_agents()
    task = OperatorTask.objects.get(call=call)
    assert call.number in task.summary
