"""Recordings in the office's admin: the player, the history, holds, the listening log
(filterable, CSV). Everything here is read-only: rows change only through services."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from calls.models import Call
from common.admin import ReadOnlyAdmin

from . import selectors
from .exports import write_accesses_csv
from .models import LegalHold, Recording, RecordingAccess, RecordingEvent, RetentionPolicy


def player(recording: Recording | None, **extra) -> str:
    # The audio's address answers (and logs) by the listening rule; the admin is
    # for the office, who may listen, so the player shows whenever there is audio.
    return render_to_string(
        "recordings/_player.html",
        {"recording": recording, "may_listen": recording is not None, **extra},
    )


class EventInline(admin.TabularInline):
    model = RecordingEvent
    fields = ("at", "kind", "actor", "reason", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class HoldInline(EventInline):
    model = LegalHold
    fields = ("set_at", "set_by", "reason", "released_at", "released_by", "release_reason")
    readonly_fields = fields


class AccessInline(EventInline):
    model = RecordingAccess
    fields = ("at", "user", "role", "range_start", "range_end", "bytes_sent", "ip")
    readonly_fields = fields
    ordering = ("-at",)


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    list_display = ("short_id", "call", "container", "size_bytes", "duration_seconds", "state")
    list_filter = ("container", ("shredded_at", admin.EmptyFieldListFilter), "key_id")
    search_fields = ("public_id", "sha256")
    fields = (
        "audio",
        "call",
        "state",
        "container",
        "size_bytes",
        "sha256",
        "duration_seconds",
        "duration_source",
        "key_id",
        "uploaded_by",
        "uploaded_at",
        "shredded_at",
        "listening_log",
    )
    readonly_fields = fields
    inlines = [HoldInline, EventInline, AccessInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("session__call")

    @admin.display(description=gettext_lazy("recording"))
    def short_id(self, recording):
        return str(recording.public_id)[:8]

    @admin.display(description=gettext_lazy("call"))
    def call(self, recording):
        return recording.session.call.number

    @admin.display(description=gettext_lazy("state"))
    def state(self, recording):
        if recording.shredded_at:
            return gettext_lazy("shredded")
        if recording.legacy_name:
            return gettext_lazy("not sealed yet (run recordings_seal)")
        return gettext_lazy("sealed")

    @admin.display(description=gettext_lazy("listen"))
    def audio(self, recording):
        return player(recording)

    @admin.display(description=gettext_lazy("listening log"))
    def listening_log(self, recording):
        url = reverse("admin:recordings_recordingaccess_changelist")
        return format_html(
            '<a href="{}?recording__id__exact={}">{}</a>',
            url,
            recording.pk,
            gettext_lazy("Every access, filterable, with a CSV export"),
        )


@admin.action(description=gettext_lazy("Download the selected rows as CSV"))
def export_accesses_csv(modeladmin, request, queryset):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recording-accesses.csv"'
    write_accesses_csv(queryset, response)
    return response


@admin.register(RecordingAccess)
class RecordingAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "role", "call", "range_start", "range_end", "bytes_sent", "ip")
    list_filter = (
        "role",
        ("at", admin.DateFieldListFilter),
        ("user", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("user__username", "recording__public_id", "ip")
    date_hierarchy = "at"
    actions = [export_accesses_csv]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "recording__session__call")

    @admin.display(description=gettext_lazy("call"))
    def call(self, row):
        return row.recording.session.call.number


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("effective_from", "keep_days", "note")

    def has_change_permission(self, request, obj=None):
        # A policy in force is history: a change is a new row with a later start.
        return obj is None or obj.effective_from > timezone.now()

    def has_delete_permission(self, request, obj=None):
        return obj is not None and obj.effective_from > timezone.now()


def offer_recording_on_calls(site=admin.site) -> bool:
    """Put the recording (player, state, link to its log) on the call's admin page
    (calls registers the page; recordings adds this, as billing adds its action)."""
    try:
        call_admin = site.get_model_admin(Call)
    except NotRegistered:
        return False
    if getattr(call_admin, "_recording_offered", False):
        return True

    @admin.display(description=gettext_lazy("recording"))
    def recording_of_call(call):
        recording = selectors.recording_of_call(call)
        if recording is None:
            return "—"
        link = reverse("admin:recordings_recording_change", args=[recording.pk])
        return player(recording, link=link)

    call_admin.recording_of_call = recording_of_call
    call_admin.fieldsets = (
        *call_admin.fieldsets,
        (gettext_lazy("Recording"), {"fields": ("recording_of_call",)}),
    )
    call_admin._recording_offered = True
    return True


offer_recording_on_calls()
