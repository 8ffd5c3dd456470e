"""The one way in and out of a recording: upload (sealed), listen (logged), hold, shred.

Every door — the interpreter's page, the API, the admin, the video rooms'
server recording — attaches through `recording_attach`; every read of the
audio goes through `recording_stream`, which writes the access row first.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from calls import workflow
from calls.models import Session, SessionStatus
from common.errors import Conflict, DomainError, NotFound

from . import keyring, sealing, selectors
from .containers import HEAD_BYTES, Container, duration_of, sniff
from .models import EventKind, LegalHold, Recording, RecordingAccess, RecordingEvent
from .storage import recordings_storage

logger = logging.getLogger(__name__)

MAX_REASON = 2000


class _TooBig(Exception):
    pass


@dataclass(frozen=True)
class SealedBlob:
    name: str
    wrapped_key: bytes
    key_id: str
    size: int
    sha256: str
    chunk_size: int


def _too_big_error() -> DomainError:
    megabytes = settings.RECORDING_MAX_BYTES // (1024 * 1024)
    return DomainError(
        "recording_too_big",
        _("The file is too large: at most %(mb)s MB.") % {"mb": megabytes},
        field="file",
    )


def seal_into_storage(file, recording_id: uuid.UUID, storage=None) -> SealedBlob:
    """Stream `file` (from its start) through the sealer into storage; the plaintext
    is hashed and counted on the way and never held whole nor written anywhere."""
    limit = settings.RECORDING_MAX_BYTES
    digest = hashlib.sha256()
    size = 0

    def account(chunk: bytes) -> None:
        nonlocal size
        size += len(chunk)
        if size > limit:
            raise _TooBig
        digest.update(chunk)

    data_key = sealing.new_data_key()
    wrapped_key, key_id = sealing.wrap(data_key, recording_id)
    file.seek(0)
    pieces = sealing.seal_chunks(
        sealing.plain_chunks_of(file, sealing.DEFAULT_CHUNK, account), data_key, recording_id
    )
    storage = storage or recordings_storage()
    name = f"{uuid.uuid4().hex}.sealed"
    try:
        name = storage.save(name, File(sealing.IteratorReader(pieces), name=name))
    except BaseException:
        _delete_quietly(storage, name)
        raise
    return SealedBlob(name, wrapped_key, key_id, size, digest.hexdigest(), sealing.DEFAULT_CHUNK)


def _delete_quietly(storage, name: str) -> None:
    if not name:
        return
    try:
        storage.delete(name)
    except Exception:  # a file left behind without its key is noise; say so, don't fail
        logger.warning("A sealed file could not be deleted; it has no key and stays unreadable.")


def _may_upload(session: Session, actor: User | None) -> bool:
    # None is the system itself (a video room's server-side recording), never a door.
    return actor is None or session.interpreter_id == actor.pk or actor.is_operator


def recording_attach(
    *, session: Session, file, actor: User | None, reason: str = "", then=None
) -> Recording:
    """Check, seal and store the recording of a session (while running or after it ended).

    A second upload replaces the first only with a reason; the old file is
    shredded and the replacement written in the recording's history.

    `then`, a function of no arguments, runs in the same transaction once the
    recording is written (e.g. ending the session the form also asked for): if
    it raises, nothing of the upload is kept, neither the row nor the file."""
    if not _may_upload(session, actor):
        raise NotFound("not_found", _("No such session."))
    reason = (reason or "").strip()[:MAX_REASON]
    declared = getattr(file, "size", None)
    if declared is not None and declared > settings.RECORDING_MAX_BYTES:
        raise _too_big_error()
    file.seek(0)
    head = sealing.read_full(file, HEAD_BYTES)
    container = sniff(head)
    if container is None:
        raise DomainError(
            "bad_recording",
            _(
                "This file is not a recording we can keep: upload WAV, MP3, OGG/Opus, "
                "WebM or MP4/M4A audio."
            ),
            field="file",
        )
    existing = Recording.objects.filter(session=session).first()
    # Checked again under the locks when the row is written; here so nobody waits
    # for a long upload to be sealed only to be refused.
    _check_can_attach(session, existing, reason)
    duration, duration_source = duration_of(file, container, head)
    # The chunks are bound to the id that names the recording: a replacement keeps it.
    recording_id = existing.public_id if existing is not None else uuid.uuid4()
    try:
        blob = seal_into_storage(file, recording_id)
    except _TooBig:
        raise _too_big_error() from None
    try:
        with transaction.atomic():
            recording = _record_upload(
                session=session,
                blob=blob,
                recording_id=recording_id,
                container=container,
                duration=duration,
                duration_source=duration_source,
                actor=actor,
                reason=reason,
            )
            if then is not None:
                then()
            return recording
    except BaseException:
        _delete_quietly(recordings_storage(), blob.name)
        raise


def _check_can_attach(session: Session, existing: Recording | None, reason: str) -> None:
    if session.status not in (SessionStatus.IN_PROGRESS, SessionStatus.ENDED):
        raise Conflict(
            "session_not_started", _("A recording can be attached once the session started.")
        )
    if existing is None:
        return
    if existing.shredded_at is not None:
        raise Conflict(
            "recording_shredded",
            _("This session's recording was shredded; it can't be uploaded again."),
        )
    if not reason:
        raise Conflict(
            "recording_exists",
            _("This session already has a recording. To replace it, say why."),
            field="reason",
        )


def _record_upload(
    *, session, blob, recording_id, container, duration, duration_source, actor, reason
) -> Recording:
    now = timezone.now()
    with transaction.atomic():
        workflow.lock_call(session.call_id)  # the lock order: call, then session
        locked = Session.objects.select_for_update().get(pk=session.pk)
        existing = Recording.objects.select_for_update().filter(session=locked).first()
        _check_can_attach(locked, existing, reason)
        fields = {
            "blob_name": blob.name,
            "wrapped_key": blob.wrapped_key,
            "key_id": blob.key_id,
            "chunk_size": blob.chunk_size,
            "container": container,
            "size_bytes": blob.size,
            "sha256": blob.sha256,
            "duration_seconds": duration,
            "duration_source": duration_source,
            "uploaded_by": actor,
            "uploaded_at": now,
            "legacy_name": "",
        }
        detail = {
            "sha256": blob.sha256,
            "size": blob.size,
            "container": container,
            "duration_source": duration_source,
            "key_id": blob.key_id,
        }
        if existing is None:
            recording = Recording.objects.create(public_id=recording_id, session=locked, **fields)
            _event(recording, EventKind.UPLOADED, actor, now, detail=detail)
            return recording
        old_blob, old_legacy = existing.blob_name, existing.legacy_name
        detail |= {"replaced_sha256": existing.sha256, "replaced_size": existing.size_bytes}
        for field, value in fields.items():
            setattr(existing, field, value)
        existing.save(update_fields=list(fields))
        _event(existing, EventKind.REPLACED, actor, now, reason=reason, detail=detail)
        # The old data key is overwritten above: the old file is already noise.
        transaction.on_commit(lambda: _delete_quietly(recordings_storage(), old_blob))
        if old_legacy:
            transaction.on_commit(lambda: _delete_quietly(default_storage, old_legacy))
        return existing


def _event(recording, kind, actor, at, *, reason="", detail=None) -> RecordingEvent:
    return RecordingEvent.objects.create(
        recording=recording, kind=kind, actor=actor, at=at, reason=reason, detail=detail or {}
    )


# --- Listening ---------------------------------------------------------------


@dataclass(frozen=True)
class Listening:
    """What a listener gets: the bytes start..end (inclusive) of the plaintext."""

    recording: Recording
    start: int
    end: int
    chunks: Iterator[bytes]

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def recording_stream(
    *,
    recording: Recording,
    user: User,
    ip: str | None,
    start: int = 0,
    end: int | None = None,
    now: datetime | None = None,
) -> Listening:
    """The decrypted audio (or the part asked) for someone allowed to listen, after
    writing who, when, which bytes and from where. A refusal is a 404, as for
    a recording that doesn't exist."""
    now = now or timezone.now()
    if not selectors.may_listen(user, recording, now=now) or not recording.is_playable:
        raise NotFound("not_found", _("No such recording."))
    size = recording.size_bytes or 0
    end = size - 1 if end is None else min(end, size - 1)
    if start < 0 or start > end:
        raise DomainError("range_not_satisfiable", _("That part of the recording doesn't exist."))
    RecordingAccess.objects.create(
        recording=recording,
        user=user,
        role=user.role,
        at=now,
        range_start=start,
        range_end=end,
        bytes_sent=end - start + 1,
        ip=ip or None,
    )
    return Listening(recording, start, end, decrypted(recording, start, end))


