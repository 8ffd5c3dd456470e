"""{% count_of cl.result_count cl.opts %}: a number with its noun, in the reader's grammar."""

from django import template

from ..counts import count_of as count_phrase

register = template.Library()


@register.simple_tag
def count_of(count, opts):
    return count_phrase(opts.label_lower, count)
