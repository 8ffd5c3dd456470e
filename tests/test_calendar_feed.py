"""Each person's calendar feed: a secret URL (stored as a digest), revocable and
remade on the person's page; the same UIDs and SEQUENCEs as the invites; a month
back to the horizon, cancelled calls shown cancelled for a month; 304 for an app
that has this version; a constant number of queries whatever the feed's size."""

import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.urls import reverse

from calendars import invites, selectors
from calendars.models import CalendarFeed
from calendars.services import calendar_feed_make, token_digest
from calls import services
from calls.models import Call, Session
from notifications.models import Notification

from .calendar_support import parse
from .factories import (
    AgentFactory,
    ClientFactory,
    InterpreterFactory,
    MemberFactory,
    OperatorFactory,
    aware,
)
from .flows import book, confirm

pytestmark = pytest.mark.django_db

NOW = aware(2030, 3, 1, 9, 0)


def scheduled(*, client=None, interpreter=None, days=2, operator=None):
    call = book(client=client or ClientFactory(), now=NOW)
    confirm(call, now=NOW)
    services.session_schedule(
        call=call,
        starts_at=NOW + timedelta(days=days),
        interpreter=interpreter or InterpreterFactory(),
        actor=operator or OperatorFactory(username="feed-operator"),
        now=NOW,
    )
    return call


def feed_path(token):
    return reverse("calendar-feed", args=[token])


def events_by_uid(body):
    return {str(e["UID"]): e for e in parse(body).events}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_a_person_makes_their_link_on_their_page_and_it_is_stored_only_as_a_digest(client, clock):
    person = ClientFactory()
    client.force_login(person)
    page = client.post(reverse("calendar-page"), {"action": "make"})
    assert page.status_code == 200
    (url,) = re.findall(r'value="(https?://[^"]+/calendar/[^"/]+\.ics)"', page.content.decode())
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(person=person)
    assert feed.digest == token_digest(token) and token not in feed.digest
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    # The page afterwards no longer shows it.
    assert token not in client.get(reverse("calendar-page")).content.decode()
    response = client.get(feed_path(token))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    parse(response.content)


def test_the_feed_and_the_invites_share_uid_and_sequence(
    client, clock, django_capture_on_commit_callbacks
):
    person = ClientFactory(time_zone="Asia/Tokyo")
    with django_capture_on_commit_callbacks(execute=True):
        call = scheduled(client=person)
        services.session_schedule(
            call=call,
            starts_at=NOW + timedelta(days=5),
            interpreter=InterpreterFactory(),
            actor=OperatorFactory(username="feed-operator"),
            now=NOW,
        )
    token = calendar_feed_make(person=person)
    event = events_by_uid(client.get(feed_path(token)).content)[invites.event_uid(call)]
    latest_invite = (
        Notification.objects.filter(recipient=person, call=call)
        .exclude(calendar="")
        .order_by("-id")
        .first()
    )
    (invited,) = parse(latest_invite.calendar).events
    assert invited["UID"] == event["UID"]
    assert invited["SEQUENCE"] == event["SEQUENCE"] == 1
    assert invited["DTSTART"].dt == event["DTSTART"].dt
    assert str(parse(client.get(feed_path(token)).content)["METHOD"]) == "PUBLISH"


