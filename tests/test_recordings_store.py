"""Recordings sealed at rest: what reaches storage, what comes back, what is refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from recordings import sealing, services
from recordings.containers import Container, DurationSource, sniff, wav_duration
from recordings.models import EventKind, Recording
from recordings.storage import recordings_storage

from .api_helpers import _fresh_throttles, scheduled_call  # noqa: F401
from .factories import DutyManagerFactory
from .recordings_support import PATTERN, runs_of, sha256, stored_files, wav_bytes, wav_upload

pytestmark = pytest.mark.django_db


def storage_root() -> Path:
    return Path(settings.STORAGES["recordings"]["OPTIONS"]["location"])


def upload(api, call, file, **extra):
    return api.post(
        f"/api/v1/sessions/{call.public_id}/recording/", {"file": file, **extra}, format="multipart"
    )


def listen(user, recording, **headers):
    browser = Client()
    browser.force_login(user)
    return browser.get(f"/recordings/{recording.public_id}/audio/", **headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_wav_uploaded_through_the_api_is_sealed_and_comes_back_byte_identical():
    call, api = scheduled_call(start=True)
    plain = wav_bytes(300_000)  # several chunks
    answer = upload(api, call, SimpleUploadedFile("call.wav", plain))
    assert answer.status_code == 201, answer.json()

    files = stored_files(storage_root())
    assert len(files) == 1
    sealed = files[0].read_bytes()
    assert PATTERN not in sealed
    assert not [run for run in runs_of(plain) if run in sealed]
    assert b"RIFF" not in sealed and b"WAVE" not in sealed

    recording = Recording.objects.get(session__call=call)
    assert recording.is_sealed and recording.container == Container.WAV
    assert recording.size_bytes == len(plain)
    assert recording.sha256 == sha256(plain)
    assert recording.key_id == "dev-not-secret"
    got = body(listen(DutyManagerFactory(), recording))
    assert got == plain
    assert sha256(got) == recording.sha256


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=100-199", 100, 199),
        ("bytes=65530-65545", 65530, 65545),  # across the first chunk's end
        ("bytes=131072-", 131072, 199_999 + 44),  # from a chunk's start to the end
        ("bytes=-10", 200_034, 200_043),  # the last ten bytes
        ("bytes=0-0", 0, 0),
    ],
)
def test_a_range_request_returns_exactly_the_asked_bytes(header, start, end):
    call, api = scheduled_call(start=True)
    plain = wav_bytes(200_000)
    assert len(plain) == 200_044
    assert upload(api, call, SimpleUploadedFile("call.wav", plain)).status_code == 201
    recording = Recording.objects.get(session__call=call)
    answer = listen(DutyManagerFactory(), recording, HTTP_RANGE=header)
    assert answer.status_code == 206
    assert answer["Content-Range"] == f"bytes {start}-{end}/{len(plain)}"
    assert answer["Content-Length"] == str(end - start + 1)
    assert body(answer) == plain[start : end + 1]


def test_a_range_past_the_end_is_a_416_with_the_size():
    call, api = scheduled_call(start=True)
    upload(api, call, wav_upload(1000))
    recording = Recording.objects.get(session__call=call)
    answer = listen(DutyManagerFactory(), recording, HTTP_RANGE="bytes=5000-6000")
    assert answer.status_code == 416
    assert answer["Content-Range"] == f"bytes */{recording.size_bytes}"


def test_a_file_that_is_not_audio_is_refused_with_a_sentence_whatever_its_name():
    call, api = scheduled_call(start=True)
    answer = upload(api, call, SimpleUploadedFile("call.wav", b"MZ\x90\x00 not audio at all"))
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_recording"
    assert "WAV, MP3, OGG/Opus, WebM or MP4/M4A" in answer.json()["errors"]["file"][0]
    assert not Recording.objects.exists() and not stored_files(storage_root())


@pytest.mark.parametrize(
    ("head", "container"),
    [
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", Container.WAV),
        (b"ID3\x04\x00", Container.MP3),
        (b"\xff\xfb\x90\x00", Container.MP3),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"OpusHead", Container.OGG),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", Container.WEBM),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", Container.MP4),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_the_container_is_read_from_the_first_bytes(head, container):
    assert sniff(head) == container


def test_the_size_limit_is_a_setting_and_nothing_is_kept_over_it(settings):
    settings.RECORDING_MAX_BYTES = 10_000
    call, api = scheduled_call(start=True)
    answer = upload(api, call, wav_upload(20_000))
    assert answer.status_code == 400
    assert answer.json()["code"] == "recording_too_big"
    assert not Recording.objects.exists() and not stored_files(storage_root())


def test_the_size_limit_holds_for_a_file_that_does_not_say_its_size(settings):
    settings.RECORDING_MAX_BYTES = 100_000
    call, api = scheduled_call(start=True)
    session = call.sessions.get()
    stream = File(io.BytesIO(wav_bytes(300_000)), name="x.wav")
    stream.size = None  # a stream of unknown length: counted while sealing
    with pytest.raises(services.DomainError) as refused:
        services.recording_attach(session=session, file=stream, actor=session.interpreter)
    assert refused.value.code == "recording_too_big"
    assert not stored_files(storage_root())


def test_a_second_upload_replaces_only_with_a_reason_and_the_history_keeps_both(
    django_capture_on_commit_callbacks,
):
    call, api = scheduled_call(start=True)
    first = wav_bytes(5000)
    assert upload(api, call, SimpleUploadedFile("a.wav", first)).status_code == 201
    again = upload(api, call, wav_upload(6000))
    assert again.status_code == 409
    assert again.json()["code"] == "recording_exists"
    with django_capture_on_commit_callbacks(execute=True):
        replaced = upload(api, call, wav_upload(6000), reason="the first file was cut")
    assert replaced.status_code == 201
    recording = Recording.objects.get(session__call=call)
    assert recording.size_bytes == 6044
    assert len(stored_files(storage_root())) == 1  # the old sealed file is gone
    events = list(recording.events.values_list("kind", "reason"))
    assert events == [
        (EventKind.UPLOADED, ""),
        (EventKind.REPLACED, "the first file was cut"),
    ]
    assert recording.events.last().detail["replaced_sha256"] == sha256(first)


def test_the_video_rooms_attach_a_server_recording_through_the_same_service(tmp_path):
    call, _api = scheduled_call(start=True)
    session = call.sessions.get()
    path = tmp_path / "room.wav"
    path.write_bytes(wav_bytes(50_000))
    with path.open("rb") as handle:
        recording = services.recording_attach(session=session, file=File(handle), actor=None)
    assert recording.is_sealed and recording.uploaded_by is None
    assert recording.sha256 == sha256(path.read_bytes())


def test_the_duration_comes_from_ffprobe_or_else_from_the_wav_header(monkeypatch):
    plain = wav_bytes(48_000)  # 48 000 bytes at 16 000 bytes a second
    assert wav_duration(plain[:100]) == 3
    call, _api = scheduled_call(start=True)
    session = call.sessions.get()
    monkeypatch.setattr("recordings.containers.shutil.which", lambda name: None)
    recording = services.recording_attach(
        session=session, file=SimpleUploadedFile("a.wav", plain), actor=session.interpreter
    )
    assert (recording.duration_seconds, recording.duration_source) == (
        3,
        DurationSource.WAV_HEADER,
    )


@pytest.mark.skipif(not __import__("shutil").which("ffprobe"), reason="needs ffprobe")
@pytest.mark.parametrize("on_disk", [False, True], ids=["in-memory-piped", "temporary-file"])
def test_ffprobe_measures_the_duration_when_installed(on_disk, tmp_path):
    call, _api = scheduled_call(start=True)
    session = call.sessions.get()
    plain = wav_bytes(32_000)
    if on_disk:
        path = tmp_path / "upload.wav"
        path.write_bytes(plain)
        file = File(path.open("rb"))
    else:
        file = SimpleUploadedFile("a.wav", plain)
    recording = services.recording_attach(session=session, file=file, actor=session.interpreter)
    assert (recording.duration_seconds, recording.duration_source) == (2, DurationSource.FFPROBE)


# --- The sealed format itself ------------------------------------------------------


def _sealed(plain: bytes, chunk: int = 1024):
    import uuid

    rid, key = uuid.uuid4(), sealing.new_data_key()
    sealed = b"".join(
        sealing.seal_chunks(sealing.plain_chunks_of(io.BytesIO(plain), chunk), key, rid, chunk)
    )
    return sealed, key, rid


def _open(sealed, key, rid, size, start=0, end=None):
    return b"".join(sealing.open_range(io.BytesIO(sealed), key, rid, size, start, end))


@pytest.mark.parametrize("size", [1, 1023, 1024, 1025, 4096, 5000])
def test_seal_then_open_gives_back_every_size(size):
    plain = bytes(range(256)) * (size // 256 + 1)
    plain = plain[:size]
    sealed, key, rid = _sealed(plain)
    assert len(sealed) == sealing.sealed_size(size, 1024)
    assert _open(sealed, key, rid, size) == plain


def test_a_flipped_byte_a_swapped_pair_of_chunks_or_a_cut_file_does_not_open():
    plain = bytes(5000)
    sealed, key, rid = _sealed(plain)
    record = sealing.record_size(1024)
    head = sealing.HEADER.size
    flipped = bytearray(sealed)
    flipped[head + 100] ^= 1
    first, second = sealed[head : head + record], sealed[head + record : head + 2 * record]
    swapped = sealed[:head] + second + first + sealed[head + 2 * record :]
    cut = sealed[: head + 4 * record]  # the last (final) chunk dropped
    for bad in (bytes(flipped), swapped, cut):
        with pytest.raises(sealing.SealError):
            _open(bad, key, rid, len(plain))
    # ...and a shorter plaintext claimed for the cut file fails on the "final" flag.
    with pytest.raises(sealing.SealError):
        _open(cut, key, rid, 4096)
    with pytest.raises(sealing.SealError):
        import uuid

        _open(sealed, key, uuid.uuid4(), len(plain))  # another recording's id


def test_a_tampered_file_in_storage_is_refused_not_served():
    call, api = scheduled_call(start=True)
    upload(api, call, wav_upload(5000))
    recording = Recording.objects.get(session__call=call)
    path = Path(recordings_storage().path(recording.blob_name))
    data = bytearray(path.read_bytes())
    data[sealing.HEADER.size + 50] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(sealing.SealError):
        body(listen(DutyManagerFactory(), recording))
