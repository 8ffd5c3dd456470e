"""Who may do what: every role against every endpoint and page, with its own
and with foreign objects, in ONE written-out table.

The world: a client with calls in every state, placed with an agent's
agency and run by an interpreter (their "own" objects); another client,
agent and interpreter with calls of their own (to whom the first set is
foreign); an operator. Foreign objects answer 404, never 403 and never 200,
and another role's endpoint or page is a 404 too. Anonymous: 401 from the API,
a redirect to sign in from pages. The admin is the operators' only.

Each row runs with one fresh world; the roles expected to be refused go
first, so a refused write is shown to change nothing before the owner's
write succeeds. Beyond the status, no answer to an "other_*" role may contain
any id of the first set.
"""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from agents.links import agent_link_token
from duty.services import dispute_raise
from recordings import services as recording_services
from webhooks.services import endpoint_create

from .api_helpers import _fresh_throttles  # noqa: F401
from .factories import ClientFactory, InterpreterFactory, MemberFactory, OperatorFactory
from .flows import (
    CLIENT_WINDOWS,
    agent_for,
    book,
    confirm,
    end,
    fund_client,
    own_number,
    schedule,
    start,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anon",
    "client",
    "other_client",
    "agent",
    "other_agent",
    "interp",
    "other_interp",
    "operator",
]

