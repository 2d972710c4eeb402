"""
Statuspage-compatible JSON (a subset of Atlassian Statuspage's public API v2).

Field names and value sets follow that API so existing status-page clients
can read ours. Our "contained" status has no Statuspage equivalent; it is sent
as "monitoring" (a fix is in place and being watched) and, exactly, in the
extra field `candor_status`.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from .conf import app_settings
from .models import Incident, Severity, Status, Update
from .selectors import incident_current_status

STATUSPAGE_STATUS = {Status.CONTAINED: "monitoring"}
INDICATOR_ORDER = [Severity.NONE, Severity.MINOR, Severity.MAJOR, Severity.CRITICAL]
DESCRIPTIONS = {
    Severity.NONE: "No active security incidents",
    Severity.MINOR: "Minor security incident",
    Severity.MAJOR: "Major security incident",
    Severity.CRITICAL: "Critical security incident",
}


def _time(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _incidents_with_public_updates(now: dt.datetime):
    public_updates = Update.objects.filter(publish_at__lte=now).order_by("-publish_at", "-id")
    return Incident.objects.published().prefetch_related(
        Prefetch("updates", queryset=public_updates, to_attr="public_updates")
    )


def _incident(incident: Incident) -> dict:
    updates = incident.public_updates
    status = incident_current_status(incident, updates)
    first_at = {}
    for update in reversed(updates):  # oldest first: keep the first time each status was reached
        first_at.setdefault(STATUSPAGE_STATUS.get(update.status, update.status), update.publish_at)
    last_change = max(
        [u.revised_at or u.publish_at for u in updates] + [incident.updated_at],
    )
    return {
        "id": incident.slug,
        "name": incident.title,
        "status": STATUSPAGE_STATUS.get(status, status),
        "candor_status": status,
        "impact": incident.severity,
        "created_at": _time(incident.disclosed_at or incident.created_at),
        "updated_at": _time(last_change),
        "monitoring_at": _time(first_at.get("monitoring")),
        "resolved_at": _time(
            (incident.resolved_at or first_at.get("resolved"))
            if status == Status.RESOLVED
            else None
        ),
        "started_at": _time(incident.detected_at or incident.created_at),
        "shortlink": _absolute(incident.get_absolute_url()),
        "page_id": app_settings.PAGE_ID,
        "incident_updates": [
            {
                "id": str(update.pk),
                "incident_id": incident.slug,
                "status": STATUSPAGE_STATUS.get(update.status, update.status),
                "body": update.body,
                "created_at": _time(update.publish_at),
                "updated_at": _time(update.revised_at or update.publish_at),
                "display_at": _time(update.publish_at),
            }
            for update in updates
        ],
        "components": [],
    }


def _page(incidents: list[dict]) -> dict:
    updated = max((i["updated_at"] for i in incidents), default=None)
    return {
        "id": app_settings.PAGE_ID,
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL,
        "time_zone": "Etc/UTC",
        "updated_at": updated,
    }


def summary(request) -> dict:
    """The page, its overall status and the unresolved incidents."""
    now = timezone.now()
    incidents = [_incident(i) for i in _incidents_with_public_updates(now)]
    active = [i for i in incidents if i["candor_status"] != Status.RESOLVED]
    worst = max(
        (Severity(i["impact"]) for i in active), key=INDICATOR_ORDER.index, default=Severity.NONE
    )
    return {
        "page": _page(incidents),
        "status": {"indicator": worst.value, "description": DESCRIPTIONS[worst]},
        "components": [],
        "incidents": active,
        "scheduled_maintenances": [],
    }


def incidents(request) -> dict:
    """The page and its 50 most recent incidents, resolved ones included."""
    now = timezone.now()
    recent = [_incident(i) for i in _incidents_with_public_updates(now)[:50]]
    return {"page": _page(recent), "incidents": recent}


def incident_webhook_body(incident_pk: int) -> dict:
    """
    The `page` and `incident` of Atlassian Statuspage's incident webhook for one
    published incident, as the API shows it now (its public updates, newest first).
    """
    incident = _incidents_with_public_updates(timezone.now()).get(pk=incident_pk)
    summary_status = summary(None)["status"]
    return {
        "page": {
            "id": app_settings.PAGE_ID,
            "status_indicator": summary_status["indicator"],
            "status_description": summary_status["description"],
        },
        "incident": _incident(incident),
    }
