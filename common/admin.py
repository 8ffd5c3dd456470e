"""What the admin of every app shares."""

from django.contrib import admin
from django.utils.text import capfirst

from . import timezones


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only services write: operators look, nobody edits here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimeZonePickerMixin:
    """The time zone as a select grouped by country (common/timezones.py)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":
            return timezones.time_zone_form_field(
                label=capfirst(db_field.verbose_name), initial=db_field.default, help_text=""
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)
