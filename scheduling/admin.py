"""Operators edit interpreters' languages and working time on one page."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .forms import LanguagesField, WindowsField
from .models import WorkingTime
from .services import working_time_save

IN_THEIR_ZONE = _("the interpreter's time zone")


class WorkingTimeForm(forms.ModelForm):
    languages = LanguagesField(label=_("Languages interpreted"))
    hours = WindowsField(label=_("Weekly working hours"), time_zone=IN_THEIR_ZONE)
    extra = WindowsField(label=_("Extra hours"), time_zone=IN_THEIR_ZONE)
    off = WindowsField(label=_("Time off"), time_zone=IN_THEIR_ZONE)

    class Meta:
        model = WorkingTime
        fields = ("interpreter", "languages", "hours", "extra", "off")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["interpreter"]
        field.queryset = field.queryset.filter(role="interpreter")
        if self.instance.pk:
            self.fields["languages"].initial = self.instance.interpreter.languages
        self.fields["off"].help_text = _(
            "Whole days (“2027-03-31” or “2027-03-31 - 2027-04-02”) or hours "
            "(“2027-03-31 09:00-13:00”), in the interpreter's time zone."
        )


@admin.register(WorkingTime)
class WorkingTimeAdmin(admin.ModelAdmin):
    form = WorkingTimeForm
    list_display = ("interpreter", "languages", "time_zone", "updated_at")
    list_select_related = ("interpreter",)
    search_fields = ("interpreter__username", "interpreter__first_name", "interpreter__last_name")

    def save_model(self, request, obj, form, change):
        # The same service as the interpreter's own page: one path for this write.
        data = form.cleaned_data
        saved = working_time_save(
            interpreter=data["interpreter"],
            hours=data["hours"],
            extra=data["extra"],
            off=data["off"],
            languages=data["languages"],
        )
        obj.pk = saved.pk

    @admin.display(description=_("languages"))
    def languages(self, obj):
        return obj.interpreter.languages

    @admin.display(description=_("time zone"))
    def time_zone(self, obj):
        return obj.interpreter.time_zone
