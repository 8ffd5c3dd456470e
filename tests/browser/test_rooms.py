"""A video session's room on a real Janus, three Chromium pages on loopback.

Client, member's side and interpreter open their own links (fake camera, the
microphone playing a WAV tone this test makes), stay 30 seconds and leave.
Then: the talk time is 30 s ± 3 s, its start and end are the instants Janus
reported; the recording Janus made is converted (janus-pp-rec), mixed
(ffmpeg), attached, lasts 30 s ± 3 s and is not silent; billing charged the
video minimum. A tampered link is a 404, the client's link after the window
is the plain "closed" page. Pictures of the room (English, Russian, phone
width) go to test-artifacts/screenshots/21/.

Janus is started by a fixture from this product's configuration
(deploy/janus/, rendered into a temporary folder, ICE kept on loopback).
Without Janus the test is skipped (with REQUIRE_SERVICES=1: fails).
"""

from __future__ import annotations

import copy
import os
import shutil
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import CallCharge
from calls.models import CallState, SessionStatus
from recordings.services import decrypted
from rooms import links, recording, services
from rooms.janus_config import janus_binary, janus_running
from rooms.models import Party, RoomEvent, RoomEventKind

from ..rooms_support import mean_volume, tone_wav, video_session
from .conftest import CHROMIUM, CHROMIUM_ARGS
from .pictures import pictures_dir

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

STAY_SECONDS = 30
TOLERANCE = 3


def _require(what: str, missing: bool):
    if not missing:
        return
    reason = f"video rooms need {what}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def janus(live_server, settings, tmp_path):
    """Janus with this product's configuration, posting its events to the live server."""
    _require("Janus (apt-get install janus)", janus_binary() is None)
    _require(
        "janus-pp-rec, ffmpeg and ffprobe (apt-get install janus-tools ffmpeg)",
        bool(recording.tools_missing()),
    )
    _require(
        "janus.js and adapter.js (apt-get install libjs-janus-gateway libjs-webrtc-adapter)",
        not settings.ROOMS_CLIENT_JS_READY,
    )
    _require("sox (apt-get install sox)", shutil.which("sox") is None)
    _require(f"Chromium at {CHROMIUM}", not os.path.exists(CHROMIUM))
    settings.ROOMS_RECORDINGS_DIR = str(tmp_path / "rooms")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    events_url = live_server.url + reverse("room-janus-events")
    with janus_running(tmp_path / "janus", events_url=events_url) as server:
        url = server.url
        settings.JANUS_URL = settings.JANUS_PUBLIC_URL = url
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["connect-src"].append("/".join(url.split("/")[:3]))
        settings.CONTENT_SECURITY_POLICY = policy
        yield url


@pytest.fixture
def media_browser(playwright_session, tmp_path):
    """Chromium with a fake camera and a microphone that plays a tone."""
    wav = tone_wav(tmp_path / "voice.wav", seconds=STAY_SECONDS + 30, frequency=440)
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
            "--allow-loopback-in-peer-connection",
            # Host candidates as addresses, not mDNS names Janus can't resolve here.
            "--disable-features=WebRtcHideLocalIpsWithMdns",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield browser
    browser.close()


def _page(browser, live_server, *, locale: str, phone: bool = False):
    viewport = {"width": 412, "height": 915} if phone else {"width": 1280, "height": 800}
    context = browser.new_context(base_url=live_server.url, locale=locale, viewport=viewport)
    # A busy machine (Janus, three pages sending video, the server) is slow to answer.
    context.set_default_timeout(60_000)
    context.set_default_navigation_timeout(120_000)
    return context.new_page()


