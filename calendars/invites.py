"""iCalendar for a call's appointment (RFC 5545; METHOD per RFC 5546), built with `icalendar`.

One call is one event in people's calendars for its whole life: a reschedule
supersedes the call's session with a new one, so the UID is the call's
(`session-<call public id>@<site host>`), never a session row's, and a move
updates the event instead of adding a second one. SEQUENCE counts the
changes (calendars.selectors.appointment_sequence): it rises on every
schedule, move and cancel, and an email's invite and the feed agree on it.

Times are written in the reader's zone (`DTSTART;TZID=`) with a VTIMEZONE
block made from the IANA rules for the years around the event, so a reader
whose calendar app ignores the zone's name still lands on the right instant on
both sides of a DST change. Texts are in the reader's language; what the
attendee list shows of whom follows what each reader's emails already show
(see `_attendees`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role
from accounts.pages import absolute_url, call_page_url
from calls.models import Session
from rooms.services import room_url_for

PRODID = "-//Interpreted calls//Calendar invites 1.0//EN"
ALARM_BEFORE = timedelta(minutes=15)

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"


@dataclass(frozen=True)
class Appointment:
    """A call's place in one reader's calendar, as things stand.

    `session` is the call's latest session (loaded with its facts); `cancelled`
    is true when the call was cancelled, or when this reader is an interpreter
    the call was taken from; `changed_at` is the last change (DTSTAMP of the
    feed, LAST-MODIFIED)."""

    session: Session
    sequence: int
    cancelled: bool
    changed_at: datetime


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "calls.invalid"


def event_uid(call) -> str:
    """The event's UID for the call's whole life (see the module docstring)."""
    return f"session-{call.public_id}@{site_host()}"


def call_ics_url(call) -> str:
    """Where a signed-in person downloads the call's event ("add to calendar");
    "" where the pages are not wired (a test's URLconf)."""
    try:
        return absolute_url(reverse("calendar-call", args=[call.public_id]))
    except NoReverseMatch:
        return ""


def video_place(call, reader) -> str:
    """The agent's video handle: where a video call happens when the office's
    own rooms are off here (`video_room_link` says "")."""
    confirmation = getattr(call, "confirmation", None)
    return confirmation.video_handle if confirmation else ""


def video_room_link(appointment: Appointment, reader) -> str:
    """`reader`'s own join link to the session's video room (`/room/<token>/`), for
    LOCATION, CONFERENCE and DESCRIPTION; "" when there is none for them: not a
    video call, rooms off here, the event is off for them (a CANCEL, an
    interpreter taken off the call), or they are none of its parties (the
    office). Each party's link is their own, and the same string every time
    it is written (rooms.links), so a feed's ETag does not change with it."""
    if appointment.cancelled:
        return ""
    return room_url_for(session=appointment.session, recipient=reader)


def method_of(ics: str) -> str:
    """The METHOD of an invite's text (REQUEST, CANCEL or PUBLISH)."""
    return str(icalendar.Calendar.from_ical(ics)["METHOD"])


def invite(appointment: Appointment, *, reader, stamp: datetime) -> tuple[str, str]:
    """The (METHOD, .ics text) an email about this appointment carries for `reader`:
    REQUEST while it stands, CANCEL once it is off for them. `stamp` is when
    the email is written (DTSTAMP)."""
    method = CANCEL if appointment.cancelled else REQUEST
    calendar = _calendar(method=method)
    with translation.override(reader.language):
        calendar.add_component(_event(appointment, reader=reader, stamp=stamp))
    return method, _with_timezones(calendar, [appointment]).to_ical().decode()


def feed(appointments: list[Appointment], *, reader, name: str = "") -> bytes:
    """A subscribable calendar (METHOD:PUBLISH) of these appointments for `reader`.

    Deterministic for the same facts (DTSTAMP is each event's last change, not
    the time of the request): the same version reads the same each time."""
    calendar = _calendar(method=PUBLISH)
    with translation.override(reader.language):
        calendar.add("X-WR-CALNAME", name or _("Interpreted calls"))
        calendar.add("X-WR-TIMEZONE", reader.time_zone)
        # Ask subscribed apps to look again every hour (RFC 7986, and Outlook's own name).
        calendar.add("REFRESH-INTERVAL", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", "PT1H")
        for appointment in appointments:
            calendar.add_component(_event(appointment, reader=reader, stamp=appointment.changed_at))
    return _with_timezones(calendar, appointments).to_ical()


def wall_clock(instant: datetime, zone) -> datetime:
    """`instant` as the reader's wall clock (written `DTSTART;TZID=`), or in UTC
    when the wall clock can't say it: RFC 5545 reads a local time that occurs
    twice (the autumn hour) as its first occurrence, so an instant in the
    repeated hour's second pass is written in UTC (`...Z`), which every
    calendar app shows in the reader's zone anyway."""
    local = instant.astimezone(zone)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return instant.astimezone(UTC)
    return local


def _calendar(*, method: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    return calendar


def _with_timezones(calendar: icalendar.Calendar, appointments) -> icalendar.Calendar:
    """Add a VTIMEZONE for each zone the events use, covering from the January a
    year before the first event to the January two years after the last (the
    rules in force then, both DST changes included). UTC values need none."""
    if appointments:
        years = [a.session.starts_at.year for a in appointments]
        first, last = min(years), max(years)
    else:
        first = last = date.today().year
    used = {
        str(prop.params["TZID"])
        for event in calendar.events
        for prop in (event.get("DTSTART"), event.get("DTEND"))
        if prop is not None and "TZID" in prop.params
    }
    for tzid in sorted(used):
        calendar.subcomponents.insert(0, vtimezone(tzid, first - 1, last + 2))
    return calendar


@functools.lru_cache(maxsize=512)
def vtimezone(tzid: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """The zone's VTIMEZONE from the IANA rules between two New Years, made once per
    process: icalendar finds the changes by searching the offsets hour by hour
    (about 10 ms a year, more for a zone without changes), and every invite of a
    zone in the same years gets the same block. Depends on the zone data only."""
    return icalendar.Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
    )


def _event(appointment: Appointment, *, reader, stamp: datetime) -> icalendar.Event:
    session = appointment.session
    call = session.call
    zone = reader.tz
    page_url = call_page_url(call=call, reader=reader)
    room_link = video_room_link(appointment, reader) if call.is_video else ""
    summary = _("Call %(number)s: %(kind)s") % {
        "number": call.number,
        "kind": call.get_kind_display(),
    }
    if appointment.cancelled:
        summary = _("Cancelled: %(summary)s") % {"summary": summary}
    event = icalendar.Event.new(
        uid=event_uid(call),
        sequence=appointment.sequence,
        stamp=stamp,
        start=wall_clock(session.starts_at, zone),
        end=wall_clock(session.planned_end, zone),
        summary=summary,
        description=_description(
            call, session, reader=reader, page_url=page_url, room_link=room_link
        ),
        location=_location(call, reader, room_link=room_link),
        status="CANCELLED" if appointment.cancelled else "CONFIRMED",
        transparency="OPAQUE",
        organizer=_organizer(),
        attendees=_attendees(call, session, reader=reader),
        url=page_url or None,
    )
    event.add("LAST-MODIFIED", appointment.changed_at)
    if room_link:
        # RFC 7986: calendar apps that know it show a "Join" button.
        event.add(
            "CONFERENCE",
            room_link,
            parameters={"VALUE": "URI", "FEATURE": "AUDIO,VIDEO", "LABEL": _("Video room")},
        )
    # Other people who see this calendar see "busy", not a member's reference.
    event.add("CLASS", "PRIVATE")
    if not appointment.cancelled:
        event.add_component(_alarm(call))
    return event


def _description(call, session, *, reader, page_url: str, room_link: str = "") -> str:
    minutes = session.planned_minutes
    lines = [
        _("Call %(number)s: %(kind)s") % {"number": call.number, "kind": call.get_kind_display()}
        + ", "
        + ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes},
        _("Member: %(reference)s") % {"reference": call.member.reference},
    ]
    if call.is_video and room_link:
        opens = settings.ROOM_OPENS_BEFORE_MINUTES
        lines.append(
            ngettext(
                "Join the video call: %(url)s (the room opens %(minutes)d minute before "
                "the start; the link is yours, don't pass it on)",
                "Join the video call: %(url)s (the room opens %(minutes)d minutes before "
                "the start; the link is yours, don't pass it on)",
                opens,
            )
            % {"url": room_link, "minutes": opens}
        )
    elif call.is_video:
        place = video_place(call, reader)
        if place:
            lines.append(_("Video: %(place)s") % {"place": place})
    else:
        lines.append(_("By phone: the interpreter connects everyone at the agreed time."))
    if page_url:
        lines.append(_("Details and what to do: %(url)s") % {"url": page_url})
    return "\n".join(lines)


def _location(call, reader, *, room_link: str = "") -> str:
    if call.is_video:
        return room_link or video_place(call, reader) or _("Video call")
    return _("Phone call")


def _alarm(call) -> icalendar.Alarm:
    alarm = icalendar.Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("TRIGGER", -ALARM_BEFORE)
    alarm.add(
        "DESCRIPTION",
        _("Call %(number)s starts in 15 minutes") % {"number": call.number},
    )
    return alarm


def _organizer() -> icalendar.vCalAddress:
    """The office: replies (if a calendar app sends one) go to its mailbox."""
    address = settings.CALENDAR_ORGANIZER_EMAIL
    return icalendar.vCalAddress.new(address, cn=str(settings.CALENDAR_ORGANIZER_NAME))


def _person(user, *, name: str = "", role: str) -> icalendar.vCalAddress | None:
    if user is None or not user.email:
        return None
    # The time was agreed with everyone before it was booked: nothing to answer.
    return icalendar.vCalAddress.new(
        user.email,
        cn=name or user.get_full_name() or user.username,
        cutype="INDIVIDUAL",
        role=role,
        partstat="ACCEPTED",
        rsvp=False,
    )


def _agency_person(call, reader):
    """The agency's responsible person: the reader if they are the agency's agent,
    else the agent who confirmed, named as the responsible employee they gave."""
    confirmation = getattr(call, "confirmation", None)
    if reader.role == Role.AGENT:
        return reader, ""
    agent = confirmation.confirmed_by if confirmation else None
    if agent is None or agent.role != Role.AGENT:
        return None, ""
    return agent, (confirmation.responsible_name if not confirmation.agent_is_responsible else "")


def _attendees(call, session, *, reader) -> list[icalendar.vCalAddress]:
    """The interpreter leads (CHAIR); the client and the agency's responsible person
    take part. Each reader sees whom their emails already name: a client the
    interpreter, an agent the interpreter (never the client), the interpreter and
    the office everyone. The reader is always listed, so their calendar app
    knows the invite is theirs."""
    sees_client = reader.role not in (Role.AGENT,)
    sees_agency = reader.role != Role.CLIENT
    people = [_person(session.interpreter, role="CHAIR")]
    if reader.role == Role.INTERPRETER and reader.pk != session.interpreter_id:
        # Taken off the call: the CANCEL is addressed to them, not to the new interpreter.
        people = [_person(reader, role="CHAIR")]
    if sees_client:
        people.append(_person(call.client, role="REQ-PARTICIPANT"))
    if sees_agency:
        agent, name = _agency_person(call, reader)
        people.append(_person(agent, name=name, role="REQ-PARTICIPANT"))
    return [person for person in people if person is not None]
