"""The endpoint form, for the agent's page and the admin (the service checks again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError

from .guard import url_check
from .models import Event


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=500,
        help_text=_("The https:// address we POST the events to."),
        widget=forms.URLInput(attrs={"autocomplete": "url", "inputmode": "url"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def clean_url(self):
        try:
            return url_check(self.cleaned_data["url"])
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