def _wait_for(predicate, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_three_parties_talk_for_30_seconds_in_a_room_measured_recorded_and_billed(
    janus, media_browser, live_server
):
    now = timezone.now()
    session = video_session(starts_at=now + timedelta(minutes=5), now=now - timedelta(days=1))
    tokens = {
        party: services.room_link_token(session=session, party=party)
        for party in (Party.CLIENT, Party.MEMBER, Party.INTERPRETER)
    }
    # Client in English at desktop width, the member's side in Russian, the
    # interpreter on a phone.
    pages = {
        Party.CLIENT: _page(media_browser, live_server, locale="en-GB"),
        Party.MEMBER: _page(media_browser, live_server, locale="ru-RU"),
        Party.INTERPRETER: _page(media_browser, live_server, locale="en-GB", phone=True),
    }
    problems = []
    for party, page in pages.items():
        page.on("pageerror", lambda exc, party=party: problems.append(f"{party}: {exc}"))
        page.on(
            "console",
            lambda msg, party=party: msg.type == "error"
            and "favicon" not in (msg.location or {}).get("url", "")
            and problems.append(f"{party} console: {msg.text}"),
        )
        page.goto(links.room_path(tokens[party]))
        expect(page.get_by_test_id("join")).to_be_visible()
        # The preview shows the (fake) camera before joining.
        expect(page.locator("#preview[data-ready=true]")).to_have_count(1)
    # Client and member's side first; their pictures (and the interpreter's
    # lobby) before the interpreter joins, as the pictures take long on a busy
    # machine and must not eat into the 30 seconds.
    pages[Party.CLIENT].get_by_test_id("join").click()
    pages[Party.MEMBER].get_by_test_id("join").click()
    for party in (Party.CLIENT, Party.MEMBER):
        expect(pages[party].get_by_test_id("tile")).to_have_count(2, timeout=240_000)
    pictures = pictures_dir("21")
    shot = {"timeout": 120_000, "animations": "disabled"}
    pages[Party.CLIENT].screenshot(path=str(pictures / "room-en.png"), **shot)
    pages[Party.MEMBER].screenshot(path=str(pictures / "room-ru.png"), **shot)
    pages[Party.INTERPRETER].screenshot(
        path=str(pictures / "room-phone-lobby.png"), full_page=True, **shot
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED  # no interpreter yet: no call yet
    pages[Party.INTERPRETER].get_by_test_id("join").click()
    for party, page in pages.items():
        # Each page sees all three tiles, with names and roles.
        try:
            expect(page.get_by_test_id("tile")).to_have_count(3, timeout=240_000)
        except AssertionError:
            counts = {p: pg.get_by_test_id("tile").count() for p, pg in pages.items()}
            raise AssertionError(f"{party}: tiles {counts}; {problems}") from None
    # Each page's own picture plays (what reaches Janus is checked on the recording below).
    for page in pages.values():
        expect(page.locator(".tile.playing").first).to_be_visible(timeout=240_000)
    assert not problems, problems
    # The session started when the interpreter and another party were both in.
    _wait_for(
        lambda: session.__class__.objects.get(pk=session.pk).status == SessionStatus.IN_PROGRESS,
        seconds=30,
        what="the session to start",
    )
    started_at = session.__class__.objects.get(pk=session.pk).started_at
    expect(pages[Party.MEMBER].get_by_test_id("leave")).to_have_text("Выйти")
    expect(pages[Party.CLIENT].get_by_text("Interpreter")).to_be_visible()

    # A fourth page with a tampered link gets a 404.
    stranger = _page(media_browser, live_server, locale="en-GB")
    token = tokens[Party.CLIENT]
    tampered = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    assert stranger.goto(links.room_path(tampered)).status == 404

    time.sleep(max(0.0, STAY_SECONDS - (timezone.now() - started_at).total_seconds()))
    for page in pages.values():
        # Straight to the button's handler: on a starved machine the pointer's
        # checks (scrolling, stability) alone can take longer than the call.
        page.get_by_test_id("leave").dispatch_event("click", timeout=120_000)
    for page in pages.values():
        expect(page.get_by_test_id("after")).to_be_visible()

    room = session.room
    _wait_for(
        lambda: RoomEvent.objects.filter(room=room, kind=RoomEventKind.LEFT).count() >= 3,
        seconds=30,
        what="Janus's leave events",
    )
    events = list(RoomEvent.objects.filter(room=room).order_by("at"))
    assert {e.party for e in events} == {"client", "member", "interpreter"}
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    # The 60 seconds without two parties pass (the countdown task runs the clock).
    later = timezone.now() + timedelta(seconds=61)
    with time_machine.travel(later, tick=True):
        assert services.room_clock_run(session_id=session.pk) == "ended"
    session.refresh_from_db()
    joined = sorted(e.at for e in events if e.kind == RoomEventKind.JOINED)
    left = sorted(e.at for e in events if e.kind == RoomEventKind.LEFT)
    # Start: the interpreter and one other party both in; end: fewer than two left.
    interpreter_in = next(
        e.at for e in events if e.party == "interpreter" and e.kind == RoomEventKind.JOINED
    )
    others_in = min(
        e.at for e in events if e.party != "interpreter" and e.kind == RoomEventKind.JOINED
    )
    assert session.started_at == max(interpreter_in, others_in)
    assert session.ended_at == left[1]
    assert abs(session.talk_seconds - STAY_SECONDS) <= TOLERANCE, (session.talk_seconds, joined)

    # The room is closed on the server (its recordings closed), then mixed and attached.
    services.room_close_on_server(room_id=room.pk)
    assert services.room_recording_process(room_id=room.pk) == "attached"
    session.refresh_from_db()
    session.call.refresh_from_db()
    attached = session.recording
    # Sealed at rest: read back through the recordings app's own decryption.
    plain = services.rec_dir(room).parent / "attached.webm"
    with plain.open("wb") as out:
        for chunk in decrypted(attached, 0, attached.size_bytes - 1):
            out.write(chunk)
    seconds = recording.duration(plain)
    assert abs(seconds - STAY_SECONDS) <= TOLERANCE, seconds
    assert mean_volume(plain) > -40  # the tone, not silence
    assert not services.rec_dir(room).exists()  # raw files gone once attached
    assert session.call.state == CallState.COMPLETED
    charge = CallCharge.objects.get(call_id=session.call_id)
    assert (charge.billed_minutes, charge.client_charge) == (30, Decimal("75.00"))

    # The client's link after the window: the plain "closed" page.
    closes = links.window(session)[1]
    with time_machine.travel(closes + timedelta(minutes=1), tick=True):
        closed = _page(media_browser, live_server, locale="en-GB")
        answer = closed.goto(links.room_path(tokens[Party.CLIENT]))
        assert answer.status == 200
        expect(closed.get_by_test_id("room-closed")).to_contain_text("The room is closed")
        closed.screenshot(path=str(pictures / "room-closed.png"), timeout=120_000)
