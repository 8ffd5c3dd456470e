"""The API docs (Swagger UI and ReDoc) work with no network at all: every
script and style comes from this site, under its Content-Security-Policy."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from ..factories import ClientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "pass-123-word"


def _offline_page(new_page, live_server):
    """A signed-in page whose requests to anywhere but this server fail."""
    page = new_page()
    here = urlsplit(live_server.url).netloc
    elsewhere = []

    def only_here(route):
        if urlsplit(route.request.url).netloc in (here, ""):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_here)
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    client = ClientFactory()
    page.goto("/login/")
    page.locator("#id_username").fill(client.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()
    page.wait_for_url("**/client/**")
    return page, elsewhere, problems


def test_swagger_ui_shows_the_operations_offline(new_page, live_server, shot):
    page, elsewhere, problems = _offline_page(new_page, live_server)
    page.goto("/api/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=30_000)
    assert operations.count() >= 18
    expect(page.get_by_text("/api/v1/calls/").first).to_be_visible()
    shot(page, "swagger")
    assert elsewhere == []
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_redoc_shows_the_operations_offline(new_page, live_server, shot):
    page, elsewhere, problems = _offline_page(new_page, live_server)
    page.goto("/api/redoc/")
    # ReDoc parses the whole schema before it draws: give a loaded machine time.
    expect(page.locator("[data-section-id^='operation/']").first).to_be_attached(timeout=30_000)
    assert page.locator("[data-section-id^='operation/']").count() >= 18
    shot(page, "redoc")
    assert elsewhere == []
    # ReDoc's footer links Redocly's logo from their CDN: the policy blocks that
    # one image (nothing leaves); no script or style may have been refused.
    refused = [p for p in problems if "Content Security Policy" in p and "redoc.ly" not in p]
    assert not refused, problems
