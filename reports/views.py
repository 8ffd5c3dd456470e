"""The Reports section of the office's admin: operators and duty managers only.

Thin: the period comes from the picker (reports.forms), the figures from the
catalogue (reports.catalogue over reports.selectors), and the page, the CSV
and the XLSX are three renderings of the same tables.
"""

from __future__ import annotations

import tempfile
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache

from accounts.models import Role

from .catalogue import REPORTS
from .forms import PeriodForm
from .periods import KINDS
from .selectors import report_reading
from .tables import csv_lines, on_page, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_read_reports(user) -> bool:
    return user.is_authenticated and (user.is_operator or user.role == Role.DUTY_MANAGER)


def office_reader(view):
    """Operators and duty managers; anyone else signed in gets a 404, like every
    page that is not theirs (accounts.access)."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_read_reports(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _context(site, request, **extra):
    return {**site.each_context(request), "reports": REPORTS.values(), **extra}


def index(site, request):
    return TemplateResponse(
        request, "reports/index.html", _context(site, request, title=gettext("Reports"))
    )


def report(site, request, slug):
    chosen = REPORTS.get(slug)
    if chosen is None:
        raise Http404
    zone = request.user.time_zone
    today = timezone.localdate(timezone=request.user.tz)
    form = PeriodForm(request.GET, zone=zone, today=today, default_kind=chosen.default_period)
    period = form.chosen()
    with report_reading():
        built = chosen.build(period)
    wanted = request.GET.get("format", "")
    if wanted in ("csv", "xlsx"):
        return _export(built.tables, wanted, f"{slug}-{period.first_day}-{period.last_day}")
    return TemplateResponse(
        request,
        "reports/report.html",
        _context(
            site,
            request,
            title=str(chosen.title),
            report=chosen,
            built=built,
            tables=[on_page(table, request.GET.get("page")) for table in built.tables],
            # Template strings live in reports' own catalogue (reports/locale).
            pager_label=gettext("Pages of the table"),
            pager_previous=gettext("Previous rows"),
            pager_next=gettext("Next rows"),
            form=form,
            period=period,
            kinds=KINDS.items(),
            previous=period.previous(),
            next=period.next(),
        ),
    )


def _export(tables, wanted: str, stem: str):
    """Every row of the report's tables, streamed: CSV a line at a time; XLSX written
    row by row to a temporary file (a zip is finished only at its end) and sent
    from there in chunks."""
    if wanted == "csv":
        response = StreamingHttpResponse(csv_lines(tables), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response
    # Closed (and so deleted) by the response when it has been sent.
    file = tempfile.TemporaryFile()  # noqa: SIM115
    write_xlsx(tables, file)
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=f"{stem}.xlsx", content_type=XLSX)
