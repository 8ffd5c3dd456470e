"""Recordings (sealed), what happened to them, who listened, how long they are kept.

A recording's row outlives its audio: once shredded (retention, erasure) the
wrapped key is gone and the file deleted, the row and its history stay as
the proof. The history (`RecordingEvent`) and the listening log
(`RecordingAccess`) are append-only, like the ledger: the model refuses to
change or delete a row and, on PostgreSQL, so does the database (0002).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from common.models import AppendOnly

from .containers import CONTENT_TYPES, Container, DurationSource


class Recording(models.Model):
    # Names the recording in URLs: random, so nothing can be counted or guessed.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.OneToOneField(
        "calls.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="recording",
    )
    # The sealed file's name in the "recordings" storage (random, no personal data).
    blob_name = models.CharField(max_length=200, blank=True)
    # The data key, wrapped by the key `key_id` of RECORDING_KEYS; None once shredded.
    wrapped_key = models.BinaryField(null=True, blank=True, editable=False)
    key_id = models.CharField(_("key"), max_length=32, blank=True)
    chunk_size = models.PositiveIntegerField(default=64 * 1024)
    container = models.CharField(_("format"), max_length=8, choices=Container.choices, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    duration_seconds = models.DecimalField(
        _("duration (seconds)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    duration_source = models.CharField(
        _("duration from"),
        max_length=12,
        choices=DurationSource.choices,
        blank=True,
    )
    # None: the system (a video room's server recording).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    # A plaintext file (default storage) from before sealing; `recordings_seal` seals it.
    legacy_name = models.CharField(max_length=200, blank=True)
    shredded_at = models.DateTimeField(_("shredded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shredded_at__isnull=True) | models.Q(wrapped_key__isnull=True),
                name="recording_shredded_has_no_key",
            ),
        ]

    def __str__(self) -> str:
        return f"recording {str(self.public_id)[:8]}"

    @property
    def is_sealed(self) -> bool:
        return self.wrapped_key is not None and self.shredded_at is None

    @property
    def is_playable(self) -> bool:
        return self.is_sealed

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.container, "application/octet-stream")


class EventKind(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded and sealed")
    REPLACED = "replaced", _("Replaced by a new upload")
    SEALED = "sealed", _("Sealed (was stored in plain)")
    REKEYED = "rekeyed", _("Data key rewrapped")
    HOLD_SET = "hold_set", _("Legal hold set")
    HOLD_RELEASED = "hold_released", _("Legal hold released")
    PURGED = "purged", _("Shredded: retention ended")
    ERASED = "erased", _("Shredded: a person's data erased")


class RecordingEvent(AppendOnly):
    """The recording's history: who uploaded, replaced, held, shredded it, and why."""

    recording = models.ForeignKey(
        Recording, verbose_name=_("recording"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("when"))
    reason = models.TextField(_("why"), blank=True)
    # What the event replaced or changed (the old file's SHA-256 and size, key ids).
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("recording event")
        verbose_name_plural = _("recording events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["recording", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


class RecordingAccess(AppendOnly):
    """One read of a recording's audio: who, when, which part, how much, from where."""

    recording = models.ForeignKey(
        Recording, verbose_name=_("recording"), on_delete=models.PROTECT, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        related_name="recording_accesses",
    )
    # The role they listened in (a person's role may change later).
    role = models.CharField(_("as"), max_length=20, choices=Role.choices)
    at = models.DateTimeField(_("when"))
    # Plaintext bytes start..end (inclusive) sent in this answer.
    range_start = models.PositiveBigIntegerField(_("from byte"))
    range_end = models.PositiveBigIntegerField(_("to byte"), null=True, blank=True)
    bytes_sent = models.PositiveBigIntegerField(_("bytes"))
    ip = models.GenericIPAddressField(_("from (IP address)"), null=True, blank=True)

    class Meta:
        verbose_name = _("recording access")
        verbose_name_plural = _("recording accesses")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["recording", "-at"]),
            models.Index(fields=["user", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.at:%Y-%m-%d %H:%M}"


class RetentionPolicy(models.Model):
    """How long recordings are kept, in force from `effective_from` until the next row.

    A recording follows the policy in force when its call was settled (as a
    tariff prices a call by the terms in force when it was booked)."""

    effective_from = models.DateTimeField(_("in force from"), unique=True)
    keep_days = models.PositiveIntegerField(_("kept for (days after the call is settled)"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(keep_days__gte=1), name="retention_keeps_at_least_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.keep_days} d from {self.effective_from:%Y-%m-%d}"


class LegalHold(models.Model):
    """A duty manager's hold: the recording is kept, whatever the policy, until released."""

    recording = models.ForeignKey(
        Recording, verbose_name=_("recording"), on_delete=models.PROTECT, related_name="holds"
    )
    reason = models.TextField(_("why"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    set_at = models.DateTimeField(_("set at"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_reason = models.TextField(_("why released"), blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-set_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recording"],
                condition=models.Q(released_at__isnull=True),
                name="legal_hold_one_active_per_recording",
            ),
        ]

    def __str__(self) -> str:
        return f"hold on {self.recording}"
