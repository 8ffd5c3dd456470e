"""The room's recording: mixed by ffmpeg, checked against the talk time, attached once.

Janus's raw .mjr files need a running Janus to be made; their conversion
(janus-pp-rec) is covered by the browser test (tests/browser/test_rooms.py).
Here the mix runs on WAV and WebM inputs, and the attach/complete steps on a
mix made from them.
"""

import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
import time_machine

from billing.models import CallCharge
from calls.models import CallState, SessionStatus
from recordings.models import Recording
from rooms import recording, services
from rooms.models import Party, RoomRecording, RoomRecordingState

from .factories import aware
from .rooms_support import mean_volume, room_pass, tone_wav, video_session

START = aware(2026, 12, 10, 15, 0)

needs_tools = pytest.mark.skipif(
    bool(recording.tools_missing()) or shutil.which("sox") is None,
    reason="needs ffmpeg, ffprobe, janus-pp-rec and sox (apt-get install ffmpeg janus-tools sox)",
)


def test_missing_tools_are_named():
    with mock.patch("shutil.which", return_value=None):
        assert recording.tools_missing() == ["janus-pp-rec", "ffmpeg", "ffprobe"]


def test_raw_tracks_are_read_from_janus_file_names(tmp_path):
    for name in (
        "videoroom-10000007-user-4242-1765378800000000-audio.mjr",
        "videoroom-10000007-user-4242-1765378800100000-video-1.mjr",
        "notes.txt",
    ):
        (tmp_path / name).write_bytes(b"x")
    tracks = recording.raw_tracks(tmp_path)
    assert [(t.feed, t.start_us, t.medium) for t in tracks] == [
        (4242, 1765378800000000, "audio"),
        (4242, 1765378800100000, "video"),
    ]


@needs_tools
def test_voices_are_mixed_each_at_its_own_offset_and_heard(tmp_path):
    first = tone_wav(tmp_path / "a.wav", seconds=5, frequency=440)
    second = tone_wav(tmp_path / "b.wav", seconds=5, frequency=660)
    mixed = recording.mix(
        [(Path(first), 0.0, "audio"), (Path(second), 2.0, "audio")], tmp_path / "mixed.webm"
    )
    assert 6.8 <= recording.duration(mixed) <= 7.3
    assert mean_volume(mixed) > -30


@needs_tools
def test_only_the_conversation_is_kept_from_its_start_for_its_length(tmp_path):
    early = tone_wav(tmp_path / "early.wav", seconds=6, frequency=440)  # began 2 s before
    late = tone_wav(tmp_path / "late.wav", seconds=6, frequency=660)  # began 1 s after
    mixed = recording.mix(
        [(Path(early), -2.0, "audio"), (Path(late), 1.0, "audio")],
        tmp_path / "mixed.webm",
        length=5.0,
    )
    assert 4.8 <= recording.duration(mixed) <= 5.2
    assert mean_volume(mixed) > -30


@needs_tools
def test_pictures_are_put_side_by_side(tmp_path):
    videos = []
    for n in range(2):
        path = tmp_path / f"v{n}.webm"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x240:rate=15:d=3",
                "-c:v",
                "libvpx",
                "-deadline",
                "realtime",
                str(path),
            ],
            check=True,
        )
        videos.append((path, float(n), "video"))
    voice = (Path(tone_wav(tmp_path / "a.wav", seconds=3)), 0.0, "audio")
    mixed = recording.mix([voice, *videos], tmp_path / "mixed.webm")
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0",
            str(mixed),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == f"{2 * recording.TILE[0]},{recording.TILE[1]}"
    assert recording.duration(mixed) >= 3.8  # the second picture started a second later


