"""Operators see every message (failed ones first to hand) and their open tasks.

Read-only views of the outbox, with two actions that call services: send a
failed message again, and close an operator task.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ReadOnlyAdmin
from common.paginators import LargeTableAdmin

from . import services
from .models import (
    MESSAGE_KINDS,
    Notification,
    NotificationStatus,
    OperatorTask,
    OperatorTaskStatus,
    message_kind_label,
)


class MessageKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return list(MESSAGE_KINDS.items())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(kind__startswith=self.value())
        return queryset


@admin.register(Notification)
class NotificationAdmin(LargeTableAdmin, ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind_shown",
        "recipient",
        "channel",
        "status",
        "attempts",
        "sent_at",
        "call",
    ]
    list_filter = ["status", "channel", MessageKindFilter]
    search_fields = ["key", "subject"]
    list_select_related = ["recipient", "call"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["retry_failed"]

    @admin.display(description=_("kind"), ordering="kind")
    def kind_shown(self, notification):
        return message_kind_label(notification.kind)

    @admin.action(description=_("Send the failed messages again"), permissions=["view"])
    def retry_failed(self, request, queryset):
        queued = sum(
            services.notification_retry(notification=n)
            for n in queryset.filter(status=NotificationStatus.FAILED)
        )
        self.message_user(
            request,
            ngettext("%(n)d message queued again.", "%(n)d messages queued again.", queued)
            % {"n": queued},
            messages.SUCCESS,
        )


@admin.register(OperatorTask)
class OperatorTaskAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "status", "call", "what_to_do", "done_by"]
    list_filter = ["status", "kind"]
    search_fields = ["summary", "key"]
    list_select_related = ["call", "done_by"]
    readonly_fields = [
        "key",
        "kind",
        "status",
        "call",
        "session",
        "notification",
        "what_to_do",
        "created_at",
        "done_at",
        "done_by",
    ]
    fields = readonly_fields + ["note"]
    actions = ["close_tasks"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("what to do"))
    def what_to_do(self, task):
        # In the operator's language, from the task's message and values.
        return task.summary_text

    @admin.action(description=_("Mark as done"), permissions=["change"])
    def close_tasks(self, request, queryset):
        closed = 0
        for task in queryset.filter(status=OperatorTaskStatus.OPEN):
            services.operator_task_close(task=task, actor=request.user)
            closed += 1
        self.message_user(
            request,
            ngettext("%(n)d task closed.", "%(n)d tasks closed.", closed) % {"n": closed},
            messages.SUCCESS,
        )
