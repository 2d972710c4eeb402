"""Reads for the regulatory clocks and for incidents that have gone quiet."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import Incident, Obligation, Status, Update
from .public import incident_list_public, update_list_latest


@dataclass(frozen=True)
class Clock:
    state: str  # filed, overdue, soon, running, not-started
    text: str


def obligation_clock(obligation, *, now: dt.datetime | None = None) -> Clock:
    """Time left or overdue, in words (colour alone never tells)."""
    now = now or timezone.now()
    if obligation.filed_at:
        when = date_format(obligation.filed_at, "j M Y, H:i")
        if obligation.due_at and obligation.filed_at > obligation.due_at:
            late = _duration(obligation.filed_at - obligation.due_at)
            return Clock(
                "filed-late",
                _("Filed %(when)s UTC, %(time)s late") % {"when": when, "time": late},
            )
        return Clock("filed", _("Filed %(when)s UTC") % {"when": when})
    if obligation.due_at is None:
        return Clock("not-started", _("Clock not started: enter when the decision was made"))
    left = obligation.due_at - now
    if left.total_seconds() <= 0:
        return Clock("overdue", _("OVERDUE by %(time)s") % {"time": _duration(-left)})
    state = "soon" if left <= dt.timedelta(hours=6) else "running"
    return Clock(state, _("%(time)s left") % {"time": _duration(left)})


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min"


def incidents_gone_quiet(
    *, now: dt.datetime | None = None
) -> list[tuple[Incident, Update | None]]:
    """Unresolved published incidents with no public update for their quiet period."""
    now = now or timezone.now()
    quiet = []
    for incident in incident_list_public(now=now).filter(~Q(current_status=Status.RESOLVED)):
        last = update_list_latest(limit=1, incident=incident).first()
        last_at = last.publish_at if last else (incident.disclosed_at or incident.created_at)
        if now - last_at >= dt.timedelta(hours=incident.quiet_hours):
            quiet.append((incident, last))
    return quiet


def obligations_open(*, incidents) -> list[Obligation]:
    """The deadlines not filed yet of these incidents, soonest first (unstarted last)."""
    return list(
        Obligation.objects.filter(incident__in=incidents, filed_at__isnull=True)
        .select_related("incident", "regime")
        .order_by(F("due_at").asc(nulls_last=True))
    )
