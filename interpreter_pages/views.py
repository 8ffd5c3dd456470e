"""The interpreter's pages: the day, a session (start, end, recording) and, when
the call does not happen, the dial attempts and the outcome.

Thin like the other views: they call calls.services, and a refusal comes back
as a message or next to its field, never a traceback.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import Role
from billing.models import Outcome
from calls import occupancy, selectors, services
from calls.dial_log import attempt_log
from calls.models import CallState, DialResult, SessionStatus
from calls.services.attempts import dial_attempt_log
from common.errors import DomainError
from common.forms import add_domain_error, first_error
from common.localtime import local_day_start
from recordings import selectors as recording_selectors
from recordings import services as recording_services
from recordings import serving as recording_http

from .forms import AttemptForm, EndSessionForm, OutcomeForm, RecordingForm

PAGE_SIZE = 20


def paginate(request, queryset, param="page"):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))


@role_required(Role.INTERPRETER)
def interpreter_day(request):
    user = request.user
    now = timezone.now()
    # "Today" is the interpreter's own calendar day (DST-correct: 23 or 25 hours).
    today_local = now.astimezone(user.tz).date()
    day_start = local_day_start(today_local, user.tz)
    next_day = local_day_start(today_local + timedelta(days=1), user.tz)
    sessions = selectors.interpreter_sessions(user)
    running = [SessionStatus.IN_PROGRESS, SessionStatus.OVERDUE]
    today = sessions.filter(starts_at__gte=day_start, starts_at__lt=next_day) | sessions.filter(
        status__in=running
    )
    upcoming = paginate(
        request,
        sessions.filter(starts_at__gte=next_day, status=SessionStatus.PLANNED).order_by(
            "starts_at"
        ),
    )
    return render(
        request,
        "interpreter/day.html",
        {"today": today.order_by("starts_at"), "upcoming": upcoming, "now": now},
    )


def _interpreter_session(request, public_id):
    return get_object_or_404(
        selectors.interpreter_sessions(request.user), call__public_id=public_id
    )


def _render_session(request, session, *, end_form=None, recording_form=None, status=200):
    return render(
        request,
        "interpreter/session.html",
        {
            "session": session,
            "call": session.call,
            "confirmation": getattr(session.call, "confirmation", None),
            "has_recording": _has_recording(session),
            "may_listen": _has_recording(session)
            and recording_selectors.may_listen(request.user, session.recording, now=timezone.now()),
            # The Start button shows from the start lead before the session's time.
            "startable_from": occupancy.earliest_start(session.starts_at),
            "now": timezone.now(),
            "end_form": end_form or EndSessionForm(),
            "recording_form": recording_form or RecordingForm(),
            **interpreter_context(session, request.user),
        },
        status=status,
    )


def _has_recording(session) -> bool:
    recording = getattr(session, "recording", None)
    return recording is not None and recording.is_playable


@role_required(Role.INTERPRETER)
def interpreter_session(request, public_id):
    return _render_session(request, _interpreter_session(request, public_id))


@role_required(Role.INTERPRETER)
@require_POST
def interpreter_session_start(request, public_id):
    session = _interpreter_session(request, public_id)
    try:
        services.session_start(session=session, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The session has started. The call is being recorded."))
    return redirect("interpreter-session", public_id=public_id)


@role_required(Role.INTERPRETER)
@require_POST
def interpreter_session_end(request, public_id):
    session = _interpreter_session(request, public_id)
    form = EndSessionForm(request.POST, request.FILES)
    if form.is_valid():

        def end():
            services.session_end(
                session=session,
                actor=request.user,
                talk_seconds=form.cleaned_data["talk_seconds"],
                talk_reason=form.cleaned_data["talk_reason"],
                no_recording_reason=form.cleaned_data["no_recording_reason"],
            )

        try:
            if form.cleaned_data["file"]:
                # One answer for the form: the recording is kept only if the
                # session ends with it (a refused end keeps no file).
                recording_services.recording_attach(
                    session=session, file=form.cleaned_data["file"], actor=request.user, then=end
                )
            else:
                end()
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The session has ended and the call is complete."))
            return redirect("interpreter-session", public_id=public_id)
    session = _interpreter_session(request, public_id)
    return _render_session(request, session, end_form=form, status=400)


@role_required(Role.INTERPRETER)
@require_POST
def interpreter_recording_attach(request, public_id):
    session = _interpreter_session(request, public_id)
    form = RecordingForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            recording_services.recording_attach(
                session=session,
                file=form.cleaned_data["file"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The recording is attached."))
            return redirect("interpreter-session", public_id=public_id)
    return _render_session(request, session, recording_form=form, status=400)


@role_required(Role.INTERPRETER)
def interpreter_recording_download(request, public_id):
    """Recordings are personal data: served (and logged) by the recordings service,
    to the session's interpreter for RECORDING_INTERPRETER_DAYS after it."""
    session = _interpreter_session(request, public_id)
    if not _has_recording(session):
        raise Http404
    return recording_http.serve(request, session.recording, download=True)


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


def _interpreter_call(request, public_id):
    session = get_object_or_404(
        selectors.sessions_visible_to(request.user).select_related("call__confirmation"),
        call__public_id=public_id,
    )
    return session.call


@role_required(Role.INTERPRETER)
@require_POST
def interpreter_attempt_log(request, public_id):
    """One tap: this number, this result, now."""
    call = _interpreter_call(request, public_id)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
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
        messages.error(request, first_error(form))
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
