"""Filters of the client's call list (django-filter), used by api/client.py."""

import django_filters
from django.utils import translation

from calls.models import Call, CallKind, CallState
from common.caches import settings_cache


class CallFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=CallState.choices)
    kind = django_filters.ChoiceFilter(choices=CallKind.choices)
    # Dates are days in the user's own time zone (the API activates it).
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Call
        fields = ["state", "kind", "created_after", "created_before"]

    def get_form_class(self):
        # django-filter builds the form class, its fields and their translated
        # labels on every request (a third of an empty filter's cost); they are
        # the same for every request in a language. Each form still copies its
        # fields (Django's forms deep-copy base_fields), so nothing is shared.
        return _form_class(type(self), translation.get_language())


@settings_cache(maxsize=32)
def _form_class(filterset_class, language):
    return django_filters.FilterSet.get_form_class(filterset_class())
