"""A video session's room on the media server, who was let in, and what the server saw.

`Room`: one per session, created on the media server (Janus's VideoRoom) on
first join; its numeric id is derived from the session, its PIN and the
per-pass ACL tokens keep out anyone the product did not let in, and
`link_version` revokes every join link of the session at once.
`RoomPass`: one short-lived join credential, issued to a page that opened a
valid link; the media server's events name its feed id, which tells the
product who joined or left. `RoomEvent`: the join/leave log, the evidence
of a dispute and the media clock's input.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Janus room ids of this product: offset so they never meet the sample rooms.
ROOM_ID_OFFSET = 10_000_000


class Party(models.TextChoices):
    CLIENT = "client", _("Client")
    MEMBER = "member", _("Member's side")
    INTERPRETER = "interpreter", _("Interpreter")
    DUTY = "duty", _("Duty manager (listening)")


# The parties whose presence makes a conversation (the duty manager only listens).
TALKING_PARTIES = (Party.CLIENT, Party.MEMBER, Party.INTERPRETER)


class Room(models.Model):
    session = models.OneToOneField(
        "calls.Session", on_delete=models.PROTECT, related_name="room", verbose_name=_("session")
    )
    janus_id = models.BigIntegerField(_("media server's room id"), unique=True)
    pin = models.CharField(max_length=64)
    secret = models.CharField(max_length=64)
    # Raised to revoke every join link given out so far.
    link_version = models.PositiveIntegerField(default=1)
    created_on_server_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("video room")
        verbose_name_plural = _("video rooms")

    def __str__(self) -> str:
        return f"room {self.janus_id}"


class RoomPass(models.Model):
    """One join credential: the feed id the page publishes as, and its ACL token."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="passes")
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    display_name = models.CharField(max_length=200)
    feed_id = models.BigIntegerField(unique=True)
    token = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("room pass")
        verbose_name_plural = _("room passes")

    def __str__(self) -> str:
        return f"{self.party} in {self.room}"


class RoomEventKind(models.TextChoices):
    JOINED = "joined", _("joined")
    LEFT = "left", _("left")


class RoomEvent(models.Model):
    """A join or leave the media server reported, at the media server's time."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="events")
    room_pass = models.ForeignKey(
        RoomPass, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    feed_id = models.BigIntegerField()
    party = models.CharField(_("party"), max_length=20, choices=Party.choices, blank=True)
    kind = models.CharField(_("what"), max_length=10, choices=RoomEventKind.choices)
    at = models.DateTimeField(_("when"))
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("room event")
        verbose_name_plural = _("room events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["room", "at"])]
        constraints = [
            # The event handler may post an event twice (a retry): kept once.
            models.UniqueConstraint(
                fields=["room", "feed_id", "kind", "at"], name="room_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party or self.feed_id} {self.kind}"


class RoomRecordingState(models.TextChoices):
    WAITING = "waiting", _("waiting for the room to end")
    MIXING = "mixing", _("mixing")
    ATTACHED = "attached", _("attached")
    NONE = "none", _("nothing was recorded")
    FAILED = "failed", _("failed")


class RoomRecording(models.Model):
    """Where the server's raw recording of a room stands (the raw files stay until attached)."""

    room = models.OneToOneField(Room, on_delete=models.CASCADE, related_name="recording_job")
    state = models.CharField(
        max_length=10, choices=RoomRecordingState.choices, default=RoomRecordingState.WAITING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    duration_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("room recording")
        verbose_name_plural = _("room recordings")

    def __str__(self) -> str:
        return f"{self.room}: {self.state}"
