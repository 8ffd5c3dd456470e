"""`{{ number|phone }}`: a phone number as people read it (common/phones.py), a builtin."""

from django import template

from common.phones import readable

register = template.Library()


@register.filter
def phone(number):
    return readable(number)
