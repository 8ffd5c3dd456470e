"""The operators' workplace for calls: find, book, confirm, schedule, move along.

Every button here calls the same services as the pages and the API; the admin
holds no rule of its own. A refused request comes back as a message on the
form, never a traceback.
"""

import re

from django.contrib import admin, messages
from django.contrib.admin import DateFieldListFilter
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import agency_agents
from agents.contact_rules import NumberInput
from calls import services, talk_time, workflow
from calls.dial_log import attempt_log
from calls.models import (
    Call,
    CallState,
    CallTransition,
    DialAttempt,
    DialResult,
    NotCalledAlarm,
    Session,
    SessionTransition,
)
from calls.selectors import calls_visible_to, duty_manager_current
from calls.services import slots
from calls.services.attempts import dial_attempt_log
from common import dates
from common.admin import ReadOnlyAdmin
from common.errors import DomainError
from common.forms import add_domain_error
from common.paginators import LargeTableAdmin
from common.phones import readable

from .admin_forms import OperatorConfirmForm, ScheduleForm, TransitionForm
from .admin_scale import (
    AgencyFilter,
    InterpreterFilter,
    SessionDateFilter,
    SessionInterpreterFilter,
    calls_search,
)
from .admin_statements import offer_statement_on_agencies
from .admin_views import admin_find_time_view, admin_week_board_view
from .call_times import schedule_zone_times, times_intro

# What a public id (or its start, as shown in old emails) looks like in a search box.
PUBLIC_ID_PREFIX = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{1,4}){0,4}[0-9a-f-]*$", re.IGNORECASE)

KIND_SHORT = {
    "phone_interpreted": gettext_lazy("phone + interpreter"),
    "phone_direct": gettext_lazy("phone"),
    "video": gettext_lazy("video"),
}

# Target state -> what the button does. Confirm and schedule have pages of their own.
TARGET_ACTIONS = {
    CallState.AWAITING_AGENT: gettext_lazy("Ask the agent"),
    CallState.CONFIRMED: gettext_lazy("Confirm for the agent"),
    CallState.DECLINED: gettext_lazy("Declined by the member"),
    CallState.SCHEDULED: gettext_lazy("Schedule"),
    CallState.IN_PROGRESS: gettext_lazy("Start the session"),
    CallState.COMPLETED: gettext_lazy("End the session and complete"),
    CallState.CANCELLED: gettext_lazy("Cancel"),
    CallState.MISSED: gettext_lazy("Mark missed"),
}


class TransitionInline(admin.TabularInline):
    model = CallTransition
    verbose_name_plural = gettext_lazy("Audit trail")
    fields = ("at", "from_state", "to_state", "actor", "why")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "id")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=gettext_lazy("why"))
    def why(self, transition):
        # System reasons ("agent asked") in the reader's language; people's words as typed.
        return transition.reason_shown or "—"


