from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    """iCalendar invites and each person's calendar feed."""

    name = "calendars"
    verbose_name = _("Calendars")
