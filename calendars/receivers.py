"""Listeners: "sign out everywhere" switches the person's calendar link off too."""

from django.dispatch import receiver

from accounts.signals import signed_out_everywhere

from .models import CalendarFeed


@receiver(signed_out_everywhere, dispatch_uid="calendars.on_signed_out_everywhere")
def on_signed_out_everywhere(sender, user_id, **kwargs):
    CalendarFeed.objects.filter(person_id=user_id).delete()