def test_the_feed_answers_304_to_an_app_that_has_this_version_and_200_after_a_change(client, clock):
    person = ClientFactory()
    call = scheduled(client=person)
    token = calendar_feed_make(person=person)
    first = client.get(feed_path(token))
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert client.get(feed_path(token), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(feed_path(token), HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    later = NOW + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        services.call_cancel(call=call, actor=OperatorFactory(username="feed-operator"), now=later)
        changed = client.get(feed_path(token), HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200
        assert changed["ETag"] != etag
        stale_since = client.get(feed_path(token), HTTP_IF_MODIFIED_SINCE=last_modified)
        assert stale_since.status_code == 200
    event = events_by_uid(changed.content)[invites.event_uid(call)]
    assert str(event["STATUS"]) == "CANCELLED"


def test_a_304_is_answered_without_writing_the_calendar_and_a_new_language_is_a_new_version(
    client, clock
):
    person = ClientFactory(language="en")
    scheduled(client=person)
    token = calendar_feed_make(person=person)
    etag = client.get(feed_path(token))["ETag"]
    with mock.patch.object(invites, "feed", side_effect=AssertionError("built")):
        assert client.get(feed_path(token), HTTP_IF_NONE_MATCH=etag).status_code == 304
    person.language = "ru"
    person.save()
    again = client.get(feed_path(token), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag


def test_a_revoked_or_remade_link_is_a_404(client, clock):
    person = ClientFactory()
    client.force_login(person)
    old = calendar_feed_make(person=person)
    new = calendar_feed_make(person=person)
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200
    client.post(reverse("calendar-page"), {"action": "revoke"})
    assert client.get(feed_path(new)).status_code == 404
    assert client.get(feed_path("not-a-token")).status_code == 404


def test_the_feed_holds_a_month_back_to_the_horizon_and_cancellations_for_a_month(client, settings):
    settings.CALENDAR_FEED_HORIZON_DAYS = 60
    person = ClientFactory()
    operator = OperatorFactory(username="feed-operator")
    with time_machine.travel(NOW, tick=False):
        soon = scheduled(client=person, days=2)
        far = scheduled(client=person, days=59)
        beyond = scheduled(client=person, days=61)
        cancelled_now = scheduled(client=person, days=3)
        services.call_cancel(call=cancelled_now, actor=operator, now=NOW)
    token = calendar_feed_make(person=person)
    with time_machine.travel(NOW, tick=False):
        uids = events_by_uid(client.get(feed_path(token)).content)
    assert set(uids) == {invites.event_uid(c) for c in (soon, far, cancelled_now)}
    assert str(uids[invites.event_uid(cancelled_now)]["STATUS"]) == "CANCELLED"
    # 29 days later: the soon call is 27 days past (kept), the cancellation 29 days old (kept).
    with time_machine.travel(NOW + timedelta(days=29), tick=False):
        uids = events_by_uid(client.get(feed_path(token)).content)
    assert invites.event_uid(soon) in uids and invites.event_uid(cancelled_now) in uids
    # 33 days later: both have left the feed; the far one is still there.
    with time_machine.travel(NOW + timedelta(days=33), tick=False):
        uids = events_by_uid(client.get(feed_path(token)).content)
    assert set(uids) == {invites.event_uid(far), invites.event_uid(beyond)}


def test_each_person_s_feed_holds_only_their_calls(client, clock):
    mine, theirs = ClientFactory(), ClientFactory()
    first_interpreter = InterpreterFactory()
    my_call = scheduled(client=mine, interpreter=first_interpreter)
    their_call = scheduled(client=theirs, days=3)
    # My call goes to another interpreter: the first one's feed shows it cancelled.
    services.session_schedule(
        call=my_call,
        starts_at=NOW + timedelta(days=4),
        interpreter=InterpreterFactory(),
        actor=OperatorFactory(username="feed-operator"),
        now=NOW,
    )
    agent = my_call.confirmation.confirmed_by
    feeds = {
        "client": calendar_feed_make(person=mine),
        "agent": calendar_feed_make(person=agent),
        "first_interpreter": calendar_feed_make(person=first_interpreter),
        "operator": calendar_feed_make(person=OperatorFactory()),
    }
    seen = {who: events_by_uid(client.get(feed_path(t)).content) for who, t in feeds.items()}
    mine_uid, theirs_uid = invites.event_uid(my_call), invites.event_uid(their_call)
    assert set(seen["client"]) == {mine_uid}
    # Another agency's call (book() places each member with an agency of its own).
    assert their_call.member.agency_id != agent.agency_id
    assert set(seen["agent"]) == {mine_uid}
    assert set(seen["first_interpreter"]) == {mine_uid}
    assert str(seen["first_interpreter"][mine_uid]["STATUS"]) == "CANCELLED"
    assert {mine_uid, theirs_uid} <= set(seen["operator"])


def many_sessions(client_user, count, kind="phone_interpreted"):
    """`count` scheduled calls for one client, written directly (the feed reads rows)."""
    member = MemberFactory()
    AgentFactory(agency=member.agency)
    interpreter = InterpreterFactory()
    for n in range(count):
        call = Call.objects.create(
            client=client_user,
            member=member,
            kind=kind,
            planned_minutes=30,
            state="scheduled",
            created_by=client_user,
            created_at=NOW,
            state_changed_at=NOW,
        )
        starts = NOW + timedelta(days=n % 300, hours=n // 300 * 2)
        Session.objects.create(
            call=call,
            interpreter=interpreter,
            starts_at=starts,
            planned_end=starts + timedelta(minutes=30),
            blocked_from=starts,
            blocked_until=starts + timedelta(minutes=45),
        )


@pytest.mark.parametrize("kind", ["phone_interpreted", "video"])
@pytest.mark.parametrize("size", [2, 50])
def test_a_feed_is_read_in_the_same_number_of_queries_whatever_its_size(
    client, clock, size, kind, settings, django_assert_num_queries
):
    # With video rooms on, each video event carries the reader's own room link.
    settings.ROOMS_CLIENT_JS_READY = True
    settings.JANUS_URL = "http://127.0.0.1:8088/janus"
    person = ClientFactory()
    many_sessions(person, size, kind=kind)
    token = calendar_feed_make(person=person)
    # One to find whose feed it is, one for all of its calls.
    with django_assert_num_queries(2):
        response = client.get(feed_path(token))
    events = parse(response.content).events
    assert len(events) == size
    if kind == "video":
        assert all("/room/" in str(event.get("LOCATION")) for event in events)


def test_the_call_page_download_is_the_same_event_for_its_reader_only(client, clock):
    person = ClientFactory()
    call = scheduled(client=person)
    url = reverse("calendar-call", args=[call.public_id])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(ClientFactory())
    assert client.get(url).status_code == 404
    client.force_login(person)
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    (event,) = parse(response.content).events
    assert str(event["UID"]) == invites.event_uid(call)
    appointment = selectors.appointment_for_call(call.pk, person)
    assert event["SEQUENCE"] == appointment.sequence


def test_the_office_call_page_offers_the_download_once_the_call_has_a_session(client, clock):
    operator = OperatorFactory(username="feed-operator")
    waiting = book(now=NOW)
    call = scheduled(operator=operator)
    client.force_login(operator)
    page = client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()
    url = reverse("calendar-call", args=[call.public_id])
    assert f'href="{url}"' in page
    unscheduled = reverse("admin:calls_call_change", args=[waiting.pk])
    assert "/calendar/call/" not in client.get(unscheduled).content.decode()
    (event,) = parse(client.get(url).content).events
    assert str(event["UID"]) == invites.event_uid(call)


def test_signing_out_everywhere_switches_the_calendar_link_off(client, clock):
    person = ClientFactory()
    token = calendar_feed_make(person=person)
    assert client.get(feed_path(token)).status_code == 200
    client.force_login(person)
    client.post(reverse("sign-out-everywhere"))
    assert client.get(feed_path(token)).status_code == 404
    assert not CalendarFeed.objects.filter(person=person).exists()
