"""Forms of the agent's pages that are not the confirmation (agents.forms has that)."""

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_REASON = 1000


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the member can't take the call"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
