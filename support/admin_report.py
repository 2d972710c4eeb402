"""
The support report and the questions' CSV export, two pages of the ticket admin
(TicketAdmin.get_urls): for whoever may view questions (Support agents, Support
leads), never for the comms team.
"""

import csv
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import selectors, services
from .charts import bar_chart
from .forms import ReportForm
from .models import Category, Channel
from .report import RATINGS, report_tickets, support_report

TEXT_PERMISSION = "support.export_ticket_text"


class _Echo:
    """csv.writer writes to this; each row comes back as the line to stream."""

    def write(self, line: str) -> str:
        return line


def _form(model_admin, request) -> ReportForm:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    return ReportForm(request.GET or None, today=timezone.localdate())


def report_view(model_admin, request):
    form = _form(model_admin, request)
    context = model_admin.admin_site.each_context(request) | {
        "opts": model_admin.opts,
        "title": _("Support report"),
        "form": form,
    }
    if form.is_valid():
        data = form.cleaned_data
        report = support_report(start=data["start"], end=data["end"], incident=data["incident"])
        context |= _report_context(report) | {
            "export_query": urlencode(
                {
                    "start": data["start"].isoformat(),
                    "end": data["end"].isoformat(),
                    "incident": data["incident"].pk if data["incident"] else "",
                }
            ),
            "with_text": request.user.has_perm(TEXT_PERMISSION),
        }
    return render(request, "admin/support/ticket/report.html", context)


def _report_context(report) -> dict:
    days = [date_format(day, "j M") for day in report.days]
    channels = [(Channel(value).label, counts) for value, counts in report.by_channel.items()]
    categories = [(Category(value).label, counts) for value, counts in report.by_category.items()]
    priorities = [row["label"] for row in report.first_response]
    resolution = report.resolution
    return {
        "report": report,
        "days": days,
        "channel_rows": _rows(days, channels),
        "channel_names": [name for name, _counts in channels],
        "channel_chart": bar_chart(days, channels),
        "category_rows": _rows(days, categories),
        "category_names": [name for name, _counts in categories],
        "category_chart": bar_chart(days, categories),
        "backlog_rows": list(zip(days, report.backlog, strict=True)),
        "backlog_chart": bar_chart(days, [(_("Open questions"), report.backlog)]),
        "first_response_chart": bar_chart(
            priorities,
            [
                (_("Target"), [row["target"] for row in report.first_response]),
                ("p50", [row["p50"] for row in report.first_response]),
                ("p90", [row["p90"] for row in report.first_response]),
            ],
            stacked=False,
        ),
        "resolution_chart": bar_chart(
            [_("All questions")],
            [("p50", [resolution["p50"]]), ("p90", [resolution["p90"]])],
            stacked=False,
        ),
        "rating_rows": list(zip(RATINGS, report.ratings["distribution"], strict=True)),
        "rating_chart": bar_chart(
            [str(r) for r in RATINGS], [(_("Ratings"), report.ratings["distribution"])]
        ),
    }


def _rows(days, series) -> list[tuple[str, list[int], int]]:
    """A table's rows: each day, its count per series, and their total."""
    return [
        (day, counts := [values[i] for _name, values in series], sum(counts))
        for i, day in enumerate(days)
    ]


def export_view(model_admin, request) -> HttpResponse:
    """The report's questions as CSV, streamed; the text only with its own permission."""
    form = _form(model_admin, request)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(form.errors.get("__all__", [])) or _("Bad period."))
    data = form.cleaned_data
    tickets = report_tickets(start=data["start"], end=data["end"], incident=data["incident"])
    period = f"{data['start'].isoformat()}..{data['end'].isoformat()}"
    return export_response(request, tickets, period=period)


def export_response(request, tickets, *, period: str) -> StreamingHttpResponse:
    """Record the export in the audit trail, then stream it."""
    with_text = request.user.has_perm(TEXT_PERMISSION)
    services.tickets_export_record(
        tickets=tickets, actor=request.user, with_text=with_text, period=period
    )
    writer = csv.writer(_Echo())
    lines = (
        writer.writerow(row)
        for row in selectors.ticket_export_rows(tickets=tickets, with_text=with_text)
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = f"questions-{period.replace('..', '-to-')}.csv" if period else "questions.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
