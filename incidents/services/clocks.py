"""Regulatory clocks: when each obligation falls due, and filing it."""

import calendar
import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from ..audit_actions import Action
from ..models import Incident, Obligation, Regime


def deadline(*, regime: Regime, start: dt.datetime) -> dt.datetime:
    """The moment a regime's deadline falls, counted from `start` (UTC)."""
    if regime.hours is not None:
        return start + dt.timedelta(hours=regime.hours)
    if regime.business_days is not None:
        return _add_business_days(start, regime.business_days)
    return _add_months(start, regime.calendar_months)


def _add_business_days(start: dt.datetime, days: int) -> dt.datetime:
    moment = start
    while days:
        moment += dt.timedelta(days=1)
        if moment.weekday() < 5:  # Monday to Friday; public holidays are not counted
            days -= 1
    return moment


def _add_months(start: dt.datetime, months: int) -> dt.datetime:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def obligation_clock_start(obligation: Obligation) -> dt.datetime | None:
    if obligation.clock_started_at:
        return obligation.clock_started_at
    if obligation.regime.starts == Regime.Start.AWARENESS:
        return obligation.incident.confirmed_at
    return None  # a decision-based clock starts when staff enter the decision


@transaction.atomic
def obligation_save(*, obligation: Obligation) -> Obligation:
    """
    Validate and save; its due time follows from the regime and the clock's start.
    Filing it is recorded in the audit trail in the name of whoever filed it.
    """
    start = obligation_clock_start(obligation)
    obligation.due_at = deadline(regime=obligation.regime, start=start) if start else None
    newly_filed = obligation.filed_at is not None and not (
        obligation.pk
        and Obligation.objects.filter(pk=obligation.pk, filed_at__isnull=False).exists()
    )
    obligation.full_clean()
    obligation.save()
    if newly_filed:
        _audit_filed(obligation, obligation.filed_by)
    return obligation


def _audit_filed(obligation: Obligation, actor) -> None:
    audit_record(
        actor=actor,
        action=Action.OBLIGATION_FILED,
        target=obligation,
        filed_at=obligation.filed_at.isoformat(),
        reference=obligation.reference,
    )


def obligations_recount(*, incident: Incident) -> None:
    """After the incident's confirmation time changes, move the deadlines that follow it."""
    for obligation in incident.obligations.select_related("regime", "incident"):
        obligation_save(obligation=obligation)


@transaction.atomic
def obligations_file(*, obligations, user, reference: str = "") -> int:
    """
    Mark obligations filed now, by this person. Already filed ones are left as
    they were. Each one filed is recorded in the audit trail.
    """
    now = timezone.now()
    unfiled = list(obligations.filter(filed_at__isnull=True).select_related("regime", "incident"))
    for obligation in unfiled:
        obligation.filed_at, obligation.reference = now, reference
        _audit_filed(obligation, user)
    return Obligation.objects.filter(pk__in=[o.pk for o in unfiled]).update(
        filed_at=now, filed_by=user, reference=reference
    )