# Page forms are posted empty: their owner gets the form back (a 400 where the
# page says so), everybody else the same answer as for reading the page.
# {waiting}: awaiting the agent; {confirmed}; {scheduled}: with the interpreter;
# {running}: in progress; {done}: completed with a recording; {call_pk}: the
# scheduled call's database key (admin only); {link}/{used_link}: the agent's
# emailed link for {waiting} / for {confirmed} (already answered).
# Columns: anon(ymous), cli(ent), ocli = other client, agt = agent, oagt = other
# agent, int(erpreter), oint = other interpreter, op(erator).
MATRIX = """
method path                                           anon cli  ocli agt  oagt int  oint op
# --- API: the client's ---------------------------------------------------------------------
GET    /api/v1/calls/                                 401  200  200  404  404  404  404  404
POST   /api/v1/calls/                                 401  201  201  404  404  404  404  404
GET    /api/v1/calls/{scheduled}/                     401  200  404  404  404  404  404  404
POST   /api/v1/calls/{scheduled}/cancel/              401  200  404  404  404  404  404  404
GET    /api/v1/calls/{confirmed}/slots/               401  200  404  404  404  404  404  404
POST   /api/v1/calls/{confirmed}/slots/pick/          401  409  404  404  404  404  404  404
POST   /api/v1/calls/{scheduled}/move/                401  200  404  200  404  404  404  404
GET    /api/v1/balance/                               401  200  200  404  404  404  404  404
GET    /api/v1/ledger/                                401  200  200  404  404  404  404  404
# --- API: the agent's ----------------------------------------------------------------------
GET    /api/v1/agent/requests/                        401  404  404  200  200  404  404  404
GET    /api/v1/agent/requests/{waiting}/              401  404  404  200  404  404  404  404
POST   /api/v1/agent/requests/{waiting}/confirm/      401  404  404  200  404  404  404  404
POST   /api/v1/agent/requests/{waiting}/decline/      401  404  404  200  404  404  404  404
GET    /api/v1/agent/statements/{month}/              401  404  404  200  200  404  404  404
GET    /api/v1/agent/webhooks/                        401  404  404  200  200  404  404  404
POST   /api/v1/agent/webhooks/                        401  404  404  201  201  404  404  404
GET    /api/v1/agent/webhooks/{webhook}/              401  404  404  200  404  404  404  404
DELETE /api/v1/agent/webhooks/{webhook}/              401  404  404  204  404  404  404  404
GET    /api/v1/agent/webhooks/{webhook}/deliveries/   401  404  404  200  404  404  404  404
POST   /api/v1/agent/webhooks/{webhook}/test/         401  404  404  202  404  404  404  404
POST   /api/v1/agent/webhooks/{webhook}/secret/       401  404  404  200  404  404  404  404
POST   /api/v1/agent/webhooks/{webhook}/enable/       401  404  404  200  404  404  404  404
# --- API: the interpreter's ----------------------------------------------------------------
GET    /api/v1/sessions/                              401  404  404  404  404  200  200  404
GET    /api/v1/sessions/{scheduled}/                  401  404  404  404  404  200  404  404
POST   /api/v1/sessions/{scheduled}/start/            401  404  404  404  404  200  404  404
POST   /api/v1/sessions/{running}/end/                401  404  404  404  404  200  404  404
POST   /api/v1/sessions/{running}/recording/          401  404  404  404  404  201  404  404
GET    /api/v1/sessions/{scheduled}/attempts/         401  404  404  404  404  200  404  404
POST   /api/v1/sessions/{scheduled}/attempts/         401  404  404  404  404  201  404  404
POST   /api/v1/sessions/{scheduled}/outcome/          401  404  404  404  404  409  404  404
# --- API: the operator's -------------------------------------------------------------------
POST   /api/v1/office/calls/{confirmed}/schedule/     401  404  404  404  404  404  404  200
GET    /api/v1/office/calls/{confirmed}/slots/        401  404  404  404  404  404  404  200
# --- API: everyone's -----------------------------------------------------------------------
GET    /api/v1/me/                                    401  200  200  200  200  200  200  200
PATCH  /api/v1/me/                                    401  200  200  200  200  200  200  200
POST   /api/v1/auth/token/revoke/                     401  204  204  204  204  204  204  204
POST   /api/v1/auth/token/                            400  400  400  400  400  400  400  400
GET    /api/schema/                                   401  200  200  200  200  200  200  200
GET    /api/docs/                                     302  200  200  200  200  200  200  200
GET    /api/redoc/                                    302  200  200  200  200  200  200  200
# --- pages ---------------------------------------------------------------------------------
GET    /                                              302  302  302  302  302  302  302  302
POST   /my-phone/                                     302  302  302  302  302  302  302  302
GET    /client/                                       302  200  200  404  404  404  404  404
GET    /client/balance/                               302  200  200  404  404  404  404  404
GET    /client/order/                                 302  200  200  404  404  404  404  404
POST   /client/order/                                 302  200  200  404  404  404  404  404
GET    /client/calls/{scheduled}/                     302  200  404  404  404  404  404  404
POST   /client/calls/{scheduled}/cancel/              302  302  404  404  404  404  404  404
POST   /client/calls/{confirmed}/pick/                302  302  404  404  404  404  404  404
POST   /client/calls/{scheduled}/move/                302  302  404  404  404  404  404  404
GET    /agent/                                        302  404  404  200  200  404  404  404
GET    /agent/calls/{waiting}/                        302  404  404  200  404  404  404  404
POST   /agent/calls/{waiting}/                        302  404  404  400  404  404  404  404
POST   /agent/calls/{confirmed}/withdraw/             302  404  404  302  404  404  404  404
POST   /agent/calls/{scheduled}/move/                 302  404  404  302  404  404  404  404
POST   /agent/calls/{scheduled}/alarm/                302  404  404  302  404  404  404  404
GET    /agent/alarm/{alarm_link}/                     200  200  200  200  200  200  200  200
GET    /agent/alarm/forged-or-expired/                404  404  404  404  404  404  404  404
GET    /agent/statement/                              302  404  404  200  200  404  404  404
GET    /agent/statement.csv                           302  404  404  200  200  404  404  404
GET    /agent/webhooks/                               302  404  404  200  200  404  404  404
GET    /agent/agency/{agency}/                        302  404  404  200  404  404  404  404
GET    /calendar/                                     302  200  200  200  200  200  200  200
GET    /calendar/call/{scheduled}.ics                 302  200  404  200  404  200  404  200
GET    /account/                                      302  200  200  200  200  200  200  200
GET    /account/password/                             302  200  200  200  200  200  200  200
GET    /account/password/done/                        302  200  200  200  200  200  200  200
POST   /account/sign-out-everywhere/                  302  302  302  302  302  302  302  302
POST   /agent/webhooks/                               302  404  404  400  400  404  404  404
GET    /agent/link/{link}/                            200  200  200  200  200  200  200  200
GET    /agent/link/{used_link}/                       410  410  410  410  410  410  410  410
GET    /agent/link/forged-or-expired/                 404  404  404  404  404  404  404  404
GET    /interpreter/                                  302  404  404  404  404  200  200  404
GET    /interpreter/availability/                     302  404  404  404  404  200  200  404
POST   /interpreter/availability/                     302  404  404  404  404  302  302  404
GET    /interpreter/calls/{scheduled}/                302  404  404  404  404  200  404  404
POST   /interpreter/calls/{scheduled}/start/          302  404  404  404  404  302  404  404
POST   /interpreter/calls/{running}/end/              302  404  404  404  404  302  404  404
POST   /interpreter/calls/{running}/recording/        302  404  404  404  404  302  404  404
GET    /interpreter/calls/{done}/recording/download/  302  404  404  404  404  200  404  404
POST   /interpreter/calls/{scheduled}/attempts/       302  404  404  404  404  302  404  404
POST   /interpreter/calls/{scheduled}/outcome/        302  404  404  404  404  302  404  404
# --- disputes and the duty desk (the duty manager's; operators may look too) ---------------
POST   /client/calls/{done}/dispute/                  302  302  404  404  404  404  404  404
POST   /agent/calls/{done}/dispute/                   302  404  404  302  404  404  404  404
GET    /duty/                                         302  404  404  404  404  404  404  200
GET    /duty/calls/{done}/                            302  404  404  404  404  404  404  200
GET    /duty/calls/{done}/recording/                  302  404  404  404  404  404  404  200
POST   /duty/calls/{done}/disputes/{dispute}/decide/  302  404  404  404  404  404  404  302
POST   /duty/calls/{done}/recording/hold/             302  404  404  404  404  404  404  404
GET    /duty/calls/{done}/recording/accesses.csv      302  404  404  404  404  404  404  200
# --- the recording's audio: operators (and duty managers); the interpreter for 7 days --------
GET    /recordings/{recording}/audio/                 302  404  404  404  404  200  404  200
# --- the admin: operators only -------------------------------------------------------------
GET    /admin/                                        302  302  302  302  302  302  302  200
GET    /admin/calls/call/                             302  302  302  302  302  302  302  200
GET    /admin/calls/call/{call_pk}/change/            302  302  302  302  302  302  302  200
GET    /admin/calls/call/{call_pk}/attempts/          302  302  302  302  302  302  302  200
GET    /admin/accounts/user/                          302  302  302  302  302  302  302  200
"""


