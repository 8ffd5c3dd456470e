"""One date format per language (common/dates.py) on every page, admin page, email and CSV.

Every date-bearing page, admin list and page, email template and the statement
CSV is rendered in English and in Russian, and the visible text is checked:
English is 12-hour with AM/PM (never "p.m.", never "p.m.."), Russian is 24-hour
with months in the genitive ("25 ноября", never "25 Ноябрь") and weekdays in
lower case; neither language mixes in numeric dates ("11/25/2026",
"2026-11-25 17:55").
"""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, User
from agents.models import Agency, Member
from calls import services as call_services
from common import dates
from notifications import messages
from notifications.services import render_message
from scheduling.windows_text import as_text

from .factories import DutyManagerFactory, InterpreterFactory, OperatorFactory
from .flows import CLIENT_WINDOWS, agent_for, book, confirm, schedule
from .pages_helpers import reset_language  # noqa: F401

pytestmark = pytest.mark.django_db

# Pinned: an afternoon (12- and 24-hour differ) with a session tomorrow
# evening and a completed call earlier this month (for the statement).
NOW = datetime(2026, 11, 25, 14, 10, tzinfo=UTC)
START = datetime(2026, 11, 26, 17, 55, tzinfo=UTC)
DONE_AT = datetime(2026, 11, 20, 15, 5, tzinfo=UTC)

TIME_24 = re.compile(r"\b([01]?\d|2[0-3]):[0-5]\d\b(?!\s?[AP]M)")
TIME_12 = re.compile(r"\b(1[0-2]|[1-9]):[0-5]\d\s?[AP]M\b")
NUMERIC_DATE = re.compile(r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")
RU_NOMINATIVE_AFTER_DAY = re.compile(
    r"\b\d{1,2}\s+(январь|февраль|март|апрель|май|июнь|июль|август|сентябрь|октябрь|"
    r"ноябрь|декабрь)\b",
    re.IGNORECASE,
)
RU_GENITIVE = re.compile(
    r"\b\d{1,2}\s+(января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|"
    r"ноября|декабря)\b"
)
RU_CAPITAL_WEEKDAY_MID = re.compile(
    r"[,:]\s+(Понедельник|Вторник|Среда|Четверг|Пятница|Суббота|Воскресенье)\b"
)
EN_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template", "textarea", "select"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "textarea", "select"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


# Free text people typed (the agent's "after 18:00") is data, not a format; so
# are the client's windows, read back in the syntax they are typed in
# ("mon-fri 09:00-18:00", scheduling.windows_text), here the fixtures' windows.
DATA = ["after 18:00", as_text(CLIENT_WINDOWS)]


def problems(text: str, language: str) -> list[str]:
    for data in DATA:
        text = text.replace(data, "")
    found = []
    if "a.m." in text or "p.m." in text:
        found.append("a.m./p.m.")
    found += [f"numeric date {m.group(0)}" for m in NUMERIC_DATE.finditer(text)]
    if language == "en":
        found += [f"24-hour {m.group(0)}" for m in TIME_24.finditer(text)]
    else:
        if re.search(r"\b[AP]M\b", text):
            found.append("AM/PM in Russian")
        found += [f"nominative {m.group(0)}" for m in RU_NOMINATIVE_AFTER_DAY.finditer(text)]
        found += [f"capital weekday {m.group(0)}" for m in RU_CAPITAL_WEEKDAY_MID.finditer(text)]
        found += [f"English month {m.group(0)}" for m in EN_MONTH.finditer(text)]
    return found


def assert_one_format(texts: dict[str, str], language: str) -> None:
    bad = {name: problems(text, language) for name, text in texts.items()}
    bad = {name: found for name, found in bad.items() if found}
    lines = [line for name in bad for line in texts[name].splitlines()]
    assert not bad, [line for line in lines if problems(line, language)]
    joined = "\n".join(texts.values())
    if language == "en":
        assert TIME_12.search(joined)  # times were really shown
    else:
        assert RU_GENITIVE.search(joined) and TIME_24.search(joined)


@pytest.fixture(autouse=True)
def compiled_catalogue():
    call_command("compile_translations", verbosity=0)


@pytest.fixture
def scene(django_capture_on_commit_callbacks):
    with time_machine.travel(DONE_AT - timedelta(days=2), tick=False):
        operator = OperatorFactory(time_zone="Europe/Berlin")
        interpreter = InterpreterFactory(time_zone="Europe/Kyiv")
        DutyManagerFactory()
        done = book()
        confirm(done)
        past = schedule(done, operator=operator, interpreter=interpreter, starts_at=DONE_AT)
    call_services.session_start(session=past, actor=interpreter, now=DONE_AT)
    call_services.session_end(
        session=past,
        actor=interpreter,
        talk_seconds=600,
        no_recording_reason="recorder off",
        now=DONE_AT + timedelta(minutes=10),
    )
    with time_machine.travel(NOW, tick=False):
        call = book(client=done.client, member=done.member)
        agent = agent_for(call)
        confirm(call, agent=agent)
        session = schedule(call, operator=operator, interpreter=interpreter, starts_at=START)
        waiting = book(client=done.client, member=done.member)
    return {
        "call": call,
        "session": session,
        "done": done,
        "waiting": waiting,
        "agent": agent,
        "client": call.client,
        "interpreter": interpreter,
        "operator": operator,
    }


def pages(client, user, language, urls) -> dict[str, str]:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    rendered = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        is_csv = response["Content-Type"].startswith("text/csv")
        rendered[url] = body if is_csv else visible(body)
    return rendered


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_page_with_dates_reads_one_way(client, scene, language):
    call, waiting = scene["call"], scene["waiting"]
    readers = {
        scene["client"]: [
            reverse("client-dashboard"),
            reverse("client-call", args=[call.public_id]),
            reverse("client-call", args=[waiting.public_id]),
            reverse("client-balance"),
        ],
        scene["agent"]: [
            reverse("agent-inbox"),
            reverse("agent-call", args=[call.public_id]),
            reverse("agent-statement") + "?month=2026-11",
            reverse("agent-statement-csv") + "?month=2026-11",
        ],
        scene["interpreter"]: [
            reverse("interpreter-day"),
            reverse("interpreter-session", args=[call.public_id]),
        ],
        scene["operator"]: [
            reverse("admin:calls_call_changelist"),
            reverse("admin:calls_call_change", args=[call.pk]),
            reverse("admin:calls_call_change", args=[scene["done"].pk]),
            reverse("admin:calls_session_changelist"),
            reverse("admin:notifications_notification_changelist"),
            reverse("admin:billing_entry_changelist"),
        ],
    }
    rendered = {}
    with time_machine.travel(NOW, tick=False):
        for reader, urls in readers.items():
            rendered.update(pages(client, reader, language, urls))
    assert_one_format(rendered, language)


EMAIL_DIR = Path(settings.BASE_DIR) / "notifications" / "templates" / "notifications"


def recipient_for(template: str, scene) -> object:
    if template.startswith("account_"):
        return scene["client"]  # about a person's own account: anyone's
    audience = template.rsplit("_", 1)[-1]
    if template.endswith("duty_manager"):
        audience = "duty_manager"
    if template.startswith("agent_") and audience not in ("operator",):
        audience = "agent"
    people = {
        "client": scene["client"],
        "agent": scene["agent"],
        "interpreter": scene["interpreter"],
        "operator": scene["operator"],
        "duty_manager": DutyManagerFactory._meta.model.objects.filter(
            role=Role.DUTY_MANAGER
        ).first(),
    }
    return people[audience]


def _names_in_the_scene() -> list[str]:
    """Every person's, member's and agency's name, longest first."""
    names = {user.get_full_name() for user in User.objects.all()}
    names |= set(Member.objects.values_list("full_name", flat=True))
    names |= set(Agency.objects.values_list("name", flat=True))
    return sorted((name for name in names if name.strip()), key=len, reverse=True)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_email_reads_one_way(scene, language):
    session = scene["session"]
    templates = sorted(p.stem for p in EMAIL_DIR.glob("*.txt") if not p.stem.startswith("_"))
    assert len(templates) >= 15
    context = {
        **messages.session_context(session, duty_manager=DutyManagerFactory()),
        "link": "https://example.org/agent/link/x/",
        "agent": scene["agent"],  # who raised the "we were not called" alarm
        "hours": 1,  # how long sign-in is paused (account_sign_in_paused)
    }
    rendered = {}
    with time_machine.travel(NOW, tick=False):
        for template in templates:
            recipient = recipient_for(template, scene)
            recipient.language = language
            subject, body, _html = render_message(
                template=template, recipient=recipient, context=context
            )
            rendered[template] = f"{subject}\n{body}"
    # People's and agencies' names are data, made up at random by the factories
    # ("Alexander May" is not an English month in a Russian email).
    for name in _names_in_the_scene():
        rendered = {template: text.replace(name, "") for template, text in rendered.items()}
    assert_one_format(rendered, language)
    text = "\n".join(rendered.values())
    assert not re.search(r"\d\. \(", text), text  # no stray full stop before a zone
    if language == "ru":
        assert " в 26 ноября" not in text  # "звонок C-10427 26 ноября в 19:55", not "в 26 ноября"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["tomorrow, 7:55 PM", "Thursday, Nov 26, 7:55 PM", "Nov 26, 2026, 7:55 PM"]),
        ("ru", ["завтра, 19:55", "четверг, 26 ноября, 19:55", "26 ноября 2026, 19:55"]),
    ],
)
def test_the_policy_in_each_language(language, expected):
    with translation.override(language), timezone.override("Europe/Kyiv"):
        with time_machine.travel(NOW, tick=False):
            assert dates.format_datetime(START) == expected[0]
            assert dates.format_datetime(START, weekday=True, relative=False) == expected[2]
            assert (
                dates.format_date(START, weekday=True) + ", " + dates.format_time(START)
                == expected[1]
            )


