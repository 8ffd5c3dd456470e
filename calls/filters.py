"""Filters of the client's call list (django-filter), used by calls/api/client.py."""

import django_filters

from .models import Call, CallKind, CallState


class CallFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=CallState.choices)
    kind = django_filters.ChoiceFilter(choices=CallKind.choices)
    # Dates are days in the user's own time zone (the API activates it).
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Call
        fields = ["state", "kind", "created_after", "created_before"]