def _rows():
    rows = []
    for line in MATRIX.strip().splitlines()[1:]:
        if line.startswith("#"):
            continue
        method, path, *codes = line.split()
        assert len(codes) == len(ROLES), line
        rows.append((method, path, dict(zip(ROLES, map(int, codes), strict=True))))
    return rows


def _payload(method, path, world):
    """A request body that the owner's request succeeds with."""
    if path == "/api/v1/calls/" and method == "POST":
        return {
            "member": world["member_ref"],
            "kind": "phone_direct",
            "planned_minutes": 10,
            "windows": CLIENT_WINDOWS,
        }
    if path.endswith("/confirm/"):
        return {
            "numbers": [
                {"role": "member", "number": "+380 67 123 4567"},
                {"role": "agent_mobile", "number": "+380 50 765 4321"},
                {"role": "responsible", "number": "+380 44 222 3344"},
            ],
            "responsible_name": "Olena Petrenko",
            "dial": "+380671234567",
        }
    if path == "/api/v1/agent/webhooks/" and method == "POST":
        return {"url": "https://hooks.example.org/in", "events": ["call.missed"]}
    if path.endswith("/attempts/") and method == "POST":
        # The world's member's own number (each member has hers).
        return {"number": world["member_number"], "result": "busy"}
    if path.endswith("/outcome/"):
        # The world's session is ahead: its interpreter is refused with 409
        # (no outcome before the start, issue 25 item 1), strangers with 404.
        return {"outcome": "office_fault", "reason": "line down"}
    if path.endswith("/dispute/"):
        return {"reason": "it was shorter"}
    if path.endswith("/decide/"):
        return {"decision": "refuse", "reason": "the recording shows 5 minutes"}
    if path.endswith("/withdraw/"):
        return {"reason": "the member is ill"}
    if path.endswith("/move/"):
        # The scheduled call starts within the late-change window: a request to the office.
        return {"reason": "the member is away that day"}
    if path.endswith("/decline/"):
        return {"reason": "not now"}
    if path.endswith("/cancel/"):
        return {"reason": "plans changed"}
    if path.endswith("/slots/pick/"):
        # The world's call has no windows: no proposal, so the owner gets a 409.
        return {"starts_at": (timezone.now() + timedelta(days=9)).isoformat(timespec="minutes")}
    if path.endswith("/end/"):
        return {"no_recording_reason": "recorder failed"}
    if path.endswith("/schedule/"):
        starts = timezone.now() + timedelta(days=9)
        return {
            "starts_at": starts.isoformat(timespec="minutes"),
            "interpreter": world["users"]["interp"].pk,
        }
    if path == "/api/v1/me/":
        return {"time_zone": "Europe/Kyiv"}
    if path == "/api/v1/auth/token/":
        return {"username": world["users"]["client"].username, "password": "wrong"}
    return None