@pytest.fixture
def ended_session(settings, tmp_path):
    """A video session the room ended after 30 s of talk; its raw folder exists."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ROOMS_RECORDINGS_DIR = str(tmp_path / "rooms")
    with time_machine.travel(START - timedelta(days=2), tick=False):
        session = video_session(starts_at=START)
    room_pass(session, Party.INTERPRETER, feed_id=1, at=START)
    with mock.patch("rooms.services._after_end"):
        call_services_start(session)
        services.room_session_end(
            session=session,
            actor=session.interpreter,
            at=START + timedelta(seconds=30),
            reason=services.ENDED_BY_ROOM,
        )
    folder = services.rec_dir(session.room)
    folder.mkdir(parents=True)
    (folder / "videoroom-1-user-1-1-audio.mjr").write_bytes(b"raw")
    session.refresh_from_db()
    return session


def call_services_start(session):
    from calls import services as call_services

    call_services.session_start(session=session, actor=session.interpreter, now=START)


def _fake_mix(tmp_path, seconds):
    def mixed_from_raw(folder, work, **window):
        work.mkdir(parents=True, exist_ok=True)
        voice = Path(tone_wav(tmp_path / "voice.wav", seconds=seconds))
        target = recording.mix([(voice, 0.0, "audio")], work / "mixed.webm")
        return target, recording.duration(target)

    return mock.patch("rooms.recording.mixed_from_raw", side_effect=mixed_from_raw)


@needs_tools
@pytest.mark.django_db
def test_the_mix_is_attached_the_call_completed_and_billed_and_the_raw_files_removed(
    ended_session, tmp_path
):
    with _fake_mix(tmp_path, 30):
        assert services.room_recording_process(room_id=ended_session.room.pk) == "attached"
    ended_session.refresh_from_db()
    ended_session.call.refresh_from_db()
    attached = Recording.objects.get(session=ended_session)
    assert attached.container == "webm" and attached.size_bytes > 0
    assert attached.uploaded_by is None  # the system, not a person
    assert ended_session.call.state == CallState.COMPLETED
    assert CallCharge.objects.get(call_id=ended_session.call_id).client_charge == Decimal("75.00")
    assert not services.rec_dir(ended_session.room).exists()
    job = RoomRecording.objects.get(room=ended_session.room)
    assert job.state == RoomRecordingState.ATTACHED and 29 <= job.duration_seconds <= 31


@needs_tools
@pytest.mark.django_db
def test_a_worker_killed_after_attaching_reruns_without_attaching_twice(ended_session, tmp_path):
    class Killed(BaseException):
        """What a SIGKILL looks like to the code after it: nothing more runs."""

    with (
        _fake_mix(tmp_path, 30),
        mock.patch("calls.services.session_complete", side_effect=Killed),
        pytest.raises(Killed),
    ):
        services.room_recording_process(room_id=ended_session.room.pk)
    # The raw files are still there, the call not completed yet.
    assert services.rec_dir(ended_session.room).exists()
    ended_session.call.refresh_from_db()
    assert ended_session.call.state == CallState.IN_PROGRESS
    with _fake_mix(tmp_path, 30) as again:
        assert services.room_recording_process(room_id=ended_session.room.pk) == "attached"
    again.assert_not_called()  # attached already: not mixed again
    assert Recording.objects.filter(session=ended_session).count() == 1
    ended_session.call.refresh_from_db()
    assert ended_session.call.state == CallState.COMPLETED
    assert not services.rec_dir(ended_session.room).exists()


@needs_tools
@pytest.mark.django_db
def test_a_mix_shorter_than_the_talk_time_is_refused_and_the_raw_files_kept(
    ended_session, tmp_path
):
    with _fake_mix(tmp_path, 20), pytest.raises(recording.MixError, match="talk time 30"):
        services.room_recording_process(room_id=ended_session.room.pk)
    assert services.rec_dir(ended_session.room).exists()
    assert not Recording.objects.filter(session=ended_session).exists()
    assert RoomRecording.objects.get(room=ended_session.room).state == RoomRecordingState.FAILED


@pytest.mark.django_db
def test_a_room_that_recorded_nothing_completes_with_that_reason(ended_session):
    shutil.rmtree(services.rec_dir(ended_session.room))
    assert services.room_recording_process(room_id=ended_session.room.pk) == "nothing recorded"
    ended_session.refresh_from_db()
    ended_session.call.refresh_from_db()
    assert ended_session.call.state == CallState.COMPLETED
    assert ended_session.no_recording_reason == services.NOTHING_RECORDED
    assert ended_session.status == SessionStatus.ENDED