class DialAttemptInline(admin.TabularInline):
    """The interpreter's tries of each given number: the evidence for the outcome."""

    model = DialAttempt
    verbose_name_plural = gettext_lazy("Dial attempts")
    fields = ("at", "number", "result", "logged_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("logged_by")


class AlarmInline(admin.TabularInline):
    """The agent's "we were not called", if raised."""

    model = NotCalledAlarm
    verbose_name_plural = gettext_lazy("“We were not called” alarms")
    fields = ("raised_at", "raised_by", "via_link")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SessionTransitionInline(TransitionInline):
    model = SessionTransition
    fields = ("at", "from_status", "to_status", "actor", "why")
    readonly_fields = fields


class SessionInline(admin.TabularInline):
    model = Session
    fields = (
        "starts_at",
        "planned_end",
        "interpreter",
        "status",
        "started_at",
        "ended_at",
        "measured_seconds",
        "talk_seconds",
        "talk_time_corrected",
        "no_recording_reason",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-created_at",)

    @admin.display(description=gettext_lazy("talk time corrected"))
    def talk_time_corrected(self, session):
        correction = getattr(session, "talk_correction", None)
        if correction is None:
            return "—"
        return format_html(
            "{} → {}: {} ({}, {})",
            talk_time.as_text(correction.measured_seconds),
            talk_time.as_text(correction.talk_seconds),
            correction.reason,
            correction.actor,
            dates.format_datetime(correction.at),
        )

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("interpreter", "talk_correction__actor")


def _office_book_url(request) -> str:
    """The booking screen, with what the link asked for (`?client=`, `?again=`)."""
    query = request.GET.urlencode()
    return reverse("admin:office_book") + (f"?{query}" if query else "")


@admin.register(Call)
class CallAdmin(LargeTableAdmin, admin.ModelAdmin):
    list_display = (
        "number",
        "state",
        "session_start",
        "client",
        "member_and_agency",
        "kind_short",
        "interpreter",
        "created_at",
    )
    list_filter = (
        "state",
        "kind",
        ("created_at", DateFieldListFilter),
        ("sessions__starts_at", SessionDateFilter),
        AgencyFilter,
        InterpreterFilter,
    )
    search_fields = (
        "client__username",
        "client__first_name",
        "client__last_name",
        "client__email",
        "member__full_name",
        "member__reference",
        "member__agency__name",
    )
    # No date hierarchy: its year and month links are a DISTINCT over every
    # call; the "booked" filter picks dates.
    inlines = [SessionInline, AlarmInline, DialAttemptInline, TransitionInline]
    actions = ["cancel_selected", "mark_missed_selected"]
    list_per_page = 50
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "public_id_shown",
                    "state",
                    "client",
                    "member",
                    "kind",
                    "planned_minutes",
                    "times",
                    "preferred_times",
                    "languages",
                    "note",
                    "decline_reason",
                    "created_by",
                    "created_at",
                )
            },
        ),
        (
            gettext_lazy("Contacts"),
            {"fields": ("agent_contacts", "interpreter_contact", "duty_manager_contact")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    def get_queryset(self, request):
        return calls_visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        # State and data change only through the buttons (services), never by editing.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- columns -------------------------------------------------------------
    @admin.display(description=gettext_lazy("public id"))
    def public_id_shown(self, call):
        return call.public_id

    @admin.display(description=gettext_lazy("number"), ordering="pk")
    def number(self, call):
        return call.number

    def changelist_view(self, request, extra_context=None):
        """The header's search box lands here: a term that finds exactly one call
        opens that call (an operator who typed its number wants the call, not a
        list of one)."""
        response = super().changelist_view(request, extra_context)
        searched = request.GET.get("q", "").strip() and set(request.GET) <= {"q"}
        listing = getattr(response, "context_data", None) or {}
        found = listing.get("cl")
        if searched and found is not None and found.result_count == 1:
            return redirect("admin:calls_call_change", found.result_list[0].pk)
        return response

    def get_search_results(self, request, queryset, search_term):
        """By number (`C-10427`, `10427`: that call), else by the client's,
        member's or agency's names and codes, or the public id's first
        characters (office/admin_scale.py: indexed at a million calls)."""
        found = calls_search(queryset, search_term, public_id_prefix=PUBLIC_ID_PREFIX)
        return found, False

    # The list keeps to what an operator scans at 1280 px: member and agency in
    # one column, the kind in a word.
    @admin.display(description=gettext_lazy("member"), ordering="member__reference")
    def member_and_agency(self, call):
        return f"{call.member.reference} · {call.member.full_name} · {call.member.agency.name}"

    @admin.display(description=gettext_lazy("kind"), ordering="kind")
    def kind_short(self, call):
        return KIND_SHORT.get(call.kind, call.kind)

    @admin.display(description=gettext_lazy("session (your time)"))
    def session_start(self, call):
        session = call.active_session
        return dates.format_datetime(session.starts_at) if session else "—"

    @admin.display(description=gettext_lazy("interpreter"))
    def interpreter(self, call):
        session = call.active_session
        return session.interpreter if session else "—"

    @admin.display(description=gettext_lazy("agent's numbers"))
    def agent_contacts(self, call):
        return render_to_string(
            "admin/calls/call/_agent_contacts.html",
            {
                "agency": call.member.agency,
                "agents": agency_agents(call.member.agency_id),
                "confirmation": getattr(call, "confirmation", None),
            },
        )

    @admin.display(description=gettext_lazy("times"))
    def times(self, call):
        return format_html_join(
            "", "<p><strong>{}</strong>: {}</p>", ((k, v) for k, v in times_intro(call))
        )

    @admin.display(description=gettext_lazy("interpreter"))
    def interpreter_contact(self, call):
        session = call.active_session
        if session is None:
            return "—"
        i = session.interpreter
        return format_html(
            "{} — {} — {} ({})",
            i.get_full_name() or i.username,
            readable(i.phone),
            i.email,
            i.time_zone,
        )

    @admin.display(description=gettext_lazy("duty manager"))
    def duty_manager_contact(self, call):
        manager = duty_manager_current()
        if manager is None:
            return _("No duty manager is set up.")
        return format_html(
            "{} — {} — {}", manager.get_full_name(), readable(manager.phone), manager.email
        )

    # --- pages -----------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("book/", view(self.book_view), name="calls_call_book"),
            path("<int:pk>/schedule/", view(self.schedule_view), name="calls_call_schedule"),
            path("<int:pk>/confirm/", view(self.confirm_view), name="calls_call_confirm"),
            path("<int:pk>/find-time/", view(self.find_time_view), name="calls_call_find_time"),
            path("week/", view(self.week_board_view), name="calls_call_week"),
            path("<int:pk>/attempts/", view(self.attempts_view), name="calls_call_attempts"),
            path(
                "<int:pk>/move/<str:target>/",
                view(self.transition_view),
                name="calls_call_transition",
            ),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        return request.user.is_operator

    def add_view(self, request, form_url="", extra_context=None):
        return redirect(_office_book_url(request))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        call = self.get_object(request, object_id)
        buttons = []
        if call is not None:
            for target in workflow.allowed_targets(call, request.user):
                buttons.append((TARGET_ACTIONS[target], self._target_url(call, target)))
            if call.state == CallState.MISSED:
                # A missed call stays missed (its hold is released); the
                # reschedule is a new booking with the same details.
                buttons.append((_("Book again"), f"{reverse('admin:office_book')}?again={call.pk}"))
            if call.state == CallState.SCHEDULED:
                buttons.append(
                    (_("Reschedule"), reverse("admin:calls_call_schedule", args=[call.pk]))
                )
            if call.state in (CallState.CONFIRMED, CallState.SCHEDULED):
                buttons.insert(
                    0, (_("Find a time"), reverse("admin:calls_call_find_time", args=[call.pk]))
                )
                board = f"{reverse('admin:calls_call_week')}?call={call.pk}"
                buttons.insert(1, (_("Week board"), board))
            if call.state in (CallState.SCHEDULED, CallState.IN_PROGRESS):
                buttons.append(
                    (_("Dial attempts"), reverse("admin:calls_call_attempts", args=[call.pk]))
                )
        extra_context = {
            **(extra_context or {}),
            "workflow_buttons": buttons,
            # "Add to calendar" once the call has a session (as on the other call pages).
            "calendar_call": call if call is not None and call.sessions.exists() else None,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _target_url(call, target):
        if target == CallState.SCHEDULED:
            return reverse("admin:calls_call_schedule", args=[call.pk])
        if target == CallState.CONFIRMED:
            return reverse("admin:calls_call_confirm", args=[call.pk])
        return reverse("admin:calls_call_transition", args=[call.pk, target])

    def _render(self, request, call, form, title, intro=None, extra=None):
        context = {
            **(extra or {}),
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": call,
            "title": title,
            "form": form,
            "intro": intro or [],
        }
        return TemplateResponse(request, "admin/calls/call/action_form.html", context)

    def _done(self, request, call, message):
        self.message_user(request, message, messages.SUCCESS)
        return redirect("admin:calls_call_change", call.pk)

    def book_view(self, request):
        """The old address of the booking screen: the office's screen is the one."""
        return redirect(_office_book_url(request))

    def schedule_view(self, request, pk):
        call = get_object_or_404(self.get_queryset(request), pk=pk)
        session = call.active_session
        form = ScheduleForm(
            request.POST or None,
            initial={
                "time_zone": request.user.time_zone,
                "minutes": call.planned_minutes,
                "interpreter": session.interpreter_id if session else None,
            },
        )
        zone_times = []
        if request.method == "POST" and form.is_valid():
            zone_times = schedule_zone_times(
                call, form.starts_at_utc(), form.cleaned_data["interpreter"]
            )
            gap = slots.interpreter_language_gap(call, form.cleaned_data["interpreter"])
            if gap:
                self.message_user(request, gap, messages.WARNING)
        if request.method == "POST" and form.is_valid() and "preview" not in request.POST:
            try:
                services.session_schedule(
                    call=call,
                    starts_at=form.starts_at_utc(),
                    interpreter=form.cleaned_data["interpreter"],
                    minutes=form.cleaned_data["minutes"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return self._done(request, call, _("The session is scheduled."))
        intro = times_intro(call)
        interpreters = form.fields["interpreter"].queryset
        zone_rows = schedule_zone_times(call, timezone.now(), None)  # whose zone is whose
        extra = {
            "zone_times": zone_times,
            "schedule_zones": {
                "client": zone_rows[0]["zone"],
                "member": zone_rows[1]["zone"],
                "interpreters": {str(i.pk): i.time_zone for i in interpreters},
            },
        }
        title = _("Schedule %(call)s") % {"call": call}
        return self._render(request, call, form, title, intro, extra=extra)

    def find_time_view(self, request, pk):
        return admin_find_time_view(self, request, pk)

    def week_board_view(self, request):
        return admin_week_board_view(self, request)

    def confirm_view(self, request, pk):
        call = get_object_or_404(self.get_queryset(request), pk=pk)
        form = OperatorConfirmForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.call_confirm(
                    call=call,
                    actor=request.user,
                    numbers=[NumberInput(role, data[name]) for role, name in form.ROW_FIELDS],
                    responsible_name=data["responsible_name"],
                    agent_is_responsible=data["agent_is_responsible"],
                    dial=form.dial_raw(),
                    video_handle=data["video_handle"],
                    availability=data["availability"],
                    member_windows=data["member_windows"],
                )
            except DomainError as error:
                add_domain_error(form, error, form.error_field_map())
            else:
                return self._done(request, call, _("The agent's confirmation is recorded."))
        return self._render(request, call, form, _("Confirm for the agent"))

    def attempts_view(self, request, pk):
        """The given numbers with one-tap results, as on the interpreter's page."""
        call = get_object_or_404(self.get_queryset(request), pk=pk)
        if request.method == "POST":
            try:
                dial_attempt_log(
                    call=call,
                    number=request.POST.get("number", ""),
                    result=request.POST.get("result", ""),
                    actor=request.user,
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("The attempt is logged."), messages.SUCCESS)
            return redirect("admin:calls_call_attempts", call.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": call,
            "title": _("Dial attempts"),
            "attempt_log": attempt_log(call, None),
            "dial_results": DialResult.choices,
            "can_log": call.state in (CallState.SCHEDULED, CallState.IN_PROGRESS),
        }
        return TemplateResponse(request, "admin/calls/call/attempts.html", context)

    def transition_view(self, request, pk, target):
        call = get_object_or_404(self.get_queryset(request), pk=pk)
        if target not in TARGET_ACTIONS:
            return redirect("admin:calls_call_change", call.pk)
        form = TransitionForm(
            request.POST or None,
            outcomes=workflow.outcome_choices(call, target, request.user),
            outcome_required=target == CallState.MISSED,
            completing=target == CallState.COMPLETED,
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.call_move(
                    call=call,
                    to_state=target,
                    actor=request.user,
                    reason=form.cleaned_data.get("reason", ""),
                    outcome=form.cleaned_data.get("outcome", ""),
                    talk_seconds=form.cleaned_data.get("talk_seconds"),
                    talk_reason=form.cleaned_data.get("talk_reason", ""),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return self._done(
                    request,
                    call,
                    _("Done: the call is now “%(state)s”.")
                    % {"state": CallState(call_state(call)).label},
                )
        return self._render(request, call, form, TARGET_ACTIONS[target])

    # --- bulk actions ----------------------------------------------------------
    def _confirm_bulk(self, request, queryset, action, question):
        """Cancelling or marking missed cannot be undone: list the calls and ask first
        (like Django's own "delete selected")."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": question,
            "calls": list(queryset),
            "action": action,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/calls/call/confirm_bulk.html", context)

    def _bulk(self, request, queryset, move, done_message):
        done = 0
        for call in queryset:
            try:
                move(call)
            except DomainError as error:
                self.message_user(request, f"{call.number}: {error.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Cancel the selected calls"))
    def cancel_selected(self, request, queryset):
        if request.POST.get("confirmed") != "yes":
            return self._confirm_bulk(
                request, queryset, "cancel_selected", _("Cancel these calls?")
            )
        self._bulk(
            request,
            queryset,
            lambda c: services.call_cancel(
                call=c, actor=request.user, reason="cancelled by operator (bulk)", outcome=""
            ),
            _("%(count)d call(s) cancelled."),
        )

    @admin.action(description=gettext_lazy("Mark the selected calls missed"))
    def mark_missed_selected(self, request, queryset):
        if request.POST.get("confirmed") != "yes":
            return self._confirm_bulk(
                request, queryset, "mark_missed_selected", _("Mark these calls missed?")
            )
        self._bulk(
            request,
            queryset,
            lambda c: services.call_mark_missed(
                call=c,
                actor=request.user,
                reason="marked missed by operator (bulk)",
                # In bulk nobody says why: record what the attempt log shows.
                outcome=workflow.missed_outcome(c),
            ),
            _("%(count)d call(s) marked missed."),
        )


def call_state(call):
    call.refresh_from_db(fields=["state"])
    return call.state


@admin.register(Session)
class SessionAdmin(LargeTableAdmin, ReadOnlyAdmin):
    list_display = (
        "call_number",
        "starts_at",
        "planned_end",
        "interpreter",
        "status",
        "measured_seconds",
        "talk_seconds",
    )
    list_filter = (
        "status",
        ("starts_at", DateFieldListFilter),
        SessionInterpreterFilter,
    )
    list_select_related = ("call", "interpreter")
    readonly_fields = [f.name for f in Session._meta.fields]
    inlines = [SessionTransitionInline]

    @admin.display(description=gettext_lazy("call"), ordering="call_id")
    def call_number(self, session):
        return session.call.number


# Agencies (agents' admin) offer the commission statement as an action.
offer_statement_on_agencies()
