"""Forms of the operators' admin pages. They collect input; services decide."""

import uuid
from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from agents.contact_rules import NumberRole
from agents.models import Member
from billing.models import Outcome
from calls import talk_time
from calls.models import MAX_PLANNED_MINUTES, MIN_PLANNED_MINUTES, CallKind
from common.time_fields import WallClockField, form_local_to_utc
from common.timezones import time_zone_form_field
from scheduling.forms import LanguagesField, WindowsField


class BookCallForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=User.objects.filter(role=Role.CLIENT, is_active=True).order_by("last_name"),
    )
    member = forms.ModelChoiceField(
        label=_("Member"),
        queryset=Member.objects.filter(is_active=True).select_related("agency"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CallKind.choices)
    planned_minutes = forms.IntegerField(label=_("Planned minutes"), initial=30)
    client_windows = WindowsField(
        label=_("When the client can talk"), time_zone=_("the client's time zone")
    )
    languages = LanguagesField(
        label=_("Languages"), help_text=_("Empty: the client's and the member's.")
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # The form's one-time key: the same booking sent twice books one call.
    request_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)


class ScheduleForm(forms.Form):
    starts_at = WallClockField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("In the time zone chosen below."),
    )
    time_zone = time_zone_form_field(label=_("Time zone"))
    interpreter = forms.ModelChoiceField(
        label=_("Interpreter"),
        queryset=User.objects.filter(role=Role.INTERPRETER, is_active=True).order_by("last_name"),
    )
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=MIN_PLANNED_MINUTES, max_value=MAX_PLANNED_MINUTES
    )
    reason = forms.CharField(label=_("Note for the audit trail"), required=False)

    def clean(self):
        # The widget gives a wall-clock time; the chosen zone makes it an
        # instant, or the field says why it names none (or two).
        data = super().clean()
        if data.get("time_zone"):
            form_local_to_utc(self, "starts_at", data["time_zone"])
        return data

    def starts_at_utc(self) -> datetime:
        return self.cleaned_data["starts_at"]


DIAL_CHOICES = [("", "—"), *NumberRole.choices]


class OperatorConfirmForm(forms.Form):
    """The agent's answer taken by an operator on the phone: the same rules apply."""

    member_number = forms.CharField(label=_("Member's own number"), required=False)
    agent_mobile = forms.CharField(label=_("Agent's mobile"), required=False)
    responsible_name = forms.CharField(label=_("Responsible employee's name"), required=False)
    responsible_number = forms.CharField(label=_("Responsible employee's number"), required=False)
    agent_is_responsible = forms.BooleanField(
        label=_("The agent is the responsible person"), required=False
    )
    agent_second = forms.CharField(label=_("Agent's second number"), required=False)
    other_number = forms.CharField(label=_("Other number"), required=False)
    dial = forms.ChoiceField(label=_("Number to dial"), choices=DIAL_CHOICES, required=False)
    video_handle = forms.CharField(label=_("Video handle"), required=False)
    member_windows = WindowsField(
        label=_("When the member can talk"), time_zone=_("the member's time zone")
    )
    availability = forms.CharField(
        label=_("Note on the member's times"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    ROW_FIELDS = [
        (NumberRole.MEMBER, "member_number"),
        (NumberRole.AGENT_MOBILE, "agent_mobile"),
        (NumberRole.RESPONSIBLE, "responsible_number"),
        (NumberRole.AGENT_SECOND, "agent_second"),
        (NumberRole.OTHER, "other_number"),
    ]

    def dial_raw(self) -> str:
        role = self.cleaned_data.get("dial")
        fields = dict(self.ROW_FIELDS)
        return self.cleaned_data.get(fields[role], "") if role in fields else ""

    def error_field_map(self) -> dict:
        mapping = {f"numbers-{i}": name for i, (_role, name) in enumerate(self.ROW_FIELDS)}
        mapping["numbers"] = None
        return mapping


class TransitionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[])
    reason = forms.CharField(
        label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    talk_seconds = forms.IntegerField(
        label=_("Talk time (seconds)"),
        required=False,
        min_value=0,
        max_value=talk_time.MAX_TALK_SECONDS,
        help_text=_(
            "To correct the measured time (e.g. the conference line's figure): never "
            "more than the session lasted. Empty = measured from start to end."
        ),
    )
    talk_reason = forms.CharField(
        label=_("Why the talk time differs"),
        required=False,
        max_length=talk_time.MAX_REASON,
    )

    def __init__(self, *args, outcomes=(), outcome_required=False, completing=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not completing:
            # Talk time belongs to completing a call only.
            del self.fields["talk_seconds"], self.fields["talk_reason"]
        if not outcomes:
            del self.fields["outcome"]
            return
        field = self.fields["outcome"]
        field.required = outcome_required
        blank = [] if outcome_required else [("", _("None (cancelled in good time)"))]
        field.choices = [*blank, *((o, Outcome(o).label) for o in outcomes)]
