"""Reads for the public site, feeds and API. Nothing here writes."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .digest import email_digest
from .models import FAQ, DataCategory, Exposure, ImportBatch, Incident, Status, Tier, Update


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


def incident_list_public(*, now: dt.datetime | None = None) -> QuerySet[Incident]:
    """Published incidents, newest first, each annotated with `current_status`."""
    now = now or timezone.now()
    latest_status = (
        Update.objects.filter(incident=OuterRef("pk"), publish_at__lte=now)
        .order_by("-publish_at", "-id")
        .values("status")[:1]
    )
    return Incident.objects.published().annotate(
        current_status=Coalesce(Subquery(latest_status), "status")
    )


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
    # Saves that changed neither text nor status are not revisions a reader would notice.
    distinct = []
    for record in versions:
        if not distinct or (record.body, record.status) != (
            distinct[-1].body,
            distinct[-1].status,
        ):
            distinct.append(record)
    return list(reversed(distinct))


def faq_list_public(*, query: str = "") -> QuerySet[FAQ]:
    """Published FAQs, general ones first, filtered by words in the question or answer."""
    faqs = FAQ.objects.published().select_related("incident")
    for word in query.split()[:8]:
        faqs = faqs.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    return faqs.order_by(F("incident_id").asc(nulls_first=True), "order", "id")


def status_is_active(status: str) -> bool:
    return status != Status.RESOLVED


@dataclass
class PersonalIncident:
    """One published incident as it concerns one person: affected or not, and how."""

    id: int
    slug: str
    title: str
    summary: str
    status: str
    message: str = ""
    remedy_instructions: str = ""
    all_categories: list = field(default_factory=list)
    exposure: Exposure | None = None
    categories: list = field(default_factory=list)

    @property
    def affected(self) -> bool:
        return self.exposure is not None

    @property
    def must_reset_password(self) -> bool:
        return any(c["requires_password_reset"] for c in self.categories)

    def get_absolute_url(self):
        return reverse("incidents:incident-detail", args=[self.slug])


def exposure_report(*, emails: list[str]) -> list[PersonalIncident]:
    """
    For every published incident, whether any of these (verified) addresses was
    affected, with which data, the tier's message and the remedy code.

    Two queries whatever the size of the list: the incidents with their
    categories (one join), then the exposures, by digest, through the unique index.
    """
    rows = incident_list_public().values(
        "id", "slug", "title", "summary", "current_status", "message_standard",
        "message_priority", "remedy_instructions", "data_categories__id",
        "data_categories__name", "data_categories__advice",
        "data_categories__requires_password_reset",
    )  # fmt: skip
    incidents: dict[int, PersonalIncident] = {}
    messages: dict[int, dict[str, str]] = {}
    for row in rows:
        incident = incidents.get(row["id"])
        if incident is None:
            incident = incidents[row["id"]] = PersonalIncident(
                id=row["id"],
                slug=row["slug"],
                title=row["title"],
                summary=row["summary"],
                status=row["current_status"],
                remedy_instructions=row["remedy_instructions"],
            )
            messages[row["id"]] = {
                Tier.STANDARD: row["message_standard"],
                Tier.PRIORITY: row["message_priority"] or row["message_standard"],
            }
        if row["data_categories__id"] is not None:
            incident.all_categories.append(
                {
                    "id": row["data_categories__id"],
                    "name": row["data_categories__name"],
                    "advice": row["data_categories__advice"],
                    "requires_password_reset": row["data_categories__requires_password_reset"],
                }
            )
    digests = [email_digest(e) for e in emails]
    if incidents and digests:
        exposures = Exposure.objects.filter(
            incident_id__in=list(incidents), email_digest__in=digests
        )
        for exposure in exposures:
            incident = incidents[exposure.incident_id]
            if incident.exposure is not None:
                # Two of the person's addresses were on the list: show everything involved.
                exposure.category_ids = sorted(
                    {*incident.exposure.category_ids, *exposure.category_ids}
                )
                if incident.exposure.tier == Tier.PRIORITY:
                    exposure.tier = Tier.PRIORITY
                exposure.remedy_code = exposure.remedy_code or incident.exposure.remedy_code
            incident.exposure = exposure
            incident.categories = [
                c for c in incident.all_categories if c["id"] in exposure.category_ids
            ]
            incident.message = messages[incident.id][exposure.tier]
    return sorted(incidents.values(), key=lambda i: (not i.affected, -i.id))


def exposure_tier_for_emails(*, emails: list[str]) -> str | None:
    """The highest tier these addresses have in any published incident; None if unaffected."""
    if not emails:
        return None
    tiers = set(
        Exposure.objects.filter(
            incident__is_published=True, email_digest__in=[email_digest(e) for e in emails]
        ).values_list("tier", flat=True)
    )
    if not tiers:
        return None
    return Tier.PRIORITY if Tier.PRIORITY in tiers else Tier.STANDARD


def password_reset_required_since(*, emails: list[str]) -> dt.datetime | None:
    """
    When the latest breach that exposed one of these addresses' passwords was
    confirmed (a new password must be newer than that); None if none did.
    """
    if not emails:
        return None
    resets = set(
        DataCategory.objects.filter(requires_password_reset=True).values_list("id", flat=True)
    )
    latest = None
    exposures = Exposure.objects.filter(
        incident__is_published=True, email_digest__in=[email_digest(e) for e in emails]
    ).select_related("incident")
    for exposure in exposures:
        if resets.intersection(exposure.category_ids):
            incident = exposure.incident
            moment = incident.confirmed_at or incident.disclosed_at or incident.created_at
            latest = max(latest, moment) if latest else moment
    return latest


def incident_latest_confirmed_at() -> dt.datetime | None:
    """When the most recent published breach was confirmed (or created, if not yet)."""
    return Incident.objects.published().aggregate(
        latest=Max(Coalesce("confirmed_at", "created_at"))
    )["latest"]


@dataclass(frozen=True)
class Clock:
    state: str  # filed, overdue, soon, running, not-started
    text: str


def obligation_clock(obligation, *, now: dt.datetime | None = None) -> Clock:
    """Time left or overdue, in words (colour alone never tells)."""
    now = now or timezone.now()
    if obligation.filed_at:
        return Clock(
            "filed", _("Filed %(when)s") % {"when": obligation.filed_at.strftime("%d %b %H:%M")}
        )
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


def affected_addresses(
    *, incident: Incident, tiers: list[str] | None = None, chunk: int = 1000
) -> Iterator[tuple[str, Exposure]]:
    """
    Each affected person's address with their exposure, streamed.

    Exposures hold only digests; the addresses are in the incident's imported
    files, read again and matched by digest (the newest file first, so an
    address is given as it was last spelled). People no longer in the list,
    or in another tier, are skipped.
    """
    from .services.imports import emails_in

    tiers = tiers or list(Tier.values)
    seen: set[bytes] = set()
    batches = ImportBatch.objects.filter(incident=incident, state=ImportBatch.State.DONE).exclude(
        file=""
    )
    for batch in batches.order_by("-created_at"):
        with batch.file.open("rb") as source:
            emails = emails_in(source)
            while block := list(islice(emails, chunk)):
                by_digest = {email_digest(e): e for e in block}
                wanted = [d for d in by_digest if d not in seen]
                for exposure in Exposure.objects.filter(
                    incident=incident, tier__in=tiers, email_digest__in=wanted
                ):
                    digest = bytes(exposure.email_digest)
                    seen.add(digest)
                    yield by_digest[digest], exposure
