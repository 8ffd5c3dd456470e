"""Models shared by every app.

AppendOnly: the base of every log and ledger that is written once and never
changed (ledger entries, the recordings' history and listening log): saving a
row that has a key, updating or deleting through the model or a queryset
raises. The database refuses the same where a migration adds a trigger.

KeyedRequest: the first answer to each API request sent with an Idempotency-Key.

A program that retries a POST (a timeout, a lost answer) sends the same key
again and gets the first answer instead of a second booking. Keys belong to
one person; rows are kept IDEMPOTENCY_KEEP_HOURS (at least 24) and then purged.
"""

from django.conf import settings
from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(self.model.append_only_message)

    def delete(self):
        raise TypeError(self.model.append_only_message)


class AppendOnly(models.Model):
    append_only_message = "This log is append-only."

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # A row gets its key when it is written: one that has a key was written.
        if self.pk is not None:
            raise TypeError(self.append_only_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(self.append_only_message)


class KeyedRequest(models.Model):
    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    # What was asked (method, path, body), so a key reused for another request
    # is refused instead of answered with the wrong first answer.
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="keyed_request_one_per_user_key")
        ]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} ({self.state})"