def _world():
    operator = OperatorFactory()
    interp, other_interp = InterpreterFactory(), InterpreterFactory()
    client = ClientFactory()
    member = MemberFactory()
    fund_client(client, 1000)
    now = timezone.now()

    def new_call():
        return book(client=client, member=member, fund=False)

    waiting = new_call()
    confirmed = new_call()
    confirm(confirmed)
    scheduled = new_call()
    confirm(scheduled)
    # Soon enough for its interpreter to start it now (the start lead).
    schedule(
        scheduled, operator=operator, interpreter=interp, starts_at=now + timedelta(minutes=10)
    )
    running = new_call()
    confirm(running)
    session = schedule(
        running, operator=operator, interpreter=interp, starts_at=now + timedelta(days=2)
    )
    start(session)
    done = new_call()
    confirm(done)
    session = schedule(
        done, operator=operator, interpreter=interp, starts_at=now + timedelta(days=3)
    )
    start(session)
    recording = recording_services.recording_attach(
        session=session, file=SimpleUploadedFile("r.mp3", b"ID3data"), actor=interp
    )
    end(session, talk_seconds=300)
    agent = agent_for(waiting)
    dispute = dispute_raise(call=done, actor=client, reason="it was shorter")
    webhook, _secret = endpoint_create(
        agency=agent.agency, url="https://hooks.example.org/in", events=["call.missed"], actor=agent
    )

    # The other people, with calls of their own.
    other = book()
    confirm(other)
    schedule(other, operator=operator, interpreter=other_interp)
    other_client = other.client
    fund_client(other_client, 1000)

    users = {
        "client": client,
        "other_client": other_client,
        "agent": agent,
        "other_agent": agent_for(other),
        "interp": interp,
        "other_interp": other_interp,
        "operator": operator,
    }
    calls = {
        "waiting": waiting,
        "confirmed": confirmed,
        "scheduled": scheduled,
        "running": running,
        "done": done,
    }
    return {
        "users": users,
        "member_ref": member.reference,
        "member_number": own_number(member),
        "own_ids": [str(c.public_id) for c in calls.values()] + [str(webhook.public_id)],
        "subs": {
            **{name: str(c.public_id) for name, c in calls.items()},
            "call_pk": str(scheduled.pk),
            "dispute": str(dispute.pk),
            "recording": str(recording.public_id),
            "webhook": str(webhook.public_id),
            "agency": str(agent.agency_id),
            "month": now.strftime("%Y-%m"),
            "link": agent_link_token(call=waiting, agent=agent),
            "used_link": agent_link_token(call=confirmed, agent=agent),
            "alarm_link": agent_link_token(call=scheduled, agent=agent, purpose="alarm"),
        },
    }


