"""The period picker: week, month or quarter around a day, or custom days."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from .periods import CUSTOM, KINDS, MAX_CUSTOM_DAYS, Period, custom_period, period_of


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=list(KINDS.items()), required=False)
    on = forms.DateField(label=_("Containing the day"), required=False)
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)

    def __init__(self, data, *, zone: str, today: date, default_kind: str):
        # The GET names are short and readable in a link: period, on, from, to.
        data = {
            "period": data.get("period", ""),
            "on": data.get("on", ""),
            "start": data.get("from", ""),
            "end": data.get("to", ""),
        }
        super().__init__(data)
        self.zone, self.today, self.default_kind = zone, today, default_kind
        for name in ("on", "start", "end"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
            self.fields[name].widget.input_type = "date"

    def clean(self):
        data = super().clean()
        if data.get("period") == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Give both days of a custom period."))
            if end < start:
                raise forms.ValidationError(_("The last day comes before the first."))
            if (end - start).days + 1 > MAX_CUSTOM_DAYS:
                raise forms.ValidationError(
                    _("A custom period can be at most %(days)s days.") % {"days": MAX_CUSTOM_DAYS}
                )
        return data

    def chosen(self) -> Period:
        """The period asked for; the default one when the form is empty or wrong."""
        if not self.is_valid():
            return period_of(self.default_kind, self.today, self.zone)
        kind = self.cleaned_data.get("period") or self.default_kind
        if kind == CUSTOM:
            return custom_period(self.cleaned_data["start"], self.cleaned_data["end"], self.zone)
        return period_of(kind, self.cleaned_data.get("on") or self.today, self.zone)
