"""Pages for when a call does not happen: the interpreter's dial attempts and
outcome, and the agency withdrawing its member after confirming.

Thin like the other views: they call calls.attempts and calls.services, and a
refusal comes back as a message, never a traceback.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import Role, User
from agents.links import ALARM, agent_link_read
from billing.models import Outcome
from common.errors import DomainError

from . import selectors, services, workflow
from .alarms import alarm_window_open, not_called_alarm_raise
from .attempts import attempt_log, dial_attempt_log
from .models import DEAD_SESSION_STATUSES, CallState, DialResult, NotCalledAlarm

MAX_REASON = 1000


class AttemptForm(forms.Form):
    number = forms.CharField(max_length=32)
    result = forms.ChoiceField(choices=DialResult.choices)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("How did it end?"),
        choices=[
            (o, label) for o, label in Outcome.choices if o in workflow.OUTCOMES[CallState.MISSED]
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("What happened"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the member can't take the call"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _interpreter_call(request, public_id):
    session = get_object_or_404(
        selectors.sessions_visible_to(request.user).select_related("call__confirmation"),
        call__public_id=public_id,
    )
    return session.call


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return _("Check the form.")


@role_required(Role.INTERPRETER)
@require_POST
def interpreter_attempt_log(request, public_id):
    """One tap: this number, this result, now."""
    call = _interpreter_call(request, public_id)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            dial_attempt_log(
                call=call,
                number=form.cleaned_data["number"],
                result=form.cleaned_data["result"],
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            result = DialResult(form.cleaned_data["result"]).label
            messages.success(request, _("Logged: %(result)s.") % {"result": result})
    return redirect(f"{_session_url(public_id)}#attempts")


@role_required(Role.INTERPRETER)
@require_POST
def interpreter_outcome(request, public_id):
    """The call did not take place: say why (checked against the attempt log)."""
    call = _interpreter_call(request, public_id)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            services.call_mark_missed(
                call=call,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            outcome = Outcome(form.cleaned_data["outcome"]).label
            messages.success(request, _("Recorded: %(outcome)s.") % {"outcome": outcome})
    return redirect(f"{_session_url(public_id)}#outcome")


def _session_url(public_id) -> str:
    return reverse("interpreter-session", args=[public_id])


@role_required(Role.AGENT)
@require_POST
def agent_call_withdraw(request, public_id):
    """The agency cancels after confirming: the member can't take the call."""
    call = get_object_or_404(selectors.calls_visible_to(request.user), public_id=public_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            services.call_cancel(call=call, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("The call is cancelled; the client and the office are told.")
            )
    return redirect("agent-call", public_id=call.public_id)


def interpreter_context(session, user) -> dict:
    """What the interpreter's session page shows for attempts and the outcome."""
    call = session.call
    on = call.state in (CallState.SCHEDULED, CallState.IN_PROGRESS)
    return {
        "attempt_log": attempt_log(call, None),
        "dial_results": DialResult.choices,
        "can_log_attempts": on,
        "outcome_form": OutcomeForm() if on else None,
    }


def agent_context(call, agent) -> dict:
    """What the agent's call page shows: the attempt log, withdrawing the member,
    and the "we were not called" alarm."""
    can_withdraw = CallState.CANCELLED in workflow.allowed_targets(call, agent)
    return {
        "attempt_log": attempt_log(call, None) if call.state != CallState.AWAITING_AGENT else [],
        "withdraw_form": WithdrawForm() if can_withdraw else None,
        **_alarm_context(call),
    }


def _alarm_context(call) -> dict:
    session = call.sessions.exclude(status__in=DEAD_SESSION_STATUSES).first()
    alarm = NotCalledAlarm.objects.filter(session=session).first() if session else None
    return {
        "alarm": alarm,
        "alarm_open": alarm is None and alarm_window_open(call, session, now=timezone.now()),
        "alarm_session": session,
        "duty_manager": selectors.duty_manager_current(),
    }


def _alarm_raise(request, call, agent, *, via_link: bool) -> None:
    try:
        _alarm, created = not_called_alarm_raise(call=call, actor=agent, via_link=via_link)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if created:
            messages.success(
                request,
                _("The interpreter and the duty manager have been alerted. Phone them too."),
            )
        else:
            messages.info(request, _("You raised the alarm already; they have been alerted."))


@role_required(Role.AGENT)
@require_POST
def agent_call_alarm(request, public_id):
    """The signed-in agent: "we were not called"."""
    call = get_object_or_404(selectors.calls_visible_to(request.user), public_id=public_id)
    _alarm_raise(request, call, request.user, via_link=False)
    return redirect(f"{reverse('agent-call', args=[call.public_id])}#alarm")


def agent_alarm_link(request, token):
    """The emailed link: the alarm for one call, without signing in."""
    link = agent_link_read(token, purpose=ALARM)
    agent = call = None
    if link is not None:
        agent = User.objects.filter(pk=link.agent_id, role=Role.AGENT, is_active=True).first()
    if agent is not None:
        call = selectors.calls_visible_to(agent).filter(public_id=link.call_public_id).first()
    if call is None:
        return render(request, "agents/link_refused.html", {"reason": "invalid"}, status=404)
    if request.method == "POST":
        _alarm_raise(request, call, agent, via_link=True)
        return redirect(request.path)
    return render(
        request,
        "agents/alarm_link.html",
        {"call": call, "agent": agent, "display_tz": agent.time_zone, **_alarm_context(call)},
    )
