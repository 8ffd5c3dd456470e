"""The product's search settings as the finder's `SearchRules` (the one place they are read)."""

from django.conf import settings

from .finder import SearchRules


def product_rules(**overrides) -> SearchRules:
    values = {
        "buffer_minutes": settings.SESSION_BUFFER_MINUTES,
        "min_notice_minutes": settings.SLOT_MIN_NOTICE_MINUTES,
        "horizon_days": settings.SLOT_HORIZON_DAYS,
        "step_minutes": settings.SLOT_STEP_MINUTES,
        "limit": settings.SLOT_LIMIT,
        "per_day": settings.SLOT_PER_DAY,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return SearchRules(**values)