def test_a_time_in_another_zone_says_which_and_only_then():
    with translation.override("en"), timezone.override("Europe/Kyiv"):
        with time_machine.travel(NOW, tick=False):
            assert dates.format_datetime(START, tz="America/New_York") == (
                "tomorrow, 12:55 PM (America/New_York)"
            )
            assert dates.format_datetime(START, tz="Europe/Kyiv") == "tomorrow, 7:55 PM"


@pytest.mark.parametrize(
    ("language", "minutes", "words"),
    [
        ("en", 180, "in 3 hours"),
        ("en", 1, "in 1 minute"),
        ("en", -25, "25 minutes ago"),
        ("ru", 180, "через 3 часа"),
        ("ru", 21, "через 21 минуту"),
        ("ru", 60 * 24 * 5, "через 5 дней"),
    ],
)
def test_how_soon_in_words(language, minutes, words):
    with translation.override(language):
        assert dates.in_words(NOW + timedelta(minutes=minutes), now=NOW) == words


def test_today_is_the_readers_calendar_day_not_utc():
    # 23:30 UTC on Nov 25 is already Nov 26 in Kyiv: "today" there, "tomorrow" nowhere.
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    with translation.override("en"), timezone.override("Europe/Kyiv"):
        assert dates.format_day(late, now=late) == "today"
        assert dates.format_day(late, now=late - timedelta(hours=3)) == "tomorrow"
