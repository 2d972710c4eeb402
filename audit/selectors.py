"""Reads of the audit trail."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from .models import AuditEvent


def audit_events_visible_to(*, user, events: QuerySet[AuditEvent] | None = None):
    """
    The events about things this person may see: a support agent reads the
    trail of questions, the comms team that of incidents, neither that of
    people's accounts (superusers see everything).
    """
    events = AuditEvent.objects.all() if events is None else events
    if user.is_superuser:
        return events
    allowed = [
        ct.pk
        for ct in ContentType.objects.all()
        if user.has_perm(f"{ct.app_label}.view_{ct.model}")
        or user.has_perm(f"{ct.app_label}.change_{ct.model}")
    ]
    return events.filter(Q(target_type__isnull=True) | Q(target_type__in=allowed))


def audit_summary(event: AuditEvent) -> str:
    """The details in one line, e.g. "count: 3 · complete: yes" or "staff: no → yes"."""
    return " · ".join(
        f"{key.replace('_', ' ')}: {_word(value)}" for key, value in event.details.items()
    )


def _word(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    if isinstance(value, dict) and value.keys() == {"from", "to"}:
        return f"{_word(value['from'])} → {_word(value['to'])}"
    return str(value)
