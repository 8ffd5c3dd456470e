"""Each person's secret calendar feed: the URL's token, kept only as a digest.

Like the API's tokens (django-rest-knox), the token is shown once, when it is
made, and only its SHA-256 is stored: a copy of the database opens nobody's
calendar. The token is 256 random bits, so a fast digest is enough (a slow,
salted hash guards guessable passwords, not random keys). One feed per
person: making a new one replaces the old (its URL stops working at once),
revoking deletes it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    # hex SHA-256 of the token in the URL; the lookup key.
    digest = models.CharField(_("token digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("made at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of {self.person_id}"