def decrypted(recording: Recording, start: int, end: int, storage=None) -> Iterator[bytes]:
    data_key = sealing.unwrap(recording.wrapped_key, recording.key_id, recording.public_id)
    with (storage or recordings_storage()).open(recording.blob_name, "rb") as sealed:
        yield from sealing.open_range(
            sealed, data_key, recording.public_id, recording.size_bytes, start, end
        )


# --- Holds and shredding -------------------------------------------------------


def _is_duty_manager(user: User) -> bool:
    return user.is_active and (user.role == Role.DUTY_MANAGER or user.is_superuser)


def legal_hold_set(
    *, recording: Recording, actor: User, reason: str, now: datetime | None = None
) -> LegalHold:
    """Keep the recording whatever the retention policy says, until released."""
    now = now or timezone.now()
    if not _is_duty_manager(actor):
        raise DomainError("not_allowed", _("Only a duty manager can set a legal hold."))
    reason = (reason or "").strip()[:MAX_REASON]
    if not reason:
        raise DomainError("reason_required", _("Say why the recording is held."), field="reason")
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        if locked.shredded_at is not None:
            raise Conflict("recording_shredded", _("This recording was already shredded."))
        if locked.holds.filter(released_at__isnull=True).exists():
            raise Conflict("hold_exists", _("This recording is already held."))
        hold = LegalHold.objects.create(recording=locked, reason=reason, set_by=actor, set_at=now)
        _event(locked, EventKind.HOLD_SET, actor, now, reason=reason)
        return hold


