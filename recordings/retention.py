"""Retention as data: which recordings have outlived their policy, and the purge.

A recording is kept `keep_days` (the RetentionPolicy in force when its call's
charge was closed — settled, or released when nothing was charged) after
that moment; longer while a legal hold is active or a dispute on its call is
open. A call whose charge is still held (not settled) keeps its recording.
The purge destroys the data key and the file (recordings.services.recording_shred)
and writes a "purged" event naming the policy; running it again purges nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from billing.models import CallCharge, ChargeStatus

from . import services
from .models import EventKind, LegalHold, Recording, RetentionPolicy


@dataclass
class PurgeResult:
    purged: list[Recording] = field(default_factory=list)
    kept_hold: int = 0
    kept_dispute: int = 0
    dry_run: bool = False


def policy_at(policies: list[RetentionPolicy], moment: datetime) -> RetentionPolicy | None:
    """The policy in force at `moment` (`policies` newest first)."""
    return next((p for p in policies if p.effective_from <= moment), None)


def _closed_at():
    return Subquery(
        CallCharge.objects.filter(
            call_id=OuterRef("session__call_id"),
            status__in=[ChargeStatus.SETTLED, ChargeStatus.RELEASED],
        ).values("closed_at")[:1]
    )


def expiry_of(recording: Recording) -> datetime | None:
    """When the recording's retention ends, ignoring holds and disputes; None: not yet known."""
    closed = (
        Recording.objects.filter(pk=recording.pk)
        .annotate(closed_at=_closed_at())
        .values_list("closed_at", flat=True)
        .first()
    )
    policy = policy_at(list(RetentionPolicy.objects.all()), closed) if closed else None
    return closed + timedelta(days=policy.keep_days) if policy else None


def recordings_purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    now = now or timezone.now()
    policies = list(RetentionPolicy.objects.order_by("-effective_from"))
    result = PurgeResult(dry_run=dry_run)
    if not policies:
        return result  # no policy: nothing is ever due
    shortest = min(p.keep_days for p in policies)
    candidates = (
        Recording.objects.filter(shredded_at__isnull=True)
        .annotate(
            closed_at=_closed_at(),
            held=Exists(LegalHold.objects.filter(recording=OuterRef("pk"), released_at=None)),
            disputed=Exists(
                Recording.objects.filter(pk=OuterRef("pk"), session__call__disputes__status="open")
            ),
        )
        .filter(closed_at__lte=now - timedelta(days=shortest))
        .select_related("session")
        .order_by("pk")
    )
    for recording in candidates.iterator(chunk_size=500):
        policy = policy_at(policies, recording.closed_at)
        if policy is None or recording.closed_at + timedelta(days=policy.keep_days) > now:
            continue
        if recording.held:
            result.kept_hold += 1
            continue
        if recording.disputed:
            result.kept_dispute += 1
            continue
        if dry_run:
            result.purged.append(recording)
            continue
        shredded = services.recording_shred(
            recording=recording,
            kind=EventKind.PURGED,
            actor=None,
            reason=(
                f"retention: {policy.keep_days} days after the call was settled "
                f"({recording.closed_at:%Y-%m-%d})"
            ),
            detail={
                "policy_id": policy.pk,
                "keep_days": policy.keep_days,
                "settled_at": recording.closed_at.isoformat(),
            },
            now=now,
        )
        if shredded:
            result.purged.append(recording)
    return result
