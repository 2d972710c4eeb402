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

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Func, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from .conf import app_settings
from .models import Category, Channel, Priority, Ticket

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
    """The report's figures for a period; times are hours, to one decimal."""

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
    report.by_channel, report.by_category = _per_day(tickets, days)
    report.total = sum(map(sum, report.by_channel.values()))
    report.backlog = _backlog(days, incident)
    report.first_response = _first_response(tickets)
    resolution = _durations(tickets, "resolved_at", group=None).get(None, _empty())
    report.resolution = {key: resolution[key] for key in ("count", "p50", "p90")}
    report.ratings = _ratings(tickets)
    report.agents = _agents(tickets)
    return report


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _per_day(tickets, days) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """{channel: [count on each day]} and {category: [...]}, from one grouped query."""
    rows = (
        tickets.annotate(day=TruncDate("created_at"))
        .values_list("day", "channel", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    index = {day: n for n, day in enumerate(days)}
    channels = {value: [0] * len(days) for value in Channel.values}
    categories = {value: [0] * len(days) for value in Category.values}
    for day, channel, category, n in rows:
        if day in index:
            if channel in channels:
                channels[channel][index[day]] += n
            if category in categories:
                categories[category][index[day]] += n
    return channels, categories


def _backlog(days, incident) -> list[int]:
    """
    Questions not resolved at the end of each day (asked before it, resolved after),
    from resolved_at as it is now: no status history is kept, so a question reopened
    counts as open on the days since it was asked.
    """
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
    return {"count": 0, "p50": None, "p90": None, "on_time": 0}


def _durations(tickets, until: str, *, group: str | None) -> dict:
    """
    {group value: {count, p50, p90, on_time}} of the hours from asking to `until`, for
    the questions where `until` is set; on_time: how many by their first-answer due time.
    """
    done = Q(**{f"{until}__isnull": False})
    if connection.vendor == "postgresql":
        # One pass: percentile_cont skips the NULLs of questions not there yet.
        seconds = Seconds(F(until), F("created_at"))
        figures = {
            "count": Count("pk", filter=done),
            "p50": Percentile(seconds, 0.5),
            "p90": Percentile(seconds, 0.9),
            "on_time": Count(
                "pk", filter=done & Q(**{f"{until}__lte": F("first_response_due_at")})
            ),
        }
        if group is None:
            totals = tickets.aggregate(**figures)
            return {None: _hours(totals)} if totals["count"] else {}
        rows = tickets.values(group).annotate(**figures).order_by()
        return {row[group]: _hours(row) for row in rows if row["count"]}
    found: dict = {}
    rows = tickets.filter(done).values_list(
        group or "pk", until, "created_at", "first_response_due_at"
    )
    for value, later, earlier, due in rows:
        found.setdefault(value if group else None, []).append(
            ((later - earlier).total_seconds(), later <= due)
        )
    return {
        value: _hours({
            "count": len(times),
            "p50": percentile([s for s, _ in times], 0.5),
            "p90": percentile([s for s, _ in times], 0.9),
            "on_time": sum(on_time for _, on_time in times),
        })
        for value, times in found.items()
    }  # fmt: skip


def _hours(row: dict) -> dict:
    return {
        "count": row["count"],
        "p50": None if row["p50"] is None else round(row["p50"] / 3600, 1),
        "p90": None if row["p90"] is None else round(row["p90"] / 3600, 1),
        "on_time": row["on_time"],
    }


def _first_response(tickets) -> list[dict]:
    """Per priority: the target, answered count, p50/p90 hours, and the share on time."""
    times = _durations(tickets, "first_responded_at", group="priority")
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
                "on_time_percent": round(100 * row["on_time"] / count) if count else None,
            }
        )
    return rows


def _ratings(tickets) -> dict:
    """How many rated, the average, and how many gave each rating (one query)."""
    figures = {f"r{r}": Count("pk", filter=Q(rating=r)) for r in RATINGS}
    found = tickets.aggregate(average=Avg("rating"), **figures)
    distribution = [found[f"r{r}"] for r in RATINGS]
    average = found["average"]
    return {
        "count": sum(distribution),
        "average": None if average is None else round(average, 2),
        "distribution": distribution,
    }


def _agents(tickets) -> list[dict]:
    """
    Per agent: the questions of the period assigned to them that have had an answer,
    and the time to that first answer (p50, hours). By assignee, from one grouped query:
    counting who wrote each answer means joining every message of the period (seconds
    at a million messages), and the assignee is whose the question is.
    """
    assigned = tickets.filter(assignee__isnull=False)
    times = _durations(assigned, "first_responded_at", group="assignee")
    # Grouped by id, then named: no join of every question with its agent.
    emails = dict(get_user_model().objects.filter(pk__in=times).values_list("pk", "email"))
    rows = [
        {"agent": emails.get(pk, ""), "answered": row["count"], "p50": row["p50"]}
        for pk, row in times.items()
    ]
    return sorted(rows, key=lambda row: (-row["answered"], row["agent"]))
