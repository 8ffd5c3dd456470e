"""A person's own account: a forgotten password, a new email address, the
language and zone they read in, and signing out on every device."""

import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from accounts import mail as account_mail
from accounts import services
from accounts.models import User
from common.errors import DomainError
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-123-word"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


# A forgotten password


def test_reset_request_answers_the_same_whether_or_not_the_address_has_an_account(
    client, django_capture_on_commit_callbacks
):
    ClientFactory(username="known", email="known@example.org")
    answers = []
    for email in ["known@example.org", "nobody@example.org"]:
        with mock.patch("accounts.tasks.password_reset_send.delay") as delay:
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post("/password-reset/", {"email": email})
        # The task is queued either way: the request does the same work.
        delay.assert_called_once_with(email=email)
        page = client.get(response["Location"])
        # The page's CSRF token differs per request; nothing else may.
        content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", page.content)
        answers.append((response.status_code, response["Location"], content))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302


def test_reset_requests_are_capped_per_address_silently(client, django_capture_on_commit_callbacks):
    ClientFactory(username="known", email="known@example.org")
    with mock.patch("accounts.tasks.password_reset_send.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            responses = [
                client.post("/password-reset/", {"email": "Known@example.org"}) for _ in range(5)
            ]
    assert delay.call_count == 3
    assert {r["Location"] for r in responses} == {"/password-reset/sent/"}


def test_reset_link_sets_a_new_password_once_in_the_readers_language(client):
    user = ClientFactory(username="anna", email="anna@example.org", language="ru")
    assert account_mail.password_reset_send(email="ANNA@example.org") == 1
    (message,) = mail.outbox
    assert message.to == ["anna@example.org"]
    assert "пароль" in message.subject.lower()
    link = path_of(link_in(message))
    # Django swaps the token for a session key on the first visit.
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "A-new-long-pass-42", "new_password2": "A-new-long-pass-42"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/password-reset/done/"
    user.refresh_from_db()
    assert user.check_password("A-new-long-pass-42")
    # Used once: the same link no longer offers the form.
    again = Client().get(link, follow=True)
    assert again.context["validlink"] is False


def test_reset_sends_nothing_for_an_unknown_or_disabled_address():
    ClientFactory(username="gone", email="gone@example.org", is_active=False)
    assert account_mail.password_reset_send(email="gone@example.org") == 0
    assert account_mail.password_reset_send(email="nobody@example.org") == 0
    assert mail.outbox == []


def test_sign_in_page_offers_the_reset(client):
    assert b'href="/password-reset/"' in client.get("/login/").content


# A new email address


def test_email_change_needs_the_password_and_a_link_sent_to_the_new_address():
    user = ClientFactory(username="bob", email="bob@example.org")
    with pytest.raises(DomainError) as refused:
        services.user_email_change_request(user=user, new_email="b@new.example", password="x")
    assert refused.value.code == "bad_password"
    token = services.user_email_change_request(
        user=user, new_email="b@new.example", password=PASSWORD
    )
    user.refresh_from_db()
    assert user.email == "bob@example.org"
    assert user.pending_email == "b@new.example"
    account_mail.email_change_send(user_id=user.pk, token=token)
    confirm, notice = mail.outbox
    assert confirm.to == ["b@new.example"]
    assert notice.to == ["bob@example.org"]
    assert token in confirm.body
    assert "new.example" not in link_in(confirm), "an address never travels in a URL"


def test_email_change_link_works_once(client):
    user = ClientFactory(username="bob", email="bob@example.org")
    token = services.user_email_change_request(
        user=user, new_email="b@new.example", password=PASSWORD
    )
    assert client.get(f"/account/email/{token}/").status_code == 200
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("b@new.example", "")
    second = client.get(f"/account/email/{token}/")
    assert second.status_code == 400
    assert client.get(f"/account/email/{token}x/").status_code == 404


def test_email_change_link_expires_after_a_day(client):
    user = ClientFactory(username="bob", email="bob@example.org")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token = services.user_email_change_request(
            user=user, new_email="b@new.example", password=PASSWORD
        )
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        response = client.get(f"/account/email/{token}/")
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email == "bob@example.org"


def test_a_newer_request_replaces_the_older_link():
    user = ClientFactory(username="bob", email="bob@example.org")
    first = services.user_email_change_request(
        user=user, new_email="1@new.example", password=PASSWORD
    )
    services.user_email_change_request(user=user, new_email="2@new.example", password=PASSWORD)
    with pytest.raises(DomainError):
        services.user_email_change_confirm(token=first)
    user.refresh_from_db()
    assert user.email == "bob@example.org"


def test_account_page_refuses_a_wrong_password_with_a_sentence(client):
    user = ClientFactory(username="bob", email="bob@example.org")
    client.force_login(user)
    response = client.post(
        "/account/", {"action": "email", "new_email": "b@new.example", "password": "nope"}
    )
    assert response.status_code == 400
    assert "The password is not right." in response.content.decode()
    user.refresh_from_db()
    assert user.pending_email == ""


# Language and time zone


def test_language_and_zone_are_editable_and_the_page_follows(client):
    user = ClientFactory(username="olga", language="en", time_zone="UTC")
    client.force_login(user)
    response = client.post(
        "/account/", {"action": "preferences", "language": "ru", "time_zone": "Europe/Kyiv"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("ru", "Europe/Kyiv")
    page = client.get("/account/")
    assert "Ваш профиль" in page.content.decode()


def test_an_unknown_zone_is_a_form_error(client):
    user = ClientFactory(username="olga", time_zone="UTC")
    client.force_login(user)
    response = client.post(
        "/account/", {"action": "preferences", "language": "en", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.time_zone == "UTC"


# Signing out on every device


def test_sign_out_everywhere_ends_every_session_and_token():
    user = ClientFactory(username="eve")
    laptop, phone = Client(), Client()
    for browser in (laptop, phone):
        assert browser.login(username="eve", password=PASSWORD)
    AuthToken.objects.create(user=user)
    assert phone.get("/account/").status_code == 200

    response = laptop.post("/account/sign-out-everywhere/")
    assert response.status_code == 302

    for browser in (laptop, phone):
        answer = browser.get("/account/")
        assert answer.status_code == 302
        assert answer["Location"].startswith("/login/")
    assert not AuthToken.objects.filter(user=user).exists()
    # Signing in again works.
    assert Client().login(username="eve", password=PASSWORD)


def test_other_people_stay_signed_in():
    ClientFactory(username="eve")
    ClientFactory(username="sam")
    eve, sam = Client(), Client()
    assert eve.login(username="eve", password=PASSWORD)
    assert sam.login(username="sam", password=PASSWORD)
    eve.post("/account/sign-out-everywhere/")
    assert sam.get("/account/").status_code == 200
    assert User.objects.get(username="sam").session_generation == 0
