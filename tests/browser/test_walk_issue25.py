"""Issue 25: the walk repeated in Chromium, in English and in Russian.

Items 3 (late cancel: the warning on a proposed time inside the window, the
cancel box), 13 (the call page and the week board at 1280 px), 14 (the
autumn night's 03:30 on the schedule form: the sentence and the choice) and
15 (texts: the duty page's commission, the tasks, the statement's month).
Each step checks what a person must see and leaves a screenshot in
$WALK_SHOTS (default test-artifacts/screenshots/walk/).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from calls import services
from calls.models import CallKind
from notifications.messages import client_overdrawn_escalate
from scheduling.models import WorkingTime

from ..factories import DutyManagerFactory, InterpreterFactory, MemberFactory, OperatorFactory
from ..flows import agent_for, book, confirm, good_contacts, schedule
from ..test_duty import completed_video
from .pictures import walk_shots_dir
from .test_call_journey import sign_in
from .test_finding_time import ALL_WEEK

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LOCALE = {"en": "en-GB", "ru": "ru-RU"}
TEXT = {
    "en": {
        "late": "Less than 24 hours ahead",
        "twice": "happens twice in Europe/Kyiv",
        "first": "first, before the clocks go back",
        "first_client": "8:30 PM",  # 00:30 UTC on the client's New York clock
        "percent": "60 %",
        "overdrawn": "is overdrawn",
        "month": "Commission statement, December 2026",
    },
    "ru": {
        "late": "До начала меньше 24 ч.",
        "twice": "бывает дважды в поясе Europe/Kyiv",
        "first": "первое, до перевода часов",
        "first_client": "20:30",
        "percent": "60 %",
        "overdrawn": "ушёл в минус",
        "month": "Отчёт о комиссии, декабрь 2026",
    },
}


def _page(browser, live_server, language, width=1280):
    context = browser.new_context(
        base_url=live_server.url,
        locale=LOCALE[language],
        viewport={"width": width, "height": 900},
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def _shot(page, name):
    page.screenshot(path=str(walk_shots_dir() / f"{name}.png"), full_page=True)


def _confirmed_video(language):
    """A confirmed video call whose proposals start within the day (late-cancel window)."""
    interpreter = InterpreterFactory(time_zone="Europe/Kyiv", languages="uk, ru, en")
    WorkingTime.objects.create(interpreter=interpreter, hours=ALL_WEEK)
    member = MemberFactory(time_zone="Europe/Kyiv", languages="ru")
    call = book(member=member, kind=CallKind.VIDEO)
    call.client.language = language
    call.client.save()
    call.client_windows = ALL_WEEK
    call.save()
    services.call_confirm(
        call=call,
        actor=agent_for(call),
        **good_contacts(is_video=True, member=call.member),
        member_windows=ALL_WEEK,
    )
    call.refresh_from_db()
    return call


@pytest.mark.parametrize("language", ["en", "ru"])
def test_walk_items_3_13_14_15(browser, live_server, language):
    t = TEXT[language]

    # Item 3: a time inside the late-cancel window says what cancelling costs.
    call = _confirmed_video(language)
    context, page = _page(browser, live_server, language, width=412)
    sign_in(page, call.client)
    page.goto(reverse("client-call", args=[call.public_id]))
    note = page.get_by_test_id("late-note").first
    expect(note).to_contain_text(t["late"])
    expect(note).to_contain_text("75")
    _shot(page, f"03-client-late-note-{language}")
    context.close()

    # Item 13: the call page and the week board of an operator.
    operator = OperatorFactory(language=language, time_zone="Europe/Kyiv")
    scheduled = book()
    confirm(scheduled)
    schedule(scheduled, operator=operator, starts_at=timezone.now() + timedelta(days=2))
    context, page = _page(browser, live_server, language)
    sign_in(page, operator)
    page.goto(reverse("admin:calls_call_change", args=[scheduled.pk]))
    expect(page.get_by_test_id("top-up")).to_be_visible()
    expect(page.get_by_test_id("breadcrumbs")).to_be_visible()
    _shot(page, f"13-call-page-{language}")
    page.goto(f"{reverse('admin:calls_call_week')}?call={call.pk}")
    expect(page.get_by_test_id("board-proposal").first).to_be_visible()
    _shot(page, f"13-week-board-{language}")

    # Item 14: 03:30 on 2027-10-31 in Kyiv happens twice: the sentence, then the choice.
    other = _confirmed_video(language)
    page.goto(reverse("admin:calls_call_schedule", args=[other.pk]))
    page.locator("#id_starts_at").fill("2027-10-31T03:30")
    page.locator("#id_time_zone").select_option("Europe/Kyiv")
    expect(page.get_by_test_id("zone-times-problem")).to_be_visible()
    _shot(page, f"14-preview-twice-{language}")
    page.get_by_test_id("preview-zones").click()
    expect(page.locator("#content-main")).to_contain_text(t["twice"])
    expect(page.get_by_label(t["first"], exact=False)).to_be_visible()
    _shot(page, f"14-choose-one-{language}")
    page.get_by_label(t["first"], exact=False).check()
    page.get_by_test_id("preview-zones").click()
    expect(page.get_by_test_id("zone-times")).to_contain_text(t["first_client"])
    _shot(page, f"14-chosen-{language}")

    # Item 15: a task in the operator's language.
    client_overdrawn_escalate(
        call_id=scheduled.pk, client_id=scheduled.client_id, balance=Decimal("-12.50")
    )
    page.goto(reverse("admin:index"))
    expect(page.locator("#content")).to_contain_text(t["overdrawn"])
    _shot(page, f"15-front-task-{language}")
    context.close()

    # Item 15: the duty page's commission, and the agent's statement month.
    settled, _session = completed_video()
    duty = DutyManagerFactory(language=language)
    context, page = _page(browser, live_server, language)
    sign_in(page, duty)
    page.goto(reverse("duty-call", args=[settled.public_id]))
    expect(page.locator("main, #content, body").first).to_contain_text(t["percent"])
    _shot(page, f"15-duty-commission-{language}")
    context.close()
    agent = agent_for(settled)
    agent.language = language
    agent.save()
    context, page = _page(browser, live_server, language)
    sign_in(page, agent)
    page.goto(f"{reverse('agent-statement')}?month=2026-12")
    expect(page.locator("h1")).to_contain_text(t["month"])
    _shot(page, f"15-statement-month-{language}")
    context.close()