def _request(role, method, path, world):
    url = path.format(**world["subs"])
    payload = _payload(method, path, world)
    user = world["users"].get(role)
    if path.startswith("/api/"):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user).key}")
        if path.endswith("/recording/"):
            upload = {"file": SimpleUploadedFile("take.mp3", b"ID3data")}
            return client.post(url, upload, format="multipart")
        return getattr(client, method.lower())(url, payload, format="json")
    client = Client()
    if user is not None:
        client.force_login(user)
    if path.endswith("/recording/"):
        return client.post(url, {"file": SimpleUploadedFile("take.mp3", b"ID3data")})
    return getattr(client, method.lower())(url, payload or {})


@pytest.mark.parametrize(
    ("method", "path", "expected"), _rows(), ids=[f"{m} {p}" for m, p, _ in _rows()]
)
def test_permission_matrix(method, path, expected):
    world = _world()
    # Refused roles first: their attempt must leave the owner's write possible.
    order = sorted(ROLES, key=lambda role: 200 <= expected[role] < 300)
    got = {}
    for role in order:
        answer = _request(role, method, path, world)
        got[role] = answer.status_code
        if role == "anon" and answer.status_code == 302:
            assert "login/?next=" in answer["Location"], (path, answer["Location"])
        if role.startswith("other_") and answer.status_code == 200:
            body = b"".join(answer) if answer.streaming else answer.content
            for public_id in world["own_ids"]:
                assert public_id.encode() not in body, (role, path, "leaks a foreign call")
    assert got == expected


# Pages that are the same for everyone (signing in and out, the language).
PUBLIC_PAGES = {"/login/", "/logout/", "/language/", "/i18n/setlang/", "/healthz"}
# Pages a secret token opens, for whoever holds it (not a role): each token's
# own tests check tampering, expiry and revocation (test_account_basics,
# test_calendar_feed, test_rooms_links), and Janus's event endpoint its
# credentials (test_rooms_clock).
PUBLIC_PAGES |= {
    "/password-reset/",
    "/password-reset/sent/",
    "/password-reset/<uidb64>/<token>/",
    "/password-reset/done/",
    "/account/email/<str:token>/",
    "/calendar/<str:token>.ics",
    "/room/<str:token>/",
    "/room/<str:token>/join/",
    "/room/<str:token>/end/",
    "/rooms/janus-events/",
}


def _route_shape(route: str) -> str:
    return re.sub(r"\{\w+\}|<(?:\w+:)?\w+>", "{}", route)


def test_the_matrix_covers_every_endpoint_and_page():
    """A new URL must get its row: this fails until it has one."""
    in_matrix = {_route_shape(path) for _, path, _ in _rows()}
    in_matrix.add(_route_shape("/agent/link/{token}/"))
    routes = set()

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if not str(entry.pattern).startswith("admin/"):
                    walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                routes.add("/" + prefix + str(entry.pattern))

    walk(get_resolver().url_patterns, "")
    missing = {
        route
        for route in routes
        if route not in PUBLIC_PAGES
        and not route.startswith("/admin/")
        and _route_shape(route) not in in_matrix
    }
    assert not missing, sorted(missing)
