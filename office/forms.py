"""Forms of the office's own pages. They collect and resolve input; services decide."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from agents.models import Member
from agents.selectors import member_by_reference, members_by_reference
from calls.models import MAX_PLANNED_MINUTES, MIN_PLANNED_MINUTES, Call, CallKind
from common.errors import DomainError
from scheduling.forms import LanguagesField, WindowsField

# "KHA-101 · Agency name": what the member list offers (the agency tells apart equal codes).
MEMBER_SEPARATOR = " · "


def find_client(text: str) -> User | None:
    """A client by id (from the search list), email or user name (typed)."""
    text = (text or "").strip()
    if not text:  # nothing typed names nobody (not a client whose email is blank)
        return None
    clients = User.objects.filter(role=Role.CLIENT, is_active=True)
    if text.isdigit():
        return clients.filter(pk=int(text)).first()
    return clients.filter(Q(email__iexact=text) | Q(username__iexact=text)).first()


def member_code(member: Member) -> str:
    """The member as the member list offers her; `clean_member` reads it back."""
    return f"{member.reference}{MEMBER_SEPARATOR}{member.agency.name}"


def booking_initial(*, earlier: Call | None = None, client: User | None = None) -> dict:
    """What the booking screen starts with: an earlier call's details ("Book
    again", e.g. after it was missed), or just the client it was opened for."""
    if earlier is not None:
        return {
            "client": earlier.client_id,
            "member": member_code(earlier.member),
            "kind": earlier.kind,
            "planned_minutes": earlier.planned_minutes,
            "client_windows": earlier.client_windows,
            "languages": earlier.languages,
            "note": _("Booked again after call %(call)s.") % {"call": earlier.number},
        }
    return {"client": client.pk} if client is not None else {}


def members_by_code(text: str):
    """The members a typed "code" or "code · agency" (from the search list) names."""
    code, _sep, agency = (text or "").strip().partition(MEMBER_SEPARATOR)
    return members_by_reference(reference=code, agency_name=agency)


class OfficeBookingForm(forms.Form):
    """Everything a booking needs on one screen; the client and member are typed, not picked."""

    # Set by choosing from the search list (office.js); without script, the
    # visible search box's text (an email or user name) is used instead.
    client = forms.CharField(required=False, widget=forms.HiddenInput)
    member = forms.CharField(label=_("Member's code"), help_text=_("For example KHA-101."))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CallKind.choices, widget=forms.RadioSelect, initial="video"
    )
    planned_minutes = forms.IntegerField(
        label=_("Length (minutes)"),
        min_value=MIN_PLANNED_MINUTES,
        max_value=MAX_PLANNED_MINUTES,
        initial=30,
    )
    languages = LanguagesField(
        label=_("Languages"), help_text=_("Empty: the client's and the member's.")
    )
    # The client's availability windows (scheduling.windows), in the client's zone.
    client_windows = WindowsField(
        label=_("When the client can talk"),
        time_zone=_("the client's time zone"),
        required=True,
        error_messages={
            "required": _(
                "Say when the client can talk: at least one line such as “mon-fri 09:00-18:00”."
            )
        },
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    request_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_client(self):
        typed = self.cleaned_data["client"] or self.data.get("client_search", "")
        client = find_client(typed)
        if client is None:
            raise forms.ValidationError(
                _("No active client matches this. Choose one from the list or type their email.")
            )
        return client

    def clean_member(self):
        code, _sep, agency = self.cleaned_data["member"].strip().partition(MEMBER_SEPARATOR)
        try:
            return member_by_reference(reference=code, agency_name=agency)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None


class TopUpForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (credits)"), min_value=Decimal("0.01"), max_digits=11, decimal_places=2
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("For example: paid by bank transfer on 25 November, invoice 1043."),
    )
