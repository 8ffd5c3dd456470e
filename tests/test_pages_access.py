"""Boundaries of the people's pages: another person's object is a 404 on every page,
another role's page too; home sends each role to its page; the language switch."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from recordings import services as recording_services

from .factories import (
    AgentFactory,
    ClientFactory,
    DutyManagerFactory,
    InterpreterFactory,
    OperatorFactory,
)
from .flows import book, confirm, schedule, start
from .pages_helpers import reset_language  # noqa: F401

pytestmark = pytest.mark.django_db

# Every page that names a call, with the role it belongs to and its method.
OBJECT_PAGES = [
    ("client-call", Role.CLIENT, "get"),
    ("client-call-cancel", Role.CLIENT, "post"),
    ("agent-call", Role.AGENT, "get"),
    ("agent-call", Role.AGENT, "post"),
    ("interpreter-session", Role.INTERPRETER, "get"),
    ("interpreter-session-start", Role.INTERPRETER, "post"),
    ("interpreter-session-end", Role.INTERPRETER, "post"),
    ("interpreter-recording-attach", Role.INTERPRETER, "post"),
    ("interpreter-recording-download", Role.INTERPRETER, "get"),
]


@pytest.fixture
def running_call():
    """A call in progress with a recording: every page has something to show."""
    call = book()
    confirm(call)
    interpreter = InterpreterFactory()
    session = schedule(
        call,
        operator=OperatorFactory(),
        interpreter=interpreter,
        starts_at=timezone.now() + timedelta(minutes=30),
    )
    start(session)
    recording_services.recording_attach(
        session=session, file=SimpleUploadedFile("a.mp3", b"ID3"), actor=interpreter
    )
    return call


def foreign_user(role):
    # Same role, but not this call's client / agency / interpreter.
    return {
        Role.CLIENT: ClientFactory,
        Role.AGENT: AgentFactory,
        Role.INTERPRETER: InterpreterFactory,
    }[role]()


def own_user(call, role):
    return {
        Role.CLIENT: lambda: call.client,
        Role.AGENT: lambda: AgentFactory(agency=call.member.agency),
        Role.INTERPRETER: lambda: call.sessions.get().interpreter,
    }[role]()


@pytest.mark.parametrize(("name", "role", "method"), OBJECT_PAGES)
def test_foreign_object_is_404_on_every_page(client, running_call, name, role, method):
    url = reverse(name, args=[running_call.public_id])
    client.force_login(foreign_user(role))
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize(("name", "role", "method"), OBJECT_PAGES)
def test_another_roles_page_is_404(client, running_call, name, role, method):
    url = reverse(name, args=[running_call.public_id])
    others = [r for r in (Role.CLIENT, Role.AGENT, Role.INTERPRETER) if r != role]
    for other in others:
        client.force_login(own_user(running_call, other))
        assert getattr(client, method)(url).status_code == 404, other


@pytest.mark.parametrize(
    ("name", "role"), [(name, role) for name, role, method in OBJECT_PAGES if method == "get"]
)
def test_own_object_is_not_404(client, running_call, name, role):
    """The 404s above are about ownership, not broken pages (posts: see the page tests)."""
    client.force_login(own_user(running_call, role))
    assert client.get(reverse(name, args=[running_call.public_id])).status_code == 200


def test_unknown_call_is_404(client):
    client.force_login(ClientFactory())
    assert client.get(reverse("client-call", args=[uuid.uuid4()])).status_code == 404


@pytest.mark.parametrize("name", ["client-dashboard", "agent-inbox", "interpreter-day"])
def test_pages_need_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("factory", "target"),
    [
        (ClientFactory, "/client/"),
        (AgentFactory, "/agent/"),
        (InterpreterFactory, "/interpreter/"),
        (OperatorFactory, "/admin/"),
    ],
)
def test_home_sends_each_role_to_its_page(client, factory, target):
    client.force_login(factory())
    assert client.get(reverse("home"))["Location"] == target


def test_home_for_a_duty_manager_is_the_duty_desk(client):
    client.force_login(DutyManagerFactory())
    assert client.get(reverse("home"))["Location"] == reverse("duty-desk")
    assert client.get(reverse("duty-desk")).status_code == 200


def test_sign_in_with_password_lands_on_the_role_page(client):
    user = ClientFactory(username="anna")
    response = client.post(reverse("login"), {"username": "anna", "password": "pass-123-word"})
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == "/client/"
    assert user.pk == int(client.session["_auth_user_id"])


def test_language_switch_updates_the_profile(client):
    user = ClientFactory(language="en")
    client.force_login(user)
    response = client.post(
        reverse("language-switch"), {"language": "ru", "next": reverse("client-dashboard")}
    )
    assert response["Location"] == reverse("client-dashboard")
    user.refresh_from_db()
    assert user.language == "ru"
    page = client.get(reverse("client-dashboard")).content.decode()
    assert 'lang="ru"' in page


def test_language_switch_refuses_foreign_redirects_and_unknown_languages(client):
    user = ClientFactory(language="en")
    client.force_login(user)
    response = client.post(
        reverse("language-switch"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.language == "en"


def test_language_switch_for_anonymous_sets_a_cookie(client):
    response = client.post(reverse("language-switch"), {"language": "ru", "next": "/login/"})
    assert response.cookies["django_language"].value == "ru"
    assert 'lang="ru"' in client.get("/login/").content.decode()


def test_not_found_page_is_readable(client, settings):
    settings.DEBUG = False
    client.force_login(ClientFactory(language="en"))
    response = client.get(reverse("client-call", args=[uuid.uuid4()]))
    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Your role may not open this page"), ("ru", "Вашей роли эта страница недоступна")],
)
def test_a_refusal_page_is_readable_in_the_readers_language(rf, language, words):
    from django.core.exceptions import PermissionDenied
    from django.utils import translation
    from django.views.defaults import permission_denied

    request = rf.get("/admin/somewhere/")
    request.user = ClientFactory(language=language)
    with translation.override(language):
        response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert words in response.content.decode()
