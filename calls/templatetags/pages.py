"""Small helpers for the people's pages."""

from django import template
from django.http import QueryDict
from django.utils.translation import get_language

from billing.formatting import credits as format_credits
from scheduling.windows_text import as_text as as_windows_text

register = template.Library()


@register.filter
def credits(amount):
    """An amount as people read it: "12.50 credits", in the active language."""
    if amount is None or amount == "":
        return ""
    return format_credits(amount)


@register.filter
def sub(amount, other):
    """`amount - other` (money in templates: a cost less its refund)."""
    if amount is None:
        return None
    return amount - (other or 0)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def duration(seconds):
    """Talk time as minutes:seconds ("10:01"), hours first when long ("1:05:00")."""
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.simple_tag(takes_context=True)
def page_link(context, param, number):
    """The query string of this page with `param` set to `number`: a page of
    one list keeps the others' pages and any filter ("?upcoming=2&page=3")."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query[param] = number
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def page_time_zone(context):
    """The zone a page shows times in: the one the view chose, else the reader's own."""
    user = context.get("user")
    return context.get("display_tz") or getattr(user, "time_zone", "") or "UTC"


@register.filter
def windows_text(windows):
    """Stored windows as people typed them, one a line ("mon-fri 09:00-18:00")."""
    return as_windows_text(windows, language=get_language() or "en")
