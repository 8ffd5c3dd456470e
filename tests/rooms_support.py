"""A scheduled video session, and Janus's events about it, for the rooms' tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from calls.models import CallKind
from rooms import services
from rooms.models import Party, RoomPass

from .factories import OperatorFactory
from .flows import book, confirm, schedule


def video_session(*, starts_at: datetime, now: datetime | None = None):
    """A confirmed video call scheduled at `starts_at` (booked the day before)."""
    booked_at = now or starts_at - timedelta(days=1)
    call = book(kind=CallKind.VIDEO, minutes=30, now=booked_at)
    confirm(call, now=booked_at)
    return schedule(call, operator=OperatorFactory(), starts_at=starts_at, now=booked_at)


def room_pass(session, party: str, *, feed_id: int, at: datetime) -> RoomPass:
    """A join credential as the page gets one (without asking a media server)."""
    room = services.room_for(session)
    return RoomPass.objects.create(
        room=room,
        party=party,
        display_name=services.display_name(session, party),
        feed_id=feed_id,
        token=f"token-{feed_id}",
        issued_at=at,
        expires_at=at + timedelta(minutes=2),
    )


JANUS_NAMES = {"joined": "joined", "left": "leaving"}


def janus_event(session, kind: str, *, feed_id: int, at: datetime) -> dict:
    """One VideoRoom event as Janus's sample event handler posts it (type 64);
    `kind` "joined" or "left" (Janus says "leaving")."""
    room = services.room_for(session)
    data = {"event": JANUS_NAMES[kind], "room": room.janus_id, "id": feed_id}
    if kind == "joined":
        data.update(private_id=123, display="{}")
    return {
        "emitter": "MyJanusInstance",
        "type": 64,
        "timestamp": int(at.timestamp() * 1_000_000),
        "session_id": 1,
        "handle_id": 2,
        "event": {"plugin": "janus.plugin.videoroom", "data": data},
    }


PARTIES = (Party.CLIENT, Party.MEMBER, Party.INTERPRETER)


def tone_wav(path, *, seconds: float, frequency: int = 440) -> str:
    """A mono 48 kHz WAV with a sine tone (sox), as a microphone would hear a speaker."""
    import subprocess

    subprocess.run(
        [
            "sox",
            "-n",
            "-r",
            "48000",
            "-c",
            "1",
            "-b",
            "16",
            str(path),
            "synth",
            str(seconds),
            "sine",
            str(frequency),
            "vol",
            "0.5",
        ],
        check=True,
    )
    return str(path)


def mean_volume(path) -> float:
    """ffmpeg's volumedetect mean volume of the file's audio, in dB (-91 is silence)."""
    import re
    import subprocess

    done = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-map",
            "0:a",
            "-af",
            "volumedetect",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(re.search(r"mean_volume: (-?[\d.]+) dB", done.stderr).group(1))
