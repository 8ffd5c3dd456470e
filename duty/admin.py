"""Disputes in the admin: read-only (they are decided on the duty desk, /duty/)."""

from django.contrib import admin

from .models import Dispute


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("call", "raised_by", "raised_at", "status", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("call", "raised_by", "decided_by")
    readonly_fields = [f.name for f in Dispute._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
