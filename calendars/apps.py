from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    """iCalendar invites and each person's calendar feed."""

    name = "calendars"
    verbose_name = _("Calendars")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the listeners)
