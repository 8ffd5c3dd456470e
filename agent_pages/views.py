"""The agent's pages: the inbox, the confirmation form (signed in or through the
emailed link), the call page with the interpreter's contact, withdrawing the member, the
"we were not called" alarm, the statement.

They live above calls, not in agents, because they act on calls (agents sits
below calls and billing and imports neither). A link acts as the agent it was
sent to for that one request: the agent is passed to the services as the
actor; no login session is created.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import Role
from agents.contact_rules import NumberInput, NumberRole
from agents.forms import ANSWER_NO, ConfirmForm, NumberFormSet
from agents.links import ALARM, PURPOSE
from billing.selectors import agency_commission_total
from billing.statements import agent_statement, statement_csv_lines
from calls import selectors, services, workflow
from calls.dial_log import attempt_log
from calls.models import CallKind, CallState, NotCalledAlarm
from calls.services.alarms import alarm_window_open, not_called_alarm_raise
from calls.services.moves import call_move_request
from common.errors import DomainError
from common.forms import add_domain_error, first_error

from .forms import MoveRequestForm, WithdrawForm

PAGE_SIZE = 20
OPEN_STATES = [CallState.CONFIRMED, CallState.SCHEDULED, CallState.IN_PROGRESS]


@role_required(Role.AGENT)
def agent_inbox(request):
    calls = selectors.agent_calls(request.user)
    waiting = calls.filter(state=CallState.AWAITING_AGENT).order_by("created_at")
    upcoming = calls.filter(state__in=OPEN_STATES).order_by("created_at")
    earlier = calls.exclude(state__in=[CallState.AWAITING_AGENT, *OPEN_STATES])
    return render(
        request,
        "agents/inbox.html",
        {
            "waiting": Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("waiting")),
            "upcoming": Paginator(upcoming, PAGE_SIZE).get_page(request.GET.get("upcoming")),
            "earlier": Paginator(earlier, PAGE_SIZE).get_page(request.GET.get("page")),
        },
    )


@role_required(Role.AGENT)
def agent_call(request, public_id):
    calls = selectors.agent_calls(request.user).prefetch_related("confirmation__numbers")
    call = get_object_or_404(calls, public_id=public_id)
    if call.state == CallState.AWAITING_AGENT:
        result = _confirmation(request, call, agent=request.user)
        if result is None:
            return redirect("agent-call", public_id=call.public_id)
        return result
    return _call_page(request, call)


def _call_page(request, call, *, move_form=None, status=200):
    context = {
        "call": call,
        "session": call.active_session,
        "confirmation": getattr(call, "confirmation", None),
        "duty_manager": selectors.duty_manager_current(),
        **agent_context(call, request.user),
    }
    if move_form is not None:
        context["move_form"] = move_form  # what was typed, with its errors
    return render(request, "agents/call_detail.html", context, status=status)


def speak_the_agents_language(request, agent) -> None:
    """An emailed link opens in the agent's own language unless this device chose one."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and not request.user.is_authenticated:
        translation.activate(agent.language)
        request.LANGUAGE_CODE = agent.language


def agent_link(request, token):
    """The emailed link: answer one request without signing in."""
    opened = selectors.agent_link_call(token, purpose=PURPOSE)
    if opened is None:
        return render(request, "agents/link_refused.html", {"reason": "invalid"}, status=404)
    agent, call = opened
    speak_the_agents_language(request, agent)
    if call.state != CallState.AWAITING_AGENT:
        return render(
            request,
            "agents/link_refused.html",
            {"reason": "used", "display_tz": agent.time_zone},
            status=410,
        )
    result = _confirmation(request, call, agent=agent, via_link=True)
    if result is None:
        call.refresh_from_db()
        return render(
            request,
            "agents/link_done.html",
            {"call": call, "agent": agent, "display_tz": agent.time_zone},
        )
    return result


def _initial_rows(agent):
    return [
        {"role": NumberRole.MEMBER},
        {"role": NumberRole.AGENT_MOBILE, "number": agent.phone.as_e164 if agent.phone else ""},
        {"role": NumberRole.RESPONSIBLE},
    ]


def _confirmation(request, call, *, agent, via_link=False):
    """The confirmation form; None once the answer is recorded."""
    member_tz = call.member.time_zone
    if request.method == "POST":
        form = ConfirmForm(request.POST, member_time_zone=member_tz)
        formset = NumberFormSet(request.POST, prefix="numbers")
    else:
        form = ConfirmForm(member_time_zone=member_tz, initial={"dial": "0"})
        formset = NumberFormSet(prefix="numbers", initial=_initial_rows(agent))
    numbers_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            _answer(call, agent, form, formset)
        except DomainError as exc:
            numbers_errors = _show_errors(exc, form, formset)
        else:
            if not via_link:
                messages.success(request, _("Thank you. Your answer is recorded."))
            return None
    return render(
        request,
        "agents/confirm.html",
        {
            "call": call,
            "agent": agent,
            "form": form,
            "formset": formset,
            "numbers_errors": numbers_errors,
            "numbers_have_errors": bool(numbers_errors) or formset.total_error_count() > 0,
            "via_link": via_link,
            "display_tz": agent.time_zone,
        },
        status=400 if request.method == "POST" else 200,
    )


def _answer(call, agent, form, formset) -> None:
    data = form.cleaned_data
    if data["answer"] == ANSWER_NO:
        services.call_decline(call=call, actor=agent, reason=data["decline_reason"])
        return
    rows = [
        NumberInput(role=row.get("role", ""), raw=row.get("number", ""))
        for row in formset.cleaned_data
    ]
    dial = ""
    if (data["dial"] or "").isdigit() and int(data["dial"]) < len(rows):
        dial = rows[int(data["dial"])].raw
    services.call_confirm(
        call=call,
        actor=agent,
        numbers=rows,
        responsible_name=data["responsible_name"],
        agent_is_responsible=data["agent_is_responsible"],
        dial=dial,
        video_handle=data["video_handle"],
        availability=data["availability"],
        member_windows=data["member_windows"],
    )


