"""The duty desk (/duty/) and the disputes of clients and agents.

The desk lists what needs the duty manager now; the call page puts the
recording, the attempt log, the timeline and the billing breakdown on one
page with the decision form. Clients and agents raise a dispute from their
own call pages (the form is the `dispute_box` tag). Views only read through
duty.selectors and write through duty.services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import Role
from calls import selectors as call_selectors
from calls.models import Call
from common.errors import DomainError
from common.forms import add_domain_error
from recordings import exports as recording_exports
from recordings import selectors as recording_selectors
from recordings import services as recording_services
from recordings import serving as recording_http
from rooms import selectors as room_selectors

from . import selectors, services
from .models import Dispute, DisputeStatus

DESK_ROLES = (Role.DUTY_MANAGER, Role.OPERATOR)


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What is wrong with this call?"),
        max_length=services.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("adjust", gettext_lazy("Correct the billing (ledger adjustment)")),
            ("refuse", gettext_lazy("Refuse: the billing stands")),
        ],
        widget=forms.RadioSelect,
    )
    client_refund = forms.DecimalField(
        label=gettext_lazy("Refund to the client (credits)"),
        required=False,
        max_digits=13,
        decimal_places=2,
        min_value=0,
    )
    agency_correction = forms.DecimalField(
        label=gettext_lazy("Correction of the agency's commission (credits, − takes back)"),
        required=False,
        max_digits=13,
        decimal_places=2,
    )
    reason = forms.CharField(
        label=gettext_lazy("Why (both sides read this)"),
        max_length=services.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@role_required(*DESK_ROLES)
def duty_desk(request):
    now = timezone.now()
    return render(
        request,
        "duty/desk.html",
        {
            "overdue": selectors.overdue_sessions(now=now)[:100],
            "alarms": selectors.alarms_recent(now=now)[:100],
            "tasks": selectors.tasks_open()[:100],
            "disputes": selectors.disputes_open()[:100],
            "now": now,
        },
    )


def _desk_call(public_id) -> Call:
    calls = Call.objects.select_related("member__agency", "client", "created_by")
    return get_object_or_404(calls, public_id=public_id)


def _render_call(request, call, *, form=None, status=200):
    story = selectors.call_story(call)
    recording = story["recording"]
    open_dispute = next((d for d in story["disputes"] if d.status == DisputeStatus.OPEN), None)
    return render(
        request,
        "duty/call.html",
        {
            "call": call,
            **story,
            "open_dispute": open_dispute,
            "decision_form": form or (DecisionForm() if open_dispute else None),
            "duty_manager": call_selectors.duty_manager_current(),
            **(recording_selectors.recording_facts(recording) if recording else {}),
            "room_log": room_selectors.room_log(story["session"])
            if story["session"] is not None and call.is_video
            else [],
        },
        status=status,
    )


@role_required(*DESK_ROLES)
def duty_call(request, public_id):
    return _render_call(request, _desk_call(public_id))


@role_required(*DESK_ROLES)
def duty_recording(request, public_id):
    """The download of the call's recording (the page plays it through recording-audio)."""
    recording = recording_selectors.recording_of_call(_desk_call(public_id))
    if recording is None:
        raise Http404
    return recording_http.serve(request, recording, download=True)


@role_required(Role.DUTY_MANAGER)
@require_POST
def duty_recording_hold(request, public_id):
    """A legal hold set or released (with a reason) by a duty manager."""
    call = _desk_call(public_id)
    recording = recording_selectors.recording_of_call(call)
    if recording is None:
        raise Http404
    hold = request.POST.get("action") == "hold"
    change = recording_services.legal_hold_set if hold else recording_services.legal_hold_release
    try:
        change(recording=recording, actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The recording is held.") if hold else _("The legal hold is released.")
        )
    return redirect("duty-call", public_id=call.public_id)


@role_required(*DESK_ROLES)
def duty_recording_accesses_csv(request, public_id):
    """Every access to the call's recording as CSV (the log itself is append-only)."""
    recording = recording_selectors.recording_of_call(_desk_call(public_id))
    if recording is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recording-accesses.csv"'
    recording_exports.write_accesses_csv(
        recording_selectors.accesses(recording=recording), response
    )
    return response


@role_required(*DESK_ROLES)
@require_POST
def duty_dispute_decide(request, public_id, dispute_id):
    call = _desk_call(public_id)
    dispute = get_object_or_404(Dispute, pk=dispute_id, call=call)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.dispute_resolve(
                dispute=dispute,
                actor=request.user,
                adjust=data["decision"] == "adjust",
                reason=data["reason"],
                client_refund=data["client_refund"],
                agency_correction=data["agency_correction"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"decision": "reason"})
        else:
            messages.success(request, _("Decided. The client and the agency are told."))
            return redirect("duty-call", public_id=call.public_id)
    return _render_call(request, call, form=form, status=400)


def _raise(request, public_id, *, back: str):
    call = get_object_or_404(call_selectors.calls_visible_to(request.user), public_id=public_id)
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what is wrong with the call."))
    else:
        try:
            services.dispute_raise(
                call=call, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Your dispute is with the duty manager. You will be told the decision.")
            )
    return redirect(back, public_id=call.public_id)


@role_required(Role.CLIENT)
@require_POST
def client_dispute(request, public_id):
    return _raise(request, public_id, back="client-call")


@role_required(Role.AGENT)
@require_POST
def agent_dispute(request, public_id):
    return _raise(request, public_id, back="agent-call")
