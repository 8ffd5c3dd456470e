"""Playwright driving Debian's Chromium against pytest-django's live server.

Screenshots of each page go to test-artifacts/screenshots/ so a person can
look at them after the run.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def playwright_session():
    """One Playwright for the whole run: its sync API runs an event loop in this
    thread, and a second one started beside it (a test's own browser with other
    flags) would refuse to run inside the first's loop."""
    if not os.path.exists(CHROMIUM):
        reason = f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but the browser tests {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # The ORM calls the test makes between browser steps are still plain
    # synchronous code, though Playwright's loop runs in this thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_session):
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies) per person."""
    contexts = []

    def open_page(*, locale="en-GB"):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": 412, "height": 915}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request):
    """shot(page, "name"): a full-page screenshot named after the test."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(page, name):
        path = SCREENSHOTS / f"{request.node.name}-{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
