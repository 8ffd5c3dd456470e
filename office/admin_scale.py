"""The call list's filters and search at a million calls.

Django's RelatedOnlyFieldListFilter finds its choices with a DISTINCT over
every call, and its search ORs `icontains` over four joined tables, which no
index can serve. Here:

- the agency and interpreter filters are a search box each (the operator
  types part of a name), never a list of every agency or interpreter;
- the search finds the people first (trigram indexes on names, emails and
  member codes), then their calls through the indexed keys; a call number
  (`C-10427`, `10427`) is an exact lookup of that one call.
"""

from __future__ import annotations

from functools import reduce
from operator import and_, or_

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from agents.models import Agency, Member
from calls.models import Session, SessionStatus
from common.call_numbers import pk_from_call_number

CLIENT_FIELDS = ("username", "first_name", "last_name", "email")
MEMBER_FIELDS = ("full_name", "reference")


def _matching(words: list[str], fields: tuple[str, ...]) -> Q:
    """Every word found in one of the fields (as Django's admin search reads a term)."""
    return reduce(and_, (reduce(or_, (Q(**{f"{f}__icontains": w}) for f in fields)) for w in words))


def calls_search(queryset: QuerySet, term: str, *, public_id_prefix=None) -> QuerySet:
    """The calls a search box's term names: by number exactly, else by the
    client's name, username or email, the member's name or code, or the
    agency's name (fragments; every word must match)."""
    term = term.strip()
    if not term:
        return queryset
    pk = pk_from_call_number(term)
    if pk is not None:
        return queryset.filter(pk=pk)
    words = term.split()
    clients = User.objects.filter(_matching(words, CLIENT_FIELDS), role=Role.CLIENT)
    agencies = Agency.objects.filter(_matching(words, ("name",)))
    members = Member.objects.filter(_matching(words, MEMBER_FIELDS))
    agency_members = Member.objects.filter(agency__in=agencies)
    # The people are read first (trigram indexes), their keys then given as
    # values: the planner then knows how many calls they have. Given as
    # subqueries, it guessed "most calls" and walked the newest-first index
    # through the whole table for a name with a few calls.
    client_ids = _keys(clients)
    member_ids = _keys(members) + _keys(agency_members)
    found = Q(client_id__in=client_ids) | Q(member_id__in=member_ids)
    if public_id_prefix is not None and public_id_prefix.match(term):
        found |= Q(public_id__startswith=term.lower())
    return queryset.filter(found)


# People a search reads at most per kind: a fragment found in more names is
# not yet the search wanted (their first calls are shown all the same).
MAX_PEOPLE = 5000


def _keys(people: QuerySet) -> list[int]:
    return list(people.order_by("pk").values_list("pk", flat=True)[:MAX_PEOPLE])


class SessionDateFilter(admin.DateFieldListFilter):
    """The calls with a session in the chosen days. Every status is named, so
    PostgreSQL reads the (status, starts_at) index one status at a time; the
    live sessions' own index stays the only one by start time (a second one
    made the duty desk's and front page's "live and already due" read every
    past session)."""

    def queryset(self, request, queryset):
        bounds = {
            key.removeprefix("sessions__"): value[-1] if isinstance(value, list) else value
            for key, value in self.used_parameters.items()
        }
        if not bounds:
            return queryset
        try:
            sessions = Session.objects.filter(status__in=SessionStatus.values, **bounds)
            # DISTINCT keeps the calls' keys a set the planner reads first
            # (a week: ~6,000 sessions by index) and then sorts; as EXISTS or
            # a plain IN it walked the newest calls first looking for them,
            # and a week's sessions belong to calls booked weeks before
            # (53,000 calls read for a page at a million: 200 -> 40 ms).
            return queryset.filter(pk__in=sessions.values("call_id").distinct())
        except (ValueError, ValidationError) as exc:
            raise IncorrectLookupParameters(exc) from exc


class SearchBoxFilter(admin.SimpleListFilter):
    """A filter that is a search box (for relations with thousands of rows)."""

    template = "admin/search_box_filter.html"

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def choices(self, changelist):
        # The other filters and the search stay as they are (hidden fields).
        others = QueryDict(changelist.get_query_string(remove=[self.parameter_name, "p"])[1:])
        yield {
            "parameter_name": self.parameter_name,
            "value": self.value() or "",
            "others": [(key, value) for key, values in others.lists() for value in values],
        }


class AgencyFilter(SearchBoxFilter):
    title = gettext_lazy("agency")
    parameter_name = "agency"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(
            member__agency__in=Agency.objects.filter(name__icontains=self.value())
        )


def interpreters_named(text: str) -> list[int]:
    """The keys of the interpreters the box names: the one whose username it
    is, exactly (what an operator copies from a call), else every one with
    each word in their username or name. Read first, as keys, so that the
    planner knows how many calls they can have: given as a subquery it
    guessed one interpreter and hashed all the sessions of the 111 that
    "scale-interpreter-7" names (2.7 s at a million calls)."""
    interpreters = User.objects.filter(role=Role.INTERPRETER)
    exact = _keys(interpreters.filter(username=text.strip()))
    if exact:
        return exact
    return _keys(
        interpreters.filter(_matching(text.split(), ("username", "first_name", "last_name")))
    )


class SessionInterpreterFilter(SearchBoxFilter):
    title = gettext_lazy("interpreter")
    parameter_name = "interpreter"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(interpreter__in=interpreters_named(self.value()))


class InterpreterFilter(SessionInterpreterFilter):
    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        interpreters = interpreters_named(self.value())
        return queryset.filter(
            Exists(Session.objects.filter(call=OuterRef("pk"), interpreter__in=interpreters))
        )
