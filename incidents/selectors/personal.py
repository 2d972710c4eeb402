"""Reads about one person: what of theirs an incident exposed; the affected addresses."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import Max
from django.db.models.functions import Coalesce
from django.urls import reverse
from modeltranslation.utils import get_translation_fields

from ..digest import email_digest
from ..localized import text_pick
from ..models import DataCategory, Exposure, ImportBatch, Incident, Tier
from .public import incident_list_public


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
    texts = ["title", "summary", "message_standard", "message_priority", "remedy_instructions"]
    category_texts = ["data_categories__name", "data_categories__advice"]
    rows = incident_list_public().values(
        "id", "slug", "current_status", "data_categories__id",
        "data_categories__requires_password_reset",
        *get_translation_fields(*texts, *category_texts),
    )  # fmt: skip
    incidents: dict[int, PersonalIncident] = {}
    messages: dict[int, dict[str, str]] = {}
    for row in rows:
        incident = incidents.get(row["id"])
        if incident is None:
            incident = incidents[row["id"]] = PersonalIncident(
                id=row["id"],
                slug=row["slug"],
                title=text_pick(row, "title"),
                summary=text_pick(row, "summary"),
                status=row["current_status"],
                remedy_instructions=text_pick(row, "remedy_instructions"),
            )
            standard = text_pick(row, "message_standard")
            messages[row["id"]] = {
                Tier.STANDARD: standard,
                Tier.PRIORITY: text_pick(row, "message_priority") or standard,
            }
        if row["data_categories__id"] is not None:
            incident.all_categories.append(
                {
                    "id": row["data_categories__id"],
                    "name": text_pick(row, "data_categories__name"),
                    "advice": text_pick(row, "data_categories__advice"),
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
    from ..services.imports import emails_in

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
