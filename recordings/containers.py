"""What a file really is (its first bytes, never its name) and how long it plays.

Accepted: WAV, MP3, OGG (Opus or Vorbis), WebM, MP4/M4A. The duration comes
from ffprobe when it is installed, else from the WAV header (the only
container whose header states it simply); `duration_source` says which.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import subprocess  # noqa: S404  (ffprobe, with a fixed argument list)
import threading
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

HEAD_BYTES = 64 * 1024
FFPROBE_TIMEOUT_SECONDS = 60


class Container(models.TextChoices):
    WAV = "wav", "WAV"
    MP3 = "mp3", "MP3"
    OGG = "ogg", "OGG (Opus/Vorbis)"
    WEBM = "webm", "WebM"
    MP4 = "mp4", "MP4/M4A"


CONTENT_TYPES = {
    Container.WAV: "audio/wav",
    Container.MP3: "audio/mpeg",
    Container.OGG: "audio/ogg",
    Container.WEBM: "video/webm",
    Container.MP4: "video/mp4",
}


class DurationSource(models.TextChoices):
    FFPROBE = "ffprobe", _("measured by ffprobe")
    WAV_HEADER = "wav_header", _("read from the WAV header")
    UNKNOWN = "", _("unknown")


def sniff(head: bytes) -> Container | None:
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Container.WAV
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return Container.MP3
    if head[:4] == b"OggS":
        return Container.OGG
    if head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:64]:
        return Container.WEBM
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return Container.MP4
    return None


def wav_duration(head: bytes) -> Decimal | None:
    """Seconds from the fmt and data chunks of a WAV header, if both are in `head`."""
    offset, byte_rate, data_size = 12, None, None
    while offset + 8 <= len(head) and (byte_rate is None or data_size is None):
        chunk_id, size = struct.unpack("<4sI", head[offset : offset + 8])
        if chunk_id == b"fmt " and offset + 20 <= len(head):
            byte_rate = struct.unpack("<I", head[offset + 16 : offset + 20])[0]
        elif chunk_id == b"data":
            data_size = size
        offset += 8 + size + (size & 1)
    if not byte_rate or data_size is None:
        return None
    return (Decimal(data_size) / Decimal(byte_rate)).quantize(Decimal("0.001"))


def _ffprobe_command(source: str) -> list[str]:
    return [
        shutil.which("ffprobe") or "ffprobe",
        "-v", "error",
        "-show_entries", "format=duration",
        "-of", "default=noprint_wrappers=1:nokey=1",
        source,
    ]  # fmt: skip


# Through a pipe ffprobe can't seek to the end, so the container's duration is
# unknown ("N/A"); the end of the last audio packet is the duration instead.
_FFPROBE_PACKETS = [
    "-v", "error",
    "-select_streams", "a:0",
    "-show_entries", "packet=pts_time,duration_time",
    "-of", "csv=p=0",
    "pipe:0",
]  # fmt: skip


def _last_packet_end(output: bytes) -> Decimal | None:
    end = None
    for line in output.decode(errors="replace").splitlines():
        fields = line.split(",")
        try:
            candidate = Decimal(fields[0]) + Decimal(fields[1] or "0")
        except (ArithmeticError, IndexError, ValueError):
            continue
        end = candidate if end is None or candidate > end else end
    return end.quantize(Decimal("0.001")) if end is not None and end.is_finite() else None


def _parse_seconds(output: bytes) -> Decimal | None:
    try:
        seconds = Decimal(output.decode().strip().splitlines()[0])
    except (ArithmeticError, IndexError, UnicodeDecodeError, ValueError):
        return None
    return seconds.quantize(Decimal("0.001")) if seconds.is_finite() and seconds >= 0 else None


def ffprobe_duration(file) -> Decimal | None:
    """ffprobe on the upload's temporary file when it has one, else fed through a pipe
    (streamed, never read whole); None when ffprobe is absent or can't tell."""
    if shutil.which("ffprobe") is None:
        return None
    path = getattr(file, "temporary_file_path", None)
    if path is None and isinstance(getattr(file, "name", None), str) and os.path.isfile(file.name):
        path = lambda: file.name  # noqa: E731  (a File opened on a path)
    try:
        if path is not None:
            done = subprocess.run(  # noqa: S603
                _ffprobe_command(path()),
                capture_output=True,
                timeout=FFPROBE_TIMEOUT_SECONDS,
                check=False,
            )
            return _parse_seconds(done.stdout) if done.returncode == 0 else None
        return _ffprobe_pipe(file)
    except (OSError, subprocess.SubprocessError):
        return None


def _ffprobe_pipe(file) -> Decimal | None:
    file.seek(0)
    process = subprocess.Popen(  # noqa: S603
        [shutil.which("ffprobe") or "ffprobe", *_FFPROBE_PACKETS],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )

    def feed():
        try:
            while chunk := file.read(HEAD_BYTES):
                process.stdin.write(chunk)
        except (BrokenPipeError, OSError):
            pass  # ffprobe had read enough
        finally:
            with contextlib.suppress(OSError):
                process.stdin.close()

    feeder = threading.Thread(target=feed, daemon=True)
    # ffprobe that hangs is killed; its output is then empty and the duration unknown.
    killer = threading.Timer(FFPROBE_TIMEOUT_SECONDS, process.kill)
    feeder.start()
    killer.start()
    try:
        output = process.stdout.read()
        process.wait()
    finally:
        killer.cancel()
        feeder.join(timeout=FFPROBE_TIMEOUT_SECONDS)
    return _last_packet_end(output) if process.returncode == 0 else None


def duration_of(file, container: Container, head: bytes) -> tuple[Decimal | None, str]:
    seconds = ffprobe_duration(file)
    if seconds is not None:
        return seconds, DurationSource.FFPROBE
    if container == Container.WAV:
        seconds = wav_duration(head)
        if seconds is not None:
            return seconds, DurationSource.WAV_HEADER
    return None, DurationSource.UNKNOWN
