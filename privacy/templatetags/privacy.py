"""{% load privacy %}: a member's numbers as this reader may see them (privacy.masking)."""

from django import template

from privacy.masking import may_see_numbers, shown_number

register = template.Library()


@register.simple_tag(takes_context=True)
def number_for_reader(context, number, call):
    """`{% number_for_reader n.number call %}`: in full or `+7 *** *** 98 03`."""
    return shown_number(number, context["request"].user, call)


@register.simple_tag(takes_context=True)
def numbers_in_full(context, call) -> bool:
    """`{% numbers_in_full call as full %}`: whether to offer tel: links at all."""
    return may_see_numbers(context["request"].user, call)
