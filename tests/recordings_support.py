"""Audio for the recordings tests: WAV files with a known, findable pattern."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

PATTERN = b"KNOWN-AUDIO-PATTERN-0123456789abcdef"


def wav_bytes(data_size: int, *, byte_rate: int = 16000, pattern: bytes = PATTERN) -> bytes:
    """A mono 8 kHz 16-bit WAV whose samples repeat `pattern` (so any run of it
    would be findable in a file that stored it)."""
    body = (pattern * (data_size // len(pattern) + 1))[:data_size]
    fmt = struct.pack("<HHIIHH", 1, 1, byte_rate // 2, byte_rate, 2, 16)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_size)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", data_size)
        + body
    )


def wav_upload(data_size: int = 200_000, name: str = "call.wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, wav_bytes(data_size), content_type="audio/wav")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_files(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


def runs_of(plain: bytes, width: int = 32, step: int = 997) -> list[bytes]:
    """Slices of the plaintext to look for in storage (any would prove a leak)."""
    return [plain[i : i + width] for i in range(0, len(plain) - width, step)]
