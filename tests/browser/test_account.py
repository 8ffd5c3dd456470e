"""A forgotten password, end to end in Chromium: the request, the email's link,
a new password, signing in with it; and the person's own account page."""

import re
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache

from accounts import mail as account_mail
from accounts import tasks

from ..factories import ClientFactory
from .pictures import pictures_dir

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_PASSWORD = "Another-long-pass-93"


def run_now(**kwargs):
    # The worker's job, done at once in the server's thread.
    return account_mail.password_reset_send(**kwargs)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_forgotten_password_is_reset_from_the_emailed_link(new_page, language):
    cache.clear()
    user = ClientFactory(
        username=f"forgetful-{language}", email="me@example.org", language=language
    )
    folder = pictures_dir("i26")
    page = new_page(locale="ru-RU" if language == "ru" else "en-GB")
    page.goto("/login/")
    page.get_by_role("link", name=re.compile("Forgot your password|Забыли пароль")).click()
    page.locator("input[name=email]").fill("me@example.org")
    page.screenshot(path=str(folder / f"reset-request-{language}-phone.png"), full_page=True)
    with mock.patch.object(tasks.password_reset_send, "delay", side_effect=run_now):
        page.locator("form button[type=submit].primary").click()
        page.wait_for_load_state()
    assert "/password-reset/sent/" in page.url
    (message,) = mail.outbox
    link = re.search(r"https?://\S+", message.body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.screenshot(path=str(folder / f"reset-new-password-{language}-phone.png"), full_page=True)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()
    assert page.url.endswith("/password-reset/done/")

    page.goto("/login/")
    page.get_by_label(re.compile("^(Username|Имя пользователя)")).fill(user.username)
    page.get_by_label(re.compile("^(Password|Пароль)")).fill(NEW_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()
    assert "/client/" in page.url
    for width in (1280, 412):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/account/")
        page.screenshot(path=str(folder / f"account-{language}-{width}.png"), full_page=True)


def test_an_unknown_address_gets_the_same_page_and_no_email(new_page):
    cache.clear()
    page = new_page()
    page.goto("/password-reset/")
    page.get_by_label("Email").fill("nobody@example.org")
    with mock.patch.object(tasks.password_reset_send, "delay", side_effect=run_now):
        page.locator("form button[type=submit].primary").click()
        page.wait_for_load_state()
    assert "/password-reset/sent/" in page.url
    assert mail.outbox == []
