"""Numbers from the settings that texts quote, so a page says what is configured."""

from django.conf import settings


def configured_numbers(request):
    return {"overdue_minutes": settings.NOTIFY_OVERDUE_AFTER_MINUTES}
