"""The interpreter's own availability page: languages, a week grid of working
hours (tap the hours; it works on a phone), extra hours and time off."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import role_required
from accounts.models import Role
from scheduling.forms import LanguagesField, WindowsField
from scheduling.models import WorkingTime
from scheduling.services import working_time_save
from scheduling.week_grid import cells_from_windows, dated_only, weekly_after_edit, weekly_only

DAY_NAMES = [
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]


class AvailabilityForm(forms.Form):
    languages = LanguagesField(label=gettext_lazy("Languages you interpret"))
    extra = WindowsField(label=gettext_lazy("Extra hours (dates)"))
    off = WindowsField(label=gettext_lazy("Time off (dates)"))


@role_required(Role.INTERPRETER)
def interpreter_availability(request):
    user = request.user
    working = WorkingTime.objects.filter(interpreter=user).first()
    hours = working.hours if working else []
    form = AvailabilityForm(
        # An empty POST (nothing ticked, nothing typed) is still a submitted form.
        request.POST if request.method == "POST" else None,
        initial={
            "languages": user.languages,
            "extra": working.extra if working else [],
            "off": working.off if working else [],
        },
    )
    for name in ("extra", "off"):
        form.fields[name].set_time_zone(user.time_zone)
    if request.method == "POST":
        cells = {
            (int(day), int(hour))
            for day, hour in (
                value.split("-", 1)
                for value in request.POST.getlist("cell")
                if value.count("-") == 1 and value.replace("-", "").isdigit()
            )
            if 0 <= int(day) < 7 and 0 <= int(hour) < 24
        }
        if form.is_valid():
            data = form.cleaned_data
            working_time_save(
                interpreter=user,
                # Weekly hours from the grid (days left alone keep their exact
                # times); dated hours given in the admin stay.
                hours=weekly_after_edit(weekly_only(hours), cells) + dated_only(hours),
                extra=data["extra"],
                off=data["off"],
                languages=data["languages"],
            )
            messages.success(request, _("Your availability is saved."))
            return redirect("interpreter-availability")
        ticked = cells
    else:
        ticked = cells_from_windows(weekly_only(hours))
    grid = [
        (
            DAY_NAMES[day],
            [(f"{day}-{hour}", f"{hour:02d}", (day, hour) in ticked) for hour in range(24)],
        )
        for day in range(7)
    ]
    return render(
        request,
        "interpreter/availability.html",
        {"form": form, "grid": grid},
        status=400 if request.method == "POST" else 200,
    )
