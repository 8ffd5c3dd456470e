"""Figures of the reports as the reader reads them (the same rules as the report tables)."""

from django import template

from ..tables import HOURS, RATE, shown

register = template.Library()


@register.filter
def percent(value):
    """0.125 -> "12.5 %"; no figure -> "—"."""
    return shown(value, RATE)


@register.filter
def hours(value):
    return shown(value, HOURS)
