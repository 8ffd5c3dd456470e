"""Writes for the duty desk: raising and deciding disputes.

A dispute is raised by the call's client or an agent of the member's agency on
a settled call, with a reason. The duty manager (or an operator) decides it in
one transaction: an adjustment through billing's ledger service, or a refusal;
the decision, its reason and the amounts stay on the dispute (the audit), and
both sides are told through the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from billing import services as billing_services
from billing.formatting import credits
from billing.models import CallCharge, ChargeStatus
from calls.models import Call
from calls.signals import dispute_decided, dispute_opened
from calls.workflow import lock_call
from common.errors import Conflict, DomainError, NotFound
from notifications import selectors as notification_selectors
from notifications.services import notify

from .models import Dispute, DisputeStatus

MAX_REASON = 2000


def may_dispute(call: Call, user: User) -> bool:
    """The call's client, or an agent of the member's agency."""
    if user.role == Role.CLIENT:
        return call.client_id == user.pk
    if user.role == Role.AGENT:
        return call.member.agency_id == user.agency_id
    return False


def may_decide(user: User) -> bool:
    return user.is_active and (user.role == Role.DUTY_MANAGER or user.is_operator)


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Say why."), field=field)
    if len(reason) > MAX_REASON:
        raise DomainError(
            "reason_too_long",
            _("Too long (at most %(max)d characters).") % {"max": MAX_REASON},
            field=field,
        )
    return reason


def _duty_managers() -> list[User]:
    return list(User.objects.filter(role=Role.DUTY_MANAGER, is_active=True).order_by("id"))


def dispute_raise(*, call: Call, actor: User, reason: str, now: datetime | None = None) -> Dispute:
    """Contest a settled call; a call with an open dispute returns that one."""
    now = now or timezone.now()
    if not may_dispute(call, actor):
        raise NotFound("not_found", _("No such call."))
    reason = _reason(reason)
    with transaction.atomic():
        locked = lock_call(call.pk)
        if not CallCharge.objects.filter(call_id=locked.pk, status=ChargeStatus.SETTLED).exists():
            raise Conflict("not_settled", _("Only a call that has been billed can be disputed."))
        open_one = Dispute.objects.filter(call=locked, status=DisputeStatus.OPEN).first()
        if open_one is not None:
            return open_one
        if Dispute.objects.filter(call=locked, status=DisputeStatus.ADJUSTED).exists():
            raise Conflict(
                "already_adjusted",
                _("This call's dispute was decided with a refund already."),
            )
        try:
            with transaction.atomic():
                dispute = Dispute.objects.create(
                    call=locked, raised_by=actor, reason=reason, raised_at=now
                )
        except IntegrityError:
            return Dispute.objects.get(call=locked, status=DisputeStatus.OPEN)
        notify(
            kind=f"dispute{dispute.pk}_raised",
            template="dispute_raised_duty_manager",
            recipients=_duty_managers(),
            context={"call": locked, "dispute": dispute, "member": locked.member},
            call=locked,
            now=now,
        )
        dispute_opened.send(sender=Dispute, dispute=dispute, call_id=locked.pk, at=now)
    return dispute


def _money(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise DomainError("bad_amount", _("Give credits with at most two decimals."), field=field)
    return amount or None


def dispute_resolve(
    *,
    dispute: Dispute,
    actor: User,
    adjust: bool,
    reason: str,
    client_refund=None,
    agency_correction=None,
    now: datetime | None = None,
) -> Dispute:
    """Decide an open dispute: adjust the ledger (refund the client and/or correct
    the agency's commission) or refuse, with a reason; tell both sides."""
    now = now or timezone.now()
    if not may_decide(actor):
        raise NotFound("not_found", _("No such dispute."))
    reason = _reason(reason, "decision")
    refund = _money(client_refund, "client_refund") if adjust else None
    correction = _money(agency_correction, "agency_correction") if adjust else None
    if adjust and refund is None and correction is None:
        raise DomainError(
            "amount_required",
            _("Give the refund to the client, the correction of the commission, or both."),
            field="client_refund",
        )
    if refund is not None and refund < 0:
        raise DomainError(
            "bad_amount", _("A refund gives credits back: more than zero."), field="client_refund"
        )
    with transaction.atomic():
        call = lock_call(dispute.call_id)
        locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if locked.status != DisputeStatus.OPEN:
            raise Conflict("already_decided", _("This dispute has been decided already."))
        note = _("Dispute on call %(call)s: %(reason)s") % {"call": call.number, "reason": reason}
        if refund is not None:
            billing_services.adjustment_post(
                client=call.client,
                amount=refund,
                reason=note,
                actor=actor,
                call_id=call.pk,
                now=now,
            )
        if correction is not None:
            billing_services.adjustment_post(
                account=billing_services.agency_account(call.member.agency_id),
                amount=correction,
                reason=note,
                actor=actor,
                call_id=call.pk,
                now=now,
            )
        locked.status = DisputeStatus.ADJUSTED if adjust else DisputeStatus.REFUSED
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision = reason
        locked.client_refund = refund
        locked.agency_correction = correction
        locked.save()
        notify(
            kind=f"dispute{locked.pk}_decided",
            template="dispute_decided",
            recipients=[call.client, *notification_selectors.agents_for_call(call)],
            context={
                "call": call,
                "dispute": locked,
                "member": call.member,
                "refund": credits(refund) if refund else "",
                "correction": credits(correction) if correction else "",
            },
            call=call,
            now=now,
        )
        dispute_decided.send(sender=Dispute, dispute=locked, call_id=call.pk, at=now)
    return locked
