"""Sealing: AES-256-GCM in chunks under a per-recording data key (envelope encryption).

A sealed file is a header and a run of records, one per chunk of plaintext:

    header  = MAGIC (8 bytes) | chunk size (4 bytes, big-endian)
    record  = nonce (12 random bytes) | AES-GCM(chunk) with its 16-byte tag

Every chunk but the last holds exactly `chunk size` bytes, so chunk i starts
at a known offset (a Range request decrypts only the chunks it needs). Each
record authenticates, besides its bytes, the recording's id, its index and
whether it is the last: records can't be swapped between recordings,
reordered, dropped or the file cut short without decryption failing.

The data key is random per recording and stored only wrapped (AES-GCM) by a
key-encryption key of the ring (recordings.keyring); destroying the wrapped
key makes the file noise (crypto-shredding). Everything here streams: memory
stays at a few chunks whatever the file's size.
"""

from __future__ import annotations

import io
import os
import struct
import uuid
from collections.abc import Callable, Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import keyring

MAGIC = b"RECSEAL1"
HEADER = struct.Struct(">8sI")
NONCE_BYTES = 12
TAG_BYTES = 16
DATA_KEY_BYTES = 32
DEFAULT_CHUNK = 64 * 1024


class SealError(Exception):
    """A sealed file or key that doesn't authenticate (tampered, truncated, wrong key)."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)


def _key_aad(recording_id: uuid.UUID) -> bytes:
    return b"recording-data-key|" + recording_id.bytes


def wrap(data_key: bytes, recording_id: uuid.UUID, kek: keyring.Kek | None = None):
    """(wrapped key, key id) for storing; the newest key of the ring unless given."""
    kek = kek or keyring.newest()
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek.key).encrypt(nonce, data_key, _key_aad(recording_id)), kek.id


def unwrap(wrapped: bytes, key_id: str, recording_id: uuid.UUID) -> bytes:
    kek = keyring.by_id(key_id)
    try:
        return AESGCM(kek.key).decrypt(
            bytes(wrapped[:NONCE_BYTES]), bytes(wrapped[NONCE_BYTES:]), _key_aad(recording_id)
        )
    except InvalidTag:
        raise SealError("The recording's data key does not open with its key.") from None


def _chunk_aad(recording_id: uuid.UUID, index: int, final: bool) -> bytes:
    return recording_id.bytes + struct.pack(">QB", index, 1 if final else 0)


def record_size(chunk_size: int) -> int:
    return NONCE_BYTES + chunk_size + TAG_BYTES


def sealed_size(plain_size: int, chunk_size: int = DEFAULT_CHUNK) -> int:
    chunks = max(1, -(-plain_size // chunk_size))
    return HEADER.size + chunks * (NONCE_BYTES + TAG_BYTES) + plain_size


def read_full(source, size: int) -> bytes:
    """Exactly `size` bytes, fewer only at the end (file objects may return short reads)."""
    parts, missing = [], size
    while missing:
        part = source.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def seal_chunks(
    plain_chunks: Iterable[bytes],
    data_key: bytes,
    recording_id: uuid.UUID,
    chunk_size: int = DEFAULT_CHUNK,
) -> Iterator[bytes]:
    """The sealed file, piece by piece, from plaintext chunks of exactly `chunk_size`
    (the last may be shorter). Reads one chunk ahead to know which one is last."""
    aead = AESGCM(data_key)
    yield HEADER.pack(MAGIC, chunk_size)
    chunks = iter(plain_chunks)
    current = next(chunks, b"")
    index = 0
    while True:
        following = next(chunks, None)
        final = following is None or following == b""
        if len(current) != chunk_size and not final:
            raise ValueError("Only the last chunk may be shorter than the chunk size.")
        nonce = os.urandom(NONCE_BYTES)
        yield nonce + aead.encrypt(nonce, current, _chunk_aad(recording_id, index, final))
        if final:
            return
        current, index = following, index + 1


def plain_chunks_of(
    source, chunk_size: int = DEFAULT_CHUNK, on_chunk: Callable[[bytes], None] | None = None
) -> Iterator[bytes]:
    """Chunks of exactly `chunk_size` read from a file object; `on_chunk` sees each
    (hashing, counting, the size limit) before it is sealed."""
    while True:
        chunk = read_full(source, chunk_size)
        if not chunk:
            return
        if on_chunk is not None:
            on_chunk(chunk)
        yield chunk
        if len(chunk) < chunk_size:
            return


class IteratorReader(io.RawIOBase):
    """A read-only, non-seekable file over an iterator of bytes: what storage
    backends read from (FileSystemStorage by chunks(), S3 by read(n))."""

    def __init__(self, pieces: Iterator[bytes]):
        self._pieces = pieces
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._buffer = piece
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def open_range(
    sealed,
    data_key: bytes,
    recording_id: uuid.UUID,
    plain_size: int,
    start: int = 0,
    end: int | None = None,
) -> Iterator[bytes]:
    """Plaintext bytes start..end (inclusive) of a sealed file object, decrypting only
    the chunks that hold them. Raises SealError on any record that doesn't authenticate."""
    header = read_full(sealed, HEADER.size)
    if len(header) != HEADER.size:
        raise SealError("Not a sealed recording (too short).")
    magic, chunk_size = HEADER.unpack(header)
    if magic != MAGIC or chunk_size <= 0:
        raise SealError("Not a sealed recording.")
    end = plain_size - 1 if end is None else end
    if plain_size == 0 or start > end:
        return
    last_index = max(0, -(-plain_size // chunk_size) - 1)
    first, last = start // chunk_size, end // chunk_size
    if first:
        sealed.seek(HEADER.size + first * record_size(chunk_size))
    aead = AESGCM(data_key)
    for index in range(first, last + 1):
        expected = chunk_size if index < last_index else plain_size - index * chunk_size
        record = read_full(sealed, NONCE_BYTES + expected + TAG_BYTES)
        if len(record) != NONCE_BYTES + expected + TAG_BYTES:
            raise SealError("The sealed recording is cut short.")
        try:
            chunk = aead.decrypt(
                record[:NONCE_BYTES],
                record[NONCE_BYTES:],
                _chunk_aad(recording_id, index, index == last_index),
            )
        except InvalidTag:
            raise SealError("A chunk of the recording does not authenticate.") from None
        lo = start - index * chunk_size if index == first else 0
        hi = end - index * chunk_size + 1 if index == last else len(chunk)
        yield chunk[lo:hi]
