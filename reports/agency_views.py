"""The agency's own card on the agent's pages: its rates and its commission by month.

An agent sees only the agency they belong to; any other agency's card is a 404
(as is the card for anyone who is not agency staff).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts.access import role_required
from accounts.models import Role

from . import selectors
from .forms import PeriodForm
from .periods import KINDS, QUARTER


@role_required(Role.AGENT)
def agency_card(request, agency_id: int):
    if agency_id != request.user.agency_id:
        raise Http404
    today = timezone.localdate(timezone=request.user.tz)
    form = PeriodForm(request.GET, zone=request.user.time_zone, today=today, default_kind=QUARTER)
    period = form.chosen()
    with selectors.report_reading():
        rows = selectors.agency_rows(period, agency_id=agency_id)
        months = selectors.agency_commission_by_month(period, agency_id)
    if not rows:
        raise Http404
    return render(
        request,
        "reports/agency_card.html",
        {
            "row": rows[0],
            "months": months,
            "period": period,
            "form": form,
            "kinds": KINDS.items(),
            "previous": period.previous(),
            "next": period.next(),
        },
    )
