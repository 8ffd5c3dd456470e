"""Forms of the agent's pages that are not the confirmation (agents.forms has that)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from calls.services.moves import REASON_MAX_LENGTH
from scheduling.forms import WindowsField

MAX_REASON = 1000


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the member can't take the call"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MoveRequestForm(forms.Form):
    """The agency asks the office for another time: why, and when the member
    can talk instead (windows as when confirming, in the member's zone)."""

    member_windows = WindowsField(label=_("When the member can talk instead"))
    reason = forms.CharField(
        label=_("Why (and anything the office should know)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, member_time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The examples stay in the box's placeholder: the page itself shows no
        # date or clock that is not the reader's own format.
        self.fields["member_windows"].help_text = gettext(
            "One a line, in %(tz)s, as when you confirmed the call."
        ) % {"tz": member_time_zone}
