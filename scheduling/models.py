"""Interpreters' working time: weekly hours, extra hours and time off.

Stored as windows in the JSON form the finder reads (`scheduling.windows`),
in the interpreter's own time zone (`User.time_zone`). Languages are the
person's (`User.languages`), like clients'.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkingTime(models.Model):
    interpreter = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("interpreter"),
        on_delete=models.CASCADE,
        related_name="working_time",
    )
    hours = models.JSONField(_("weekly working hours"), default=list, blank=True)
    extra = models.JSONField(_("extra hours"), default=list, blank=True)
    off = models.JSONField(_("time off"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("working time")
        verbose_name_plural = _("working time")

    def __str__(self) -> str:
        return str(self.interpreter)
