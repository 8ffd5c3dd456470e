"""Issue 25, item 15: the texts the walk found wrong, in English and in Russian.

Commission as "6E+1 %", amounts in the duty manager's language in a Russian
email, a capitalised month mid-sentence, the member's gender, numbers in raw
E.164, "Calls › Calls", a search with one hit that stays on the list, task
summaries frozen in English, slot labels in a format of their own.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import polib
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import CommissionRule, Kind, Tariff
from calls.proposals import local_text
from common import dates
from duty.services import dispute_raise, dispute_resolve
from notifications.messages import client_overdrawn_escalate
from notifications.models import Notification, OperatorTask

from .factories import ClientFactory, DutyManagerFactory, OperatorFactory
from .flows import agent_for, book, confirm, own_number, schedule
from .test_duty import completed_video

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]
SOME_DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_commission_and_tariff_read_as_numbers_in_both_languages():
    rule = CommissionRule(
        kind=Kind.VIDEO,
        percent=Decimal("60.00"),
        minimum_amount=Decimal("45.00"),
        effective_from=SOME_DAY,
    )
    phone = CommissionRule(
        kind=Kind.PHONE_DIRECT, percent=Decimal("20.00"), minimum_amount=0, effective_from=SOME_DAY
    )
    tariff = Tariff(kind=Kind.VIDEO, price_per_minute=Decimal("10.00"), effective_from=SOME_DAY)
    with translation.override("en"):
        assert "60 %" in str(rule) and "45.00" in str(rule)
        assert "20 %" in str(phone)
        assert "10 a minute" in str(tariff)
        assert "Nov 2, 2026" in str(rule)
    with translation.override("ru"):
        assert "60 %" in str(rule) and "45,00" in str(rule)
        assert "10 в минуту" in str(tariff)
        assert "2 ноября 2026" in str(rule)
    for text in (str(rule), str(phone), str(tariff)):
        assert "E+" not in text


def test_the_duty_page_shows_the_commission_as_a_number(client):
    call, _session = completed_video()
    duty = DutyManagerFactory(language="ru")
    client.force_login(duty)
    page = client.get(reverse("duty-call", args=[call.public_id])).content.decode()
    assert "60 %" in page
    assert "E+" not in page
    assert " from 20" not in page  # the who-pays policy's date, by the date policy too


def test_a_dispute_decision_names_the_amounts_in_the_readers_language():
    call, _session = completed_video()
    call.client.language = "ru"
    call.client.save()
    duty = DutyManagerFactory(language="en")
    dispute = dispute_raise(call=call, actor=call.client, reason="Cut off")
    with translation.override("en"):  # the duty manager works in English
        dispute_resolve(
            dispute=dispute, actor=duty, adjust=True, client_refund=Decimal("75.00"), reason="ok"
        )
    told = Notification.objects.get(kind__endswith="_decided", recipient=call.client)
    assert "75,00 кредит" in told.body
    assert "75.00 credits" not in told.body


# --- item 17: the API docs ---------------------------------------------------------


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_the_api_docs_send_a_visitor_to_sign_in_and_back(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"
    client.force_login(ClientFactory())
    assert client.get(url).status_code == 200


# --- the office's screens ------------------------------------------------------


@pytest.fixture
def office(client):
    operator = OperatorFactory(language="en", time_zone="Europe/Berlin")
    client.force_login(operator)
    client.operator = operator
    return client


def test_the_call_pages_say_calls_once_in_the_breadcrumbs(office):
    call = book()
    for url in (
        reverse("admin:calls_call_changelist"),
        reverse("admin:calls_call_change", args=[call.pk]),
    ):
        page = office.get(url).content.decode()
        crumbs = page[page.index('class="breadcrumbs"') :]
        crumbs = re.sub(r"<[^>]+>", "", crumbs[: crumbs.index("</div>")])
        assert crumbs.count("Calls") == 1, crumbs


def test_a_search_with_one_hit_opens_the_call(office):
    call = book(client=ClientFactory(last_name="Vollmerhausen"))
    response = office.get(reverse("admin:calls_call_changelist"), {"q": call.number})
    assert response.status_code == 302
    assert response.url == reverse("admin:calls_call_change", args=[call.pk])
    # Two hits stay a list; a filtered list is left alone even with one row.
    book(client=call.client, fund=True)
    both = office.get(reverse("admin:calls_call_changelist"), {"q": "Vollmerhausen"})
    assert both.status_code == 200
    assert both.context["cl"].result_count == 2
    filtered = office.get(
        reverse("admin:calls_call_changelist"), {"q": call.number, "state__exact": call.state}
    )
    assert filtered.status_code == 200


def test_numbers_read_in_the_international_format_where_people_read_them(office):
    from common.phones import readable  # new with this change: imported here, not at collection

    call = book()
    confirm(call)
    schedule(call, operator=office.operator)
    page = office.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()
    number = own_number(call.member)
    assert readable(number) in page
    assert f">{number}<" not in page and f": {number}" not in page
    assert readable("+380671234567") == "+380 67 123 4567"
    assert readable("") == "" and readable("not a number") == "not a number"


def test_the_statement_names_the_month_in_lower_case_mid_sentence(client):
    call = book()
    agent = agent_for(call)
    agent.language = "ru"
    agent.save()
    client.force_login(agent)
    page = client.get(reverse("agent-statement"), {"month": "2026-12"}).content.decode()
    assert "Отчёт о комиссии, декабрь 2026" in page
    translation.activate("en")
    client.force_login(agent)
    with translation.override("en"):
        assert dates.format_month(date(2026, 12, 1), in_sentence=True) == "December 2026"


MASCULINE_MEMBER = re.compile(r"\bучастник(|а|у|ом|е)\b", re.IGNORECASE)


def test_the_russian_texts_speak_of_the_member_in_one_gender():
    found = []
    for path in ROOT.glob("**/locale/ru/LC_MESSAGES/django.po"):
        if ".venv" in path.parts:
            continue
        for entry in polib.pofile(str(path)):
            for text in (entry.msgstr, *entry.msgstr_plural.values()):
                if MASCULINE_MEMBER.search(text):
                    found.append(f"{path.parent.parent.parent.parent.name}: {text[:60]}")
    assert found == []


def test_a_task_reads_in_the_operators_language():
    call = book()
    task = client_overdrawn_escalate(
        call_id=call.pk, client_id=call.client_id, balance=Decimal("-12.50")
    )
    assert "is overdrawn" in task.summary and "-12.50 credits" in task.summary
    with translation.override("ru"):
        text = OperatorTask.objects.get(pk=task.pk).summary_text
    assert "is overdrawn" not in text
    assert "-12,50 кредит" in text and call.number in text


def test_the_russian_admin_shows_tasks_in_russian(client):
    call = book()
    client_overdrawn_escalate(call_id=call.pk, client_id=call.client_id, balance=Decimal("-1"))
    client.force_login(OperatorFactory(language="ru"))
    page = client.get(reverse("admin:notifications_operatortask_changelist")).content.decode()
    assert "is overdrawn" not in page
    assert call.number in page


def test_a_move_request_task_reads_in_russian_with_times_in_the_readers_zone():
    from notifications.task_texts import task_summary  # new with this change

    summary = task_summary(
        "Call %(call)s: %(who)s asks to move the session of %(start)s%(target)s.%(late)s%(reason)s",
        call="C-10001",
        who={"t": "the client"},
        start={"moment": "2027-06-09T13:00:00+00:00"},
        target="",
        late={"t": " Less than %(hours)s hours ahead.", "p": {"hours": 24}},
        reason={"t": " Reason: %(reason)s", "p": {"reason": "ill"}},
    )
    assert "Jun 9, 2027, 1:00 PM (UTC)" in summary["summary"]
    task = OperatorTask(
        summary=summary["summary"], **{k: summary[k] for k in summary if k != "summary"}
    )
    with translation.override("ru"), timezone.override(ZoneInfo("Europe/Kyiv")):
        text = task.summary_text
    assert "9 июня 2027, 16:00" in text and "клиент" in text and "ill" in text


def test_slot_labels_follow_the_date_policy():
    moment = datetime(2027, 3, 29, 13, 0, tzinfo=UTC)
    with translation.override("en"):
        assert local_text(moment, "Europe/Kyiv").endswith("4:00 PM")
        assert "Mar 29" in local_text(moment, "Europe/Kyiv")
    with translation.override("ru"):
        text = local_text(moment, "Europe/Kyiv")
        assert "29 марта" in text and text.endswith("16:00") and "Мар" not in text
