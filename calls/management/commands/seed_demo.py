"""Fill the database with a believable demo office. Safe to run again: nothing doubles.

People are found by username, agencies by name, members by reference and demo
calls by their "Demo:" note, so a second run only adds what is missing.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from agents.contact_rules import NumberInput, NumberRole
from agents.models import Agency, Member
from billing.models import EntryKind
from billing.selectors import client_entries
from billing.services import client_top_up
from calls import services
from calls.models import Call, CallKind, CallState
from scheduling.models import WorkingTime

DEMO_PASSWORD = "demo-pass-2026"

AGENCIES = [
    # name, city, country, time zone, office phone, agent username, agent name, mobile
    (
        "Slavyanka",
        "Kharkiv",
        "UA",
        "Europe/Kyiv",
        "+380577001122",
        "agent",
        "Oksana Melnyk",
        "+380507654321",
    ),
    (
        "Chernomorka",
        "Odesa",
        "UA",
        "Europe/Kyiv",
        "+380487001122",
        "agent2",
        "Iryna Bondar",
        "+380637654321",
    ),
    (
        "Nevskie Zori",
        "Saint Petersburg",
        "RU",
        "Europe/Moscow",
        "+78127001122",
        "agent3",
        "Natalia Smirnova",
        "+79217654321",
    ),
    (
        "Volga Hearts",
        "Kazan",
        "RU",
        "Europe/Moscow",
        "+78437001122",
        "agent4",
        "Elena Kuznetsova",
        "+79177654321",
    ),
    ("Sibirskaya Roza", "Novosibirsk", "RU", "Asia/Novosibirsk", "+73837001122", "", "", ""),
]
MEMBERS = [
    "Anna",
    "Daria",
    "Yulia",
    "Svetlana",
    "Marina",
    "Olga",
    "Tatiana",
    "Ekaterina",
    "Viktoria",
    "Alina",
]
SURNAMES = [
    "Kovalenko",
    "Ivanova",
    "Shevchenko",
    "Petrova",
    "Tkachenko",
    "Sokolova",
    "Kravchenko",
    "Popova",
    "Oliynyk",
    "Volkova",
]

PEOPLE = [
    # username, role, first, last, time zone, language, phone
    ("operator", Role.OPERATOR, "Maria", "Operator", "Europe/Kyiv", "en", "+380441110000"),
    ("duty", Role.DUTY_MANAGER, "Andriy", "Hnatyuk", "Europe/Kyiv", "ru", "+380671110000"),
    ("interpreter", Role.INTERPRETER, "Kateryna", "Lysenko", "Europe/Kyiv", "en", "+380671112233"),
    ("interpreter2", Role.INTERPRETER, "Pavel", "Orlov", "Europe/Moscow", "ru", "+79161112233"),
    # Clients' numbers are from Ofcom's drama range (never real): a phone call needs one.
    ("client", Role.CLIENT, "John", "Miller", "America/New_York", "en", "+442079460101"),
    ("client2", Role.CLIENT, "Klaus", "Weber", "Europe/Berlin", "en", "+442079460102"),
    ("client3", Role.CLIENT, "Robert", "Jones", "America/Los_Angeles", "en", "+442079460103"),
]
# Languages people speak (ISO 639-1), and when interpreters work (their own zone).
LANGUAGES = {
    "interpreter": "uk, ru, en",
    "interpreter2": "ru, en, de",
    "client": "en",
    "client2": "de, en",
    "client3": "en",
}
WORKING_TIME = {
    "interpreter": {
        "hours": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "18:00"},
            {"days": ["sat"], "from": "10:00", "to": "14:00"},
        ],
    },
    "interpreter2": {
        "hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "12:00", "to": "21:00"}],
    },
}
# When each demo client can talk (their own zone); members: evenings, their zone.
CLIENT_WINDOWS = {
    "client": [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "to": "12:00"},
        {"days": ["sat"], "from": "09:00", "to": "13:00"},
    ],
    "client2": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "17:00", "to": "22:00"}],
    "client3": [
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "07:00", "to": "11:00"}
    ],
}
MEMBER_WINDOWS = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat"], "from": "15:00", "to": "21:00"}
]
# Credits each demo client starts with (bought once, never again on a re-run).
OPENING_CREDIT = {"client": 500, "client2": 300, "client3": 250}


class Command(BaseCommand):
    help = "Create demo agencies, members, people and calls in every state (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            people = {username: self._person(username, *rest) for username, *rest in PEOPLE}
            self._availability(people)
            self._credit(people)
            members = self._agencies(people)
            created = self._calls(people, members)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {User.objects.count()} people, "
                f"{Agency.objects.count()} agencies, "
                f"{Member.objects.count()} members, {Call.objects.count()} calls "
                f"({created} new)."
            )
        )

    def _person(self, username, role, first, last, tz, language, phone, agency=None):
        user, created = User.objects.get_or_create(
            username=username,
            defaults=dict(
                role=role,
                first_name=first,
                last_name=last,
                time_zone=tz,
                language=language,
                phone=phone,
                agency=agency,
                email=f"{username}@demo.example.org",
                on_duty=role == Role.DUTY_MANAGER,
            ),
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    @staticmethod
    def _availability(people):
        """Languages and working hours, so "Find a time" has real proposals at once."""
        for username, languages in LANGUAGES.items():
            person = people[username]
            if not person.languages:
                person.languages = languages
                person.save(update_fields=["languages"])
        for username, windows in WORKING_TIME.items():
            WorkingTime.objects.get_or_create(interpreter=people[username], defaults=windows)

    @staticmethod
    def _credit(people):
        for username, amount in OPENING_CREDIT.items():
            client = people[username]
            if not client_entries(client).filter(kind=EntryKind.TOP_UP).exists():
                client_top_up(
                    client=client,
                    amount=amount,
                    reason="Demo: opening credit",
                    actor=people["operator"],
                )

    def _agencies(self, people):
        members = []
        for index, (name, city, country, tz, phone, agent, agent_name, mobile) in enumerate(
            AGENCIES
        ):
            agency, _ = Agency.objects.get_or_create(
                name=name,
                defaults=dict(
                    city=city,
                    country=country,
                    time_zone=tz,
                    phone=phone,
                    email=f"office{index}@demo.example.org",
                ),
            )
            if agent:
                first, last = agent_name.split()
                people[agent] = self._person(
                    agent, Role.AGENT, first, last, tz, "ru", mobile, agency=agency
                )
            for n in range(2):
                k = (index * 2 + n) % len(MEMBERS)
                member, _ = Member.objects.get_or_create(
                    agency=agency,
                    reference=f"{city[:3].upper()}-{100 + n}",
                    defaults=dict(
                        full_name=f"{MEMBERS[k]} {SURNAMES[k]}",
                        city=city,
                        time_zone=tz,
                        languages="ru, uk" if country == "UA" else "ru",
                    ),
                )
                members.append(member)
        return members

    def _calls(self, people, members):
        """One call per state, each through the real services, dated around now."""
        now = timezone.now().replace(second=0, microsecond=0)
        operator = people["operator"]
        plan = [
            ("requested", members[8], CallKind.PHONE_DIRECT, None),
            ("awaiting", members[0], CallKind.PHONE_INTERPRETED, None),
            ("declined", members[1], CallKind.PHONE_INTERPRETED, None),
            ("confirmed", members[2], CallKind.VIDEO, None),
            ("confirmed-phone", members[7], CallKind.PHONE_INTERPRETED, None),
            ("scheduled", members[0], CallKind.PHONE_INTERPRETED, timedelta(hours=26)),
            ("scheduled-soon", members[4], CallKind.VIDEO, timedelta(minutes=50)),
            ("in-progress", members[3], CallKind.PHONE_DIRECT, timedelta(minutes=-5)),
            ("completed", members[0], CallKind.PHONE_INTERPRETED, timedelta(days=-3)),
            ("completed-video", members[6], CallKind.VIDEO, timedelta(days=-6)),
            ("cancelled", members[5], CallKind.PHONE_DIRECT, None),
            ("missed", members[1], CallKind.PHONE_INTERPRETED, timedelta(days=-1)),
        ]
        clients = [people["client"], people["client2"], people["client3"]]
        interpreters = [people["interpreter"], people["interpreter2"]]
        created = 0
        for index, (key, member, kind, offset) in enumerate(plan):
            note = f"Demo: {key}"
            if Call.objects.filter(note=note).exists():
                continue
            client = clients[index % len(clients)]
            start = now + offset if offset is not None else None
            booked_at = (start - timedelta(days=2)) if start and start < now else now
            call = services.call_request_create(
                client=client,
                member=member,
                kind=kind,
                planned_minutes=30 if kind != CallKind.PHONE_DIRECT else 20,
                client_windows=CLIENT_WINDOWS[client.username],
                note=note,
                created_by=client,
                now=booked_at,
            )
            created += 1
            if key == "requested":
                continue
            agent = member.agency.staff.first()
            if key == "declined":
                services.call_decline(
                    call=call, actor=agent, reason="She has met someone.", now=booked_at
                )
                continue
            if key == "cancelled":
                services.call_cancel(
                    call=call, actor=client, reason="Travelling that week.", now=booked_at
                )
                continue
            if key == "awaiting":
                continue
            self._confirm(call, agent, booked_at)
            if key.startswith("confirmed"):
                continue  # the client picks a proposed time, or an operator finds one
            interpreter = interpreters[index % len(interpreters)]
            session = services.session_schedule(
                call=call,
                starts_at=start,
                interpreter=interpreter,
                actor=operator,
                now=booked_at,
            )
            if key.startswith("scheduled"):
                continue
            if key == "missed":
                services.call_mark_missed(call=call, actor=None, now=start + timedelta(minutes=30))
                continue
            services.session_start(session=session, actor=interpreter, now=start)
            if key == "in-progress":
                continue
            services.session_end(
                session=session,
                actor=interpreter,
                # 24 minutes measured; the conference line's figure is shorter.
                talk_seconds=23 * 60 + 17,
                talk_reason="Demo data: the conference line's figure.",
                no_recording_reason="Demo data: no audio file.",
                now=start + timedelta(minutes=24),
            )
        assert Call.objects.filter(state=CallState.COMPLETED).exists()
        return created

    @staticmethod
    def _confirm(call, agent, now):
        is_video = call.kind == CallKind.VIDEO
        region = call.member.agency.country
        prefix = "+380" if region == "UA" else "+7"
        member_number = f"{prefix}67{call.pk:07d}" if region == "UA" else f"+7912{call.pk:07d}"
        services.call_confirm(
            call=call,
            actor=agent,
            numbers=[
                NumberInput(NumberRole.MEMBER, member_number),
                NumberInput(NumberRole.AGENT_MOBILE, str(agent.phone)),
                NumberInput(NumberRole.AGENT_SECOND, str(call.member.agency.phone)),
            ],
            responsible_name="",
            agent_is_responsible=True,
            dial="" if is_video else member_number,
            video_handle="member.demo" if is_video else "",
            member_windows=MEMBER_WINDOWS,
            now=now,
        )
