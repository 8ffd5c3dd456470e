"""Forms of the interpreter's pages. They check shapes only; the rules live in calls.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Outcome
from calls import talk_time, workflow
from calls.models import CallState, DialResult

MAX_REASON = 1000


class AttemptForm(forms.Form):
    number = forms.CharField(max_length=32)
    result = forms.ChoiceField(choices=DialResult.choices)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did it end?"),
        choices=[
            (o, label) for o, label in Outcome.choices if o in workflow.OUTCOMES[CallState.MISSED]
        ],
    )
    reason = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# What the recordings service keeps (recordings/containers.py sniffs the bytes;
# this only helps the file picker offer the right files).
AUDIO_FILES = forms.ClearableFileInput(
    attrs={"accept": "audio/*,video/webm,video/mp4,.wav,.mp3,.ogg,.opus,.webm,.mp4,.m4a"}
)


class RecordingForm(forms.Form):
    file = forms.FileField(
        label=_("Recording"),
        help_text=_("An audio or video file of the whole conversation."),
        widget=AUDIO_FILES,
    )
    reason = forms.CharField(
        label=_("Why it replaces the recording attached"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only needed to replace a recording already attached."),
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
        widget=AUDIO_FILES,
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
