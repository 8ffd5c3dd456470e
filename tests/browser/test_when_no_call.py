"""When a call does not happen, in a real browser, in English and in Russian:
the agent presses "we were not called", the interpreter taps each number and
records "member unreachable", the agent disputes it, the duty manager decides
on the duty desk. Screenshots: tests/browser/pictures.py (docs/screenshots/i12/)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from calls.models import NotCalledAlarm
from duty.models import Dispute
from notifications.models import Notification

from ..factories import DutyManagerFactory, OperatorFactory
from ..flows import agent_for, book, confirm, schedule
from .pictures import pictures_dir
from .test_call_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


TEXT = {
    "en": {
        "alarm": "We were not called",
        "alerted": "have been alerted",
        "unreachable": "Member unreachable",
        "desk": "Duty desk",
        "decided": "Decided",
    },
    "ru": {
        "alarm": "Нам не позвонили",
        "alerted": "оповещены",
        "unreachable": "Участница недоступна",
        "desk": "Пульт дежурного",
        "decided": "Решено",
    },
}


def snap(page, language, name):
    page.screenshot(path=str(pictures_dir("i12") / f"{language}-{name}.png"))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_alarm_attempts_and_a_dispute(new_page, language):
    t = TEXT[language]
    locale = {"en": "en-GB", "ru": "ru-RU"}[language]
    duty = DutyManagerFactory(first_name="Maria", last_name="Duty", language=language)
    call = book()
    confirm(call)
    session = schedule(call, operator=OperatorFactory())
    agent = agent_for(call)
    agent.language = language
    agent.save(update_fields=["language"])
    interpreter = session.interpreter
    interpreter.language = language
    interpreter.save(update_fields=["language"])

    with time_machine.travel(session.starts_at + timedelta(minutes=3), tick=True):
        # 1. Nobody calls: the agent presses the alarm, twice; one alarm, one alert each.
        agent_page = new_page(locale=locale)
        sign_in(agent_page, agent)
        agent_page.goto(reverse("agent-call", args=[call.public_id]))
        expect(agent_page.locator("html")).to_have_attribute("lang", language)
        button = agent_page.get_by_test_id("alarm-button")
        expect(button).to_have_text(t["alarm"])
        snap(agent_page, language, "1-agent-alarm-button")
        button.click()
        expect(agent_page.get_by_test_id("alarm-raised")).to_contain_text(t["alerted"])
        expect(agent_page.get_by_test_id("alarm-contacts")).to_contain_text(
            interpreter.phone.as_international
        )
        expect(agent_page.get_by_test_id("alarm-contacts")).to_contain_text("Maria Duty")
        agent_page.get_by_test_id("alarm-raised").scroll_into_view_if_needed()
        snap(agent_page, language, "2-agent-alarm-raised")
        agent_page.goto(reverse("agent-call", args=[call.public_id]))
        expect(agent_page.get_by_test_id("alarm-button")).to_have_count(0)
        assert NotCalledAlarm.objects.filter(call=call).count() == 1
        assert Notification.objects.filter(call=call, kind="not_called").count() == 2

        # 2. The interpreter taps "no answer" on every number, then records the outcome.
        interp = new_page(locale=locale)
        sign_in(interp, interpreter)
        interp.goto(reverse("interpreter-session", args=[call.public_id]))
        taps = interp.locator('button[data-result="no_answer"]')
        expect(taps).to_have_count(3)
        for index in range(3):
            interp.locator('button[data-result="no_answer"]').nth(index).click()
            interp.wait_for_load_state()
        expect(interp.get_by_test_id("attempt")).to_have_count(3)
        interp.locator("#attempts").scroll_into_view_if_needed()
        snap(interp, language, "3-interpreter-attempts")
        interp.locator("select[name=outcome]").select_option("member_unreachable")
        interp.locator("#outcome button[type=submit]").click()
        expect(interp.get_by_test_id("outcome")).to_contain_text(t["unreachable"])
        snap(interp, language, "4-interpreter-outcome")

        # 3. The agent disputes it from the call page.
        agent_page.goto(reverse("agent-call", args=[call.public_id]))
        expect(agent_page.get_by_test_id("attempt")).to_have_count(3)
        agent_page.locator("#id_dispute_reason").fill("Our phone was on; we were waiting.")
        agent_page.locator("#dispute").scroll_into_view_if_needed()
        snap(agent_page, language, "5-agent-dispute")
        agent_page.get_by_test_id("dispute-button").click()
        expect(agent_page.get_by_test_id("dispute-status")).to_have_count(1)
        dispute = Dispute.objects.get(call=call)

        # 4. The duty manager sees it on the desk and decides with everything on one page.
        desk = new_page(locale=locale)
        sign_in(desk, duty)
        expect(desk).to_have_url(re.compile(r"/duty/$"))
        expect(desk.locator("h1")).to_have_text(t["desk"])
        expect(desk.get_by_test_id("disputes")).to_contain_text(call.number)
        expect(desk.get_by_test_id("alarms")).to_contain_text(call.number)
        snap(desk, language, "6-duty-desk")
        desk.get_by_test_id("disputes").get_by_role("link").first.click()
        expect(desk.get_by_test_id("timeline")).to_be_visible()
        expect(desk.get_by_test_id("attempt")).to_have_count(3)
        expect(desk.get_by_test_id("billing")).to_be_visible()
        if language == "en":  # a goodwill correction for the agency
            desk.locator("input[name=decision][value=adjust]").check()
            desk.locator("input[name=agency_correction]").fill("10.00")
        else:
            desk.locator("input[name=decision][value=refuse]").check()
        desk.locator("textarea[name=reason]").fill("All three numbers were tried from 10:00.")
        desk.locator("#decide").scroll_into_view_if_needed()
        snap(desk, language, "7-duty-decide")
        desk.get_by_test_id("decide").click()
        expect(desk.locator(".messages")).to_contain_text(t["decided"])
        expect(desk.get_by_test_id("dispute-decision")).to_be_visible()
        snap(desk, language, "8-duty-decided")
    dispute.refresh_from_db()
    assert dispute.status == ("adjusted" if language == "en" else "refused")
    told = Notification.objects.filter(kind=f"dispute{dispute.pk}_decided")
    assert {n.recipient_id for n in told} == {call.client_id, agent.pk}
