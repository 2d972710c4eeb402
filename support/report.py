"""
Reads for the support report (admin: Support report): questions per day, the backlog,
answer and resolution times against the first-response targets, ratings, agents.

Counts are SQL aggregates. Percentiles are PostgreSQL's percentile_cont, in SQL; on
SQLite, which has none, they are computed the same way (linear interpolation) over
the durations read as a list: fine for the small sites SQLite serves.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from .conf import app_settings
from .models import Category, Channel, Message, Priority, Ticket

RATINGS = [1, 2, 3, 4, 5]
MAX_DAYS = 366


class Seconds(Func):
    """The seconds from one time to a later one (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "
    output_field = FloatField()

    def __init__(self, later, earlier):
        super().__init__(later, earlier)


class Percentile(Aggregate):
    """percentile_cont(fraction) WITHIN GROUP (ORDER BY expression): PostgreSQL only."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(values: list[float], fraction: float) -> float | None:
    """As percentile_cont: linear interpolation between the two nearest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Report:
    start: dt.date
    end: dt.date
    days: list[dt.date]
    total: int = 0
    by_channel: dict[str, list[int]] = field(default_factory=dict)
    by_category: dict[str, list[int]] = field(default_factory=dict)
    backlog: list[int] = field(default_factory=list)
    first_response: list[dict] = field(default_factory=list)
    resolution: dict = field(default_factory=dict)
    ratings: dict = field(default_factory=dict)
    agents: list[dict] = field(default_factory=list)


def report_tickets(*, start: dt.date, end: dt.date, incident=None) -> QuerySet[Ticket]:
    """The questions asked from `start` to `end` (both days included), about `incident`."""
    since, until = _day_start(start), _day_start(end + dt.timedelta(days=1))
    tickets = Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
    return tickets.filter(incident=incident) if incident is not None else tickets


def support_report(*, start: dt.date, end: dt.date, incident=None) -> Report:
    """Every figure of the report, for the questions asked from `start` to `end`."""
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)][:MAX_DAYS]
    tickets = report_tickets(start=start, end=end, incident=incident)
    report = Report(start=start, end=end, days=days)
    report.by_channel = _per_day(tickets, "channel", Channel, days)
    report.by_category = _per_day(tickets, "category", Category, days)
    report.total = sum(map(sum, report.by_channel.values()))
    report.backlog = _backlog(days, incident)
    report.first_response = _first_response(tickets)
    report.resolution = _durations(
        tickets.filter(resolved_at__isnull=False), "resolved_at", group=None
    ).get(None, _empty())
    report.ratings = _ratings(tickets)
    report.agents = _agents(tickets)
    return report


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _per_day(tickets, column: str, choices, days) -> dict[str, list[int]]:
    """{value: [count on each day]} for every choice, in the choices' order."""
    rows = (
        tickets.annotate(day=TruncDate("created_at"))
        .values_list("day", column)
        .annotate(n=Count("pk"))
        .order_by()
    )
    index = {day: n for n, day in enumerate(days)}
    counts = {value: [0] * len(days) for value in choices.values}
    for day, value, n in rows:
        if value in counts and day in index:
            counts[value][index[day]] = n
    return counts


def _backlog(days, incident) -> list[int]:
    """Questions not resolved at the end of each day (asked before it, resolved after)."""
    tickets = Ticket.objects.all()
    if incident is not None:
        tickets = tickets.filter(incident=incident)
    ends = [_day_start(day + dt.timedelta(days=1)) for day in days]
    open_at = {
        f"d{n}": Count(
            "pk",
            filter=Q(created_at__lt=end) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=end)),
        )
        for n, end in enumerate(ends)
    }
    counts = tickets.filter(created_at__lt=ends[-1]).aggregate(**open_at)
    return [counts[f"d{n}"] for n in range(len(days))]


def _empty() -> dict:
    return {"count": 0, "p50": None, "p90": None}


def _durations(tickets, until: str, *, group: str | None) -> dict:
    """{group value: {count, p50, p90}} of the hours from asking to `until`."""
    if connection.vendor == "postgresql":
        seconds = Seconds(F(until), F("created_at"))
        figures = {"count": Count("pk"), "p50": Percentile(seconds, 0.5),
                   "p90": Percentile(seconds, 0.9)}  # fmt: skip
        if group is None:
            totals = tickets.aggregate(**figures)
            return {None: _hours(totals)} if totals["count"] else {}
        rows = tickets.values(group).annotate(**figures).order_by()
        return {row[group]: _hours(row) for row in rows}
    found: dict = {}
    for value, later, earlier in tickets.values_list(group or "pk", until, "created_at"):
        found.setdefault(value if group else None, []).append((later - earlier).total_seconds())
    return {
        value: _hours({"count": len(s), "p50": percentile(s, 0.5), "p90": percentile(s, 0.9)})
        for value, s in found.items()
    }


def _hours(row: dict) -> dict:
    return {
        "count": row["count"],
        "p50": None if row["p50"] is None else round(row["p50"] / 3600, 1),
        "p90": None if row["p90"] is None else round(row["p90"] / 3600, 1),
    }


def _first_response(tickets) -> list[dict]:
    """Per priority: the target, answered count, p50/p90 hours, and the share on time."""
    answered = tickets.filter(first_responded_at__isnull=False)
    times = _durations(answered, "first_responded_at", group="priority")
    on_time = dict(
        answered.filter(first_responded_at__lte=F("first_response_due_at"))
        .values_list("priority")
        .annotate(n=Count("pk"))
        .order_by()
    )
    targets = app_settings.FIRST_RESPONSE_HOURS
    rows = []
    for priority in Priority:
        row = times.get(priority.value, _empty())
        count = row["count"]
        rows.append(
            row
            | {
                "priority": priority.value,
                "label": priority.label,
                "target": targets.get(priority.value),
                "on_time": on_time.get(priority.value, 0),
                "on_time_percent": round(100 * on_time.get(priority.value, 0) / count)
                if count
                else None,
            }
        )
    return rows


def _ratings(tickets) -> dict:
    rated = tickets.filter(rating__isnull=False)
    counts = dict(rated.values_list("rating").annotate(n=Count("pk")).order_by())
    average = rated.aggregate(avg=Avg("rating"))["avg"]
    return {
        "count": sum(counts.values()),
        "average": None if average is None else round(average, 2),
        "distribution": [counts.get(r, 0) for r in RATINGS],
    }


def _agents(tickets) -> list[dict]:
    """
    Per agent: the questions (of the period) they answered, and the first-response time
    of those whose first answer was theirs (p50, hours).
    """
    public = Message.objects.filter(author_kind=Message.Author.AGENT, is_internal=False)
    answered = dict(
        public.filter(ticket__in=tickets.values("pk"), author__isnull=False)
        .values_list("author__email")
        .annotate(n=Count("ticket", distinct=True))
        .order_by()
    )
    first = (
        public.filter(ticket=OuterRef("pk")).order_by("created_at", "id").values("author__email")
    )
    firsts = tickets.filter(first_responded_at__isnull=False).annotate(
        first_agent=Subquery(first[:1])
    )
    times = _durations(
        firsts.filter(first_agent__isnull=False), "first_responded_at", group="first_agent"
    )
    return [
        {"agent": email, "answered": count, "p50": times.get(email, _empty())["p50"]}
        for email, count in sorted(answered.items(), key=lambda item: (-item[1], item[0]))
    ]
