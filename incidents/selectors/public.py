"""Reads for the public pages, feeds and API: incidents, updates, FAQs."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from modeltranslation.utils import get_translation_fields

from ..models import FAQ, Incident, Status, Update


@dataclass
class IncidentPage:
    """Everything the incident page shows, loaded in four queries."""

    incident: Incident
    status: str
    updates: list[Update]
    faqs: list[FAQ]
    # When the next scheduled update of this incident goes public: the page is true until then.
    fresh_until: dt.datetime | None
    unpublished: list[Update] = field(default_factory=list)


def incident_current_status(incident: Incident, public_updates: list[Update]) -> str:
    """The status readers see: that of the latest public update, else the incident's own."""
    return public_updates[0].status if public_updates else incident.status


def incidents_with_current_status(
    incidents: QuerySet[Incident], *, now: dt.datetime | None = None
) -> QuerySet[Incident]:
    """
    Each annotated with `current_status`, the status readers see (that of the latest
    public update, else the incident's own): the public pages and the admin's list agree.
    """
    now = now or timezone.now()
    latest_status = (
        Update.objects.filter(incident=OuterRef("pk"), publish_at__lte=now)
        .order_by("-publish_at", "-id")
        .values("status")[:1]
    )
    return incidents.annotate(current_status=Coalesce(Subquery(latest_status), "status"))


def incident_list_public(*, now: dt.datetime | None = None) -> QuerySet[Incident]:
    """Published incidents, newest first, each annotated with `current_status`."""
    return incidents_with_current_status(Incident.objects.published(), now=now)


def incident_get_public(*, slug: str, preview: bool = False) -> IncidentPage:
    """
    One incident with its public timeline and FAQs, or 404.

    With `preview` (staff only) unpublished incidents are found too, and drafts
    and scheduled updates are returned separately so they can be labelled.
    """
    now = timezone.now()
    incidents = Incident.objects.all() if preview else Incident.objects.published()
    incident = get_object_or_404(incidents.prefetch_related("data_categories"), slug=slug)
    updates = list(incident.updates.all())
    public = [u for u in updates if u.is_public(now)]
    pending = [u for u in updates if not u.is_public(now)]
    scheduled_times = [u.publish_at for u in pending if u.publish_at is not None]
    faqs = list(
        FAQ.objects.published().filter(Q(incident=incident) | Q(incident__isnull=True))
        if not preview
        else FAQ.objects.filter(Q(incident=incident) | Q(incident__isnull=True))
    )
    return IncidentPage(
        incident=incident,
        status=incident_current_status(incident, public),
        updates=public,
        faqs=faqs,
        fresh_until=min(scheduled_times) if scheduled_times else None,
        unpublished=pending if preview else [],
    )


def update_list_latest(*, limit: int = 10, incident: Incident | None = None) -> QuerySet[Update]:
    """The newest public updates, across incidents or of one."""
    updates = Update.objects.published().select_related("incident")
    if incident is not None:
        updates = updates.filter(incident=incident)
    return updates.order_by("-publish_at", "-id")[:limit]


def update_next_scheduled_at(*, incident: Incident | None = None) -> dt.datetime | None:
    """When the next scheduled update goes public; public pages are true until then."""
    updates = Update.objects.scheduled()
    if incident is not None:
        updates = updates.filter(incident=incident)
    return updates.aggregate(next=Min("publish_at"))["next"]


def update_get_public(*, slug: str, update_id: int) -> Update:
    return get_object_or_404(
        Update.objects.published().select_related("incident"),
        incident__slug=slug,
        pk=update_id,
    )


def update_public_revisions(*, update: Update) -> list:
    """
    The versions of a published update that readers saw, newest first.

    Drafts written before publication are not shown: the first version is the
    one in effect at publication, then every edit made after it.
    """
    records = list(update.history.order_by("history_date", "history_id"))
    seen = [r for r in records if r.history_date <= update.publish_at]
    later = [r for r in records if r.history_date > update.publish_at]
    versions = seen[-1:] + later
    # Saves that changed nothing a reader saw are not revisions (see Update.corrects);
    # the newest of them stands for the version, so a first translation shows in it.
    distinct = []
    for record in versions:
        if not distinct or Update.corrects(distinct[-1], record):
            distinct.append(record)
        else:
            distinct[-1] = record
    return list(reversed(distinct))


def faq_list_public(*, query: str = "") -> QuerySet[FAQ]:
    """Published FAQs, general ones first, filtered by words in the question or answer
    (in any language, so a reader finds an answer shown to them untranslated too)."""
    faqs = FAQ.objects.published().select_related("incident")
    query = query.replace("\x00", "")  # PostgreSQL cannot compare text holding NUL
    for word in query.split()[:8]:
        matches = Q()
        for name in get_translation_fields("question", "answer"):
            matches |= Q(**{f"{name}__icontains": word})
        faqs = faqs.filter(matches)
    return faqs.order_by(F("incident_id").asc(nulls_first=True), "order", "id")


def status_is_active(status: str) -> bool:
    return status != Status.RESOLVED
