"""Issue 25 item 10: on top of django-axes' lockout per (username, address), a
cap per account across addresses, with a notice to the person."""

import pytest
from django.test import Client

from notifications.models import Notification

from .factories import ClientFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-123-word"


def guess(username, password, address):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def test_forty_guesses_from_ten_addresses_hit_the_accounts_cap(settings):
    settings.AXES_ENABLED = True
    settings.ACCOUNT_FAILURE_LIMIT = 20
    person = ClientFactory(email="olena@example.org")
    answers = [guess(person.username, f"wrong-{n}", f"127.0.0.{1 + n % 10}") for n in range(40)]
    # Four per address stays under axes' per-address limit of five...
    assert settings.AXES_FAILURE_LIMIT == 5
    # ...but the account's cap stops the guessing after 20, from any address.
    assert [a.status_code for a in answers[:20]] == [200] * 20
    assert {a.status_code for a in answers[20:]} == {429}
    right = guess(person.username, PASSWORD, "127.0.0.99")  # a fresh address, right password
    assert right.status_code == 429
    notices = Notification.objects.filter(recipient=person, kind="account_sign_in_paused")
    assert notices.count() == 1  # once per cool-off, not once per refusal
    assert "paused for 1 hour" in notices.get().body


def test_under_the_cap_the_right_password_still_works_from_a_new_address(settings):
    settings.AXES_ENABLED = True
    settings.ACCOUNT_FAILURE_LIMIT = 20
    person = ClientFactory()
    for n in range(19):
        guess(person.username, "wrong", f"127.0.1.{1 + n % 10}")
    assert guess(person.username, PASSWORD, "127.0.2.1").status_code == 302
    assert not Notification.objects.filter(kind="account_sign_in_paused").exists()


def test_an_unknown_username_is_capped_too_and_nobody_is_told(settings):
    settings.AXES_ENABLED = True
    settings.ACCOUNT_FAILURE_LIMIT = 3
    answers = [guess("nobody-here", "wrong", f"127.0.3.{n}") for n in range(1, 6)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert not Notification.objects.exists()