def legal_hold_release(
    *, recording: Recording, actor: User, reason: str, now: datetime | None = None
) -> LegalHold:
    now = now or timezone.now()
    if not _is_duty_manager(actor):
        raise DomainError("not_allowed", _("Only a duty manager can release a legal hold."))
    reason = (reason or "").strip()[:MAX_REASON]
    if not reason:
        raise DomainError("reason_required", _("Say why the hold is released."), field="reason")
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        hold = locked.holds.select_for_update().filter(released_at__isnull=True).first()
        if hold is None:
            raise Conflict("no_hold", _("This recording is not held."))
        hold.released_by, hold.released_at, hold.release_reason = actor, now, reason
        hold.save(update_fields=["released_by", "released_at", "release_reason"])
        _event(locked, EventKind.HOLD_RELEASED, actor, now, reason=reason)
        return hold


def recording_shred(
    *,
    recording: Recording,
    kind: str,
    actor: User | None,
    reason: str,
    detail: dict | None = None,
    now: datetime | None = None,
) -> bool:
    """Destroy the data key (the audio is noise from then on) and delete the file.
    Harmless twice: False if it was already shredded."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        if locked.shredded_at is not None:
            return False
        blob, legacy = locked.blob_name, locked.legacy_name
        locked.wrapped_key = None
        locked.shredded_at = now
        locked.legacy_name = ""
        locked.save(update_fields=["wrapped_key", "shredded_at", "legacy_name"])
        _event(locked, kind, actor, now, reason=reason, detail=detail)
        transaction.on_commit(lambda: _delete_quietly(recordings_storage(), blob))
        if legacy:
            transaction.on_commit(lambda: _delete_quietly(default_storage, legacy))
    recording.wrapped_key, recording.shredded_at = None, now
    return True


# --- Keys ----------------------------------------------------------------------


def recordings_rekey(*, batch: int = 500, progress=None) -> int:
    """Rewrap every data key not under the newest key of the ring; the audio is not
    touched. Returns how many were rewrapped; running it again rewraps none."""
    newest = keyring.newest()
    done, last_id = 0, 0
    while True:
        ids = list(
            Recording.objects.filter(pk__gt=last_id, wrapped_key__isnull=False)
            .exclude(key_id=newest.id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done
        for pk in ids:
            done += _rekey_one(pk, newest)
        last_id = ids[-1]
        if progress:
            progress(done)


def keys_in_use() -> list[str]:
    """The key ids that still wrap a data key: only these must stay in the ring."""
    return sorted(
        Recording.objects.filter(wrapped_key__isnull=False)
        .order_by("key_id")
        .values_list("key_id", flat=True)
        .distinct()
    )


def _rekey_one(pk: int, newest: keyring.Kek) -> int:
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=pk)
        if recording.wrapped_key is None or recording.key_id == newest.id:
            return 0
        data_key = sealing.unwrap(recording.wrapped_key, recording.key_id, recording.public_id)
        old_id = recording.key_id
        recording.wrapped_key, recording.key_id = sealing.wrap(
            data_key, recording.public_id, newest
        )
        recording.save(update_fields=["wrapped_key", "key_id"])
        _event(
            recording,
            EventKind.REKEYED,
            None,
            timezone.now(),
            detail={"from_key": old_id, "to_key": newest.id},
        )
        return 1


def recording_seal_legacy(*, recording: Recording) -> bool:
    """Seal a plaintext file stored before sealing existed, then delete the plaintext."""
    if not recording.legacy_name or recording.shredded_at is not None:
        return False
    with default_storage.open(recording.legacy_name, "rb") as plain:
        head = sealing.read_full(plain, HEAD_BYTES)
        container = sniff(head) or ""
        duration, duration_source = duration_of(plain, container, head)
        try:
            blob = seal_into_storage(plain, recording.public_id)
        except _TooBig:
            raise _too_big_error() from None
    legacy = recording.legacy_name
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        if locked.legacy_name != legacy or locked.shredded_at is not None:
            _delete_quietly(recordings_storage(), blob.name)
            return False
        locked.blob_name, locked.wrapped_key, locked.key_id = (
            blob.name,
            blob.wrapped_key,
            blob.key_id,
        )
        locked.chunk_size, locked.size_bytes, locked.sha256 = (
            blob.chunk_size,
            blob.size,
            blob.sha256,
        )
        locked.container = container if container in Container.values else ""
        locked.duration_seconds, locked.duration_source = duration, duration_source
        locked.legacy_name = ""
        locked.save()
        _event(locked, EventKind.SEALED, None, timezone.now(), detail={"sha256": blob.sha256})
        transaction.on_commit(lambda: _delete_quietly(default_storage, legacy))
    return True
