"""Memory while a large recording is sealed into storage and read back (issue 20).

Streams a WAV of --mb megabytes (default 200) from disk through the same
functions `recording_attach` and the listening view use (seal_into_storage,
decrypted), into a temporary folder, and prints the peak of Python's
allocations (tracemalloc) and the process's peak resident memory (ru_maxrss).
Also checks the round trip: the SHA-256 read back equals the one written.
Nothing is stored in the database.
"""

from __future__ import annotations

import hashlib
import resource
import struct
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from types import SimpleNamespace

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from recordings import sealing, services

MB = 1024 * 1024


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _write_wav(path: Path, size: int) -> str:
    """A WAV of `size` bytes written in pieces; returns its SHA-256."""
    digest = hashlib.sha256()
    data_size = size - 44
    # PCM, mono, 8 kHz, 16 bits: 16 000 bytes a second.
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    header = (
        b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + b"data" + struct.pack("<I", data_size)
    )  # fmt: skip
    piece = bytes(range(256)) * 4096  # 1 MB of "audio"
    with path.open("wb") as out:
        out.write(header)
        digest.update(header)
        left = data_size
        while left:
            chunk = piece[: min(left, len(piece))]
            out.write(chunk)
            digest.update(chunk)
            left -= len(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Seal a large recording into storage and read it back; print peak memory."

    def add_arguments(self, parser):
        parser.add_argument("--mb", type=int, default=200, help="Size of the recording (MB).")

    def handle(self, *args, mb: int, **options):
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "upload.wav"
            self.stdout.write(f"Writing a {mb} MB WAV…")
            expected = _write_wav(source, mb * MB)
            storage = FileSystemStorage(location=str(Path(folder) / "sealed"))
            recording_id = uuid.uuid4()
            rss_before = _rss_mb()

            tracemalloc.start()
            started = time.perf_counter()
            with override_settings(RECORDING_MAX_BYTES=(mb + 1) * MB), source.open("rb") as f:
                blob = services.seal_into_storage(File(f), recording_id, storage=storage)
            up_seconds = time.perf_counter() - started
            _size, up_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()

            recording = SimpleNamespace(
                wrapped_key=blob.wrapped_key,
                key_id=blob.key_id,
                public_id=recording_id,
                blob_name=blob.name,
                size_bytes=blob.size,
            )
            started = time.perf_counter()
            digest = hashlib.sha256()
            for chunk in services.decrypted(recording, 0, blob.size - 1, storage=storage):
                digest.update(chunk)
            down_seconds = time.perf_counter() - started
            _size, down_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            sealed_bytes = Path(storage.path(blob.name)).stat().st_size

        if blob.sha256 != expected or digest.hexdigest() != expected:
            raise CommandError("The round trip changed the audio: SHA-256 differs.")
        self.stdout.write(
            f"recording: {blob.size / MB:.0f} MB plain, {sealed_bytes / MB:.1f} MB sealed "
            f"({sealing.DEFAULT_CHUNK // 1024} KB chunks); SHA-256 round trip OK\n"
            f"up (seal into storage):   {up_seconds:.1f} s, peak Python allocations "
            f"{up_peak / MB:.2f} MB\n"
            f"down (decrypt, stream):   {down_seconds:.1f} s, peak Python allocations "
            f"{down_peak / MB:.2f} MB\n"
            f"process peak RSS: {_rss_mb():.0f} MB (before the round trip: {rss_before:.0f} MB)"
        )
