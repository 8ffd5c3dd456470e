"""The office sees who has a calendar link and can switch one off (delete); it can
never see or make a link (only the person can, on their own page)."""

from django.contrib import admin

from .models import CalendarFeed


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["person", "created_at"]
    search_fields = ["person__username", "person__email"]
    fields = readonly_fields = ["person", "created_at"]
    list_select_related = ["person"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
