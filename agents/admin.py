from django.contrib import admin

from common.admin import TimeZonePickerMixin

from .models import Agency, Member


class MemberInline(TimeZonePickerMixin, admin.TabularInline):
    model = Member
    extra = 0
    fields = ("reference", "full_name", "city", "time_zone", "languages", "is_active")


@admin.register(Agency)
class AgencyAdmin(TimeZonePickerMixin, admin.ModelAdmin):
    list_display = ("name", "city", "country", "email", "phone")
    list_filter = ("country", "city")
    search_fields = ("name", "city", "email")
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(TimeZonePickerMixin, admin.ModelAdmin):
    list_display = ("reference", "full_name", "agency", "city", "is_active")
    list_filter = ("is_active", "agency")
    search_fields = ("reference", "full_name")
    list_select_related = ("agency",)
