"""Forms of the client's and the interpreter's pages. They check shapes only;
the rules live in calls.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.models import Member
from scheduling.forms import LanguagesField, WindowsField

from . import talk_time
from .models import CallKind
from .services import MAX_NOTE, MAX_PLANNED_MINUTES, MIN_PLANNED_MINUTES


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
    client_windows = WindowsField(label=_("When you can talk"))
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


class RecordingForm(forms.Form):
    file = forms.FileField(
        label=_("Recording"),
        help_text=_("An audio or video file of the whole conversation."),
    )


class TalkTimeField(forms.CharField):
    """A duration typed as minutes:seconds (or hours:minutes:seconds), in seconds."""

    def to_python(self, value):
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        parts = text.split(":")
        if not 2 <= len(parts) <= 3 or not all(p.isdigit() and len(p) <= 6 for p in parts):
            raise forms.ValidationError(
                _("Write the talk time as minutes:seconds, for example 10:01."), code="invalid"
            )
        numbers = [int(p) for p in parts]
        if any(n >= 60 for n in numbers[1:]):
            raise forms.ValidationError(
                _("Seconds and minutes after the first number go up to 59."), code="invalid"
            )
        seconds = 0
        for number in numbers:
            seconds = seconds * 60 + number
        if seconds > talk_time.MAX_TALK_SECONDS:
            raise forms.ValidationError(
                _("That is longer than any session (at most 24 hours)."), code="max_value"
            )
        return seconds


class EndSessionForm(forms.Form):
    file = forms.FileField(
        label=_("Recording"),
        required=False,
        help_text=_("Attach the recording now, or write below why there is none."),
    )
    no_recording_reason = forms.CharField(
        label=_("Why there is no recording"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required only when the call ends without a recording."),
    )
    talk_seconds = TalkTimeField(
        label=_("Talk time by the conference line (minutes:seconds)"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 12, "inputmode": "numeric"}),
        help_text=_(
            "Only if it differs from the measured time (start to end); never more than that."
        ),
    )
    talk_reason = forms.CharField(
        label=_("Why the talk time differs"),
        required=False,
        max_length=talk_time.MAX_REASON,
    )
