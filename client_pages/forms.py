"""Forms of the client's pages. They check shapes only; the rules live in calls.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.models import Member
from calls.models import CallKind
from calls.services import MAX_NOTE, MAX_PLANNED_MINUTES, MIN_PLANNED_MINUTES
from scheduling.forms import LanguagesField, WindowsField


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member):
        # Clients know members by the agency's reference, not by personal details.
        return f"{member.reference} · {member.city or member.agency.city}"


class OrderForm(forms.Form):
    # One key per order form shown: the same order sent twice books one call.
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    member = MemberChoiceField(
        label=_("Member"),
        queryset=Member.objects.none(),
        help_text=_("The member's reference, as the agency gave it to you."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of call"), choices=CallKind.choices, widget=forms.RadioSelect
    )
    planned_minutes = forms.IntegerField(
        label=_("Planned duration (minutes)"),
        min_value=MIN_PLANNED_MINUTES,
        max_value=MAX_PLANNED_MINUTES,
        initial=30,
        help_text=_(
            "Credits for the planned duration are held when you book; "
            "you pay only for the minutes actually talked."
        ),
    )
    client_windows = WindowsField(
        label=_("When you can talk"),
        required=True,
        error_messages={
            "required": _("Say when you can talk: at least one line such as “mon-fri 18:00-21:00”.")
        },
    )
    languages = LanguagesField(
        label=_("Languages"),
        help_text=_("For example: en, ru. Empty: your languages and the member's."),
    )
    note = forms.CharField(
        label=_("Note for the agency and the interpreter"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(is_active=True).select_related(
            "agency"
        )
        self.fields["client_windows"].set_time_zone(time_zone)


class CancelForm(forms.Form):
    # Cancelling cannot be undone: the button alone is not enough.
    confirm = forms.BooleanField(
        label=_("Yes, cancel this call"),
        error_messages={"required": _("Tick “Yes, cancel this call” to cancel it.")},
    )
    reason = forms.CharField(
        label=_("Why are you cancelling? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
