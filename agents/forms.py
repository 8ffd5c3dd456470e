"""The agent's confirmation form: the member's answer and the contact numbers.

The form checks shapes; the rules of SPEC step 3 are applied by
agents.contact_rules.check_contacts, and its errors are shown on the field
they concern.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.forms import WindowsField

from .contact_rules import MAX_NUMBERS, MAX_VIDEO_HANDLE, NumberRole

ANSWER_YES = "yes"
ANSWER_NO = "no"


class NumberRowForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Whose number"),
        required=False,
        choices=[("", "—")] + list(NumberRole.choices),
    )
    number = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "placeholder": "+7 912 345-67-89"}
        ),
    )


NumberFormSet = forms.formset_factory(
    NumberRowForm,
    extra=0,
    min_num=3,
    max_num=MAX_NUMBERS,
    absolute_max=MAX_NUMBERS,
    validate_max=True,
)


class ConfirmForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Does the member want this call?"),
        choices=[
            (ANSWER_YES, _("Yes, she agrees to the call")),
            (ANSWER_NO, _("No, she declines")),
        ],
        widget=forms.RadioSelect,
    )
    decline_reason = forms.CharField(
        label=_("Why she declines"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when she declines. The request is closed and the client told."),
    )
    agent_is_responsible = forms.BooleanField(
        label=_("I am the employee responsible for this call"),
        required=False,
        help_text=_(
            "Then give two numbers of yours above, your mobile and a second number "
            "(“Agent's second number”) where you can be reached at the agreed time."
        ),
    )
    responsible_name = forms.CharField(
        label=_("Name of the responsible employee"),
        required=False,
        max_length=200,
        help_text=_(
            "The agency employee who makes sure the member is reachable at the agreed "
            "time. Give this person's number above as “Responsible employee”."
        ),
    )
    # The index of the number row to dial (a radio button on each row).
    dial = forms.CharField(required=False, label=_("Number to dial"))
    video_handle = forms.CharField(
        label=_("Member's video-call handle"),
        required=False,
        max_length=MAX_VIDEO_HANDLE,
        help_text=_("The name the interpreter calls her on, e.g. her Skype name."),
    )
    member_windows = WindowsField(label=_("When the member is available"))
    availability = forms.CharField(
        label=_("Note on her times (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, member_time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_windows"].set_time_zone(member_time_zone)