def _show_errors(exc, form, formset) -> list[str]:
    """Put each broken rule on its field; return the ones about the numbers as a whole."""
    numbers_errors = []
    for key, msgs in (exc.errors or {}).items():
        index = key.removeprefix("numbers-")
        if index.isdigit() and int(index) < len(formset.forms):
            for message in msgs:
                formset.forms[int(index)].add_error("number", message)
        elif key == "numbers":
            numbers_errors.extend(msgs)
        else:
            name = "decline_reason" if key == "reason" else key
            for message in msgs:
                form.add_error(name if name in form.fields else None, message)
    if not exc.errors:
        form.add_error(None, exc.message)
    return numbers_errors


def _statement_month(request) -> tuple[int, int]:
    """The month asked for as ?month=YYYY-MM; this month (UTC) when not given.
    A month given but not of that form is refused (DomainError "bad_month")."""
    raw = request.GET.get("month")
    if raw is None or raw == "":
        today = timezone.now()
        return today.year, today.month
    year, _sep, month = raw.partition("-")
    if not (len(year) == 4 and len(month) == 2 and year.isdigit() and month.isdigit()):
        raise DomainError("bad_month", _("Give the month as YYYY-MM."), field="month")
    return int(year), int(month)


def _statement(request):
    """The agency's statement for the month asked for; DomainError for a bad month
    (page and CSV refuse it alike: 400 with the same message)."""
    year, month = _statement_month(request)
    return agent_statement(
        agency_id=request.user.agency_id,
        year=year,
        month=month,
        member_names=selectors.member_names_for_calls,
    )


def _month_refused(request, exc: DomainError, *, as_csv: bool):
    if as_csv:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    return render(
        request, "agents/statement.html", {"statement": None, "error": exc.message}, status=400
    )


@role_required(Role.AGENT)
def agent_statement_page(request):
    try:
        statement = _statement(request)
    except DomainError as exc:
        return _month_refused(request, exc, as_csv=False)
    first = date(statement.year, statement.month, 1)
    previous = first - timedelta(days=1)
    following = first + timedelta(days=32)
    return render(
        request,
        "agents/statement.html",
        {
            "statement": statement,
            "month": first,
            "month_param": f"{first:%Y-%m}",
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}" if following <= timezone.now().date() else "",
            "all_time": agency_commission_total(request.user.agency_id),
            "kind_labels": dict(CallKind.choices),
        },
    )


@role_required(Role.AGENT)
def agent_statement_csv(request):
    """Streamed as it is read (20,000 calls a month stay in constant memory)."""
    try:
        year, month = _statement_month(request)
        lines = statement_csv_lines(
            agency_id=request.user.agency_id,
            year=year,
            month=month,
            member_names=selectors.member_names_for_calls,
        )
    except DomainError as exc:
        return _month_refused(request, exc, as_csv=True)
    response = StreamingHttpResponse(
        _in_language(lines, translation.get_language()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="commission-{year:04d}-{month:02d}.csv"'
    )
    return response


@role_required(Role.AGENT)
@require_POST
def agent_call_withdraw(request, public_id):
    """The agency cancels after confirming: the member can't take the call."""
    call = get_object_or_404(selectors.calls_visible_to(request.user), public_id=public_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
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


@require_POST
@role_required(Role.AGENT)
def agent_call_move(request, public_id):
    """The agency asks the office for another time, with the member's new windows."""
    calls = selectors.agent_calls(request.user).prefetch_related("confirmation__numbers")
    call = get_object_or_404(calls, public_id=public_id)
    form = MoveRequestForm(request.POST, member_time_zone=_member_zone(call))
    if form.is_valid():
        try:
            call_move_request(
                call=call,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                member_windows=form.cleaned_data["member_windows"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("The office has your request and will let you know the new time.")
            )
            return redirect("agent-call", public_id=call.public_id)
    return _call_page(request, call, move_form=form, status=400)


def _member_zone(call) -> str:
    confirmation = getattr(call, "confirmation", None)
    return (confirmation and confirmation.member_time_zone) or call.member.time_zone


def agent_context(call, agent) -> dict:
    """What the agent's call page shows: the attempt log, withdrawing the member,
    and the "we were not called" alarm."""
    can_withdraw = CallState.CANCELLED in workflow.allowed_targets(call, agent)
    return {
        "attempt_log": attempt_log(call, None) if call.state != CallState.AWAITING_AGENT else [],
        "withdraw_form": WithdrawForm() if can_withdraw else None,
        "move_form": MoveRequestForm(member_time_zone=_member_zone(call))
        if call.state == CallState.SCHEDULED
        else None,
        **_alarm_context(call),
    }


def _alarm_context(call) -> dict:
    session = call.sessions.live().first()
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
    opened = selectors.agent_link_call(token, purpose=ALARM)
    if opened is None:
        return render(request, "agents/link_refused.html", {"reason": "invalid"}, status=404)
    agent, call = opened
    speak_the_agents_language(request, agent)
    if request.method == "POST":
        _alarm_raise(request, call, agent, via_link=True)
        return redirect(request.path)
    return render(
        request,
        "agents/alarm_link.html",
        {"call": call, "agent": agent, "display_tz": agent.time_zone, **_alarm_context(call)},
    )


def _in_language(lines, language):
    """The lines are written while the response is sent, after the view (and the
    middleware's language) has returned: keep the reader's language meanwhile."""
    with translation.override(language):
        yield from lines
