"""Merging good rows into an incident's exposures on any database, with bulk_create/bulk_update."""

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from ...models import Exposure
from .rows import GoodRow, batched

ORM_CHUNK_ROWS = 2_000


def merge_orm(
    incident_id: int, rows: Iterable[GoodRow], tick: Callable[[], None]
) -> tuple[int, int]:
    """
    Merge the rows in chunks, each in a transaction; return the numbers of exposures
    created and updated. `tick` is called per chunk.
    """
    created = updated = 0
    for chunk in batched(rows, ORM_CHUNK_ROWS):
        latest = {r.digest: r for r in chunk}  # the last row for an address wins
        with transaction.atomic():
            existing = {
                bytes(e.email_digest): e
                for e in Exposure.objects.filter(
                    incident_id=incident_id, email_digest__in=list(latest)
                )
            }
            new, changed = [], []
            for digest, r in latest.items():
                exposure = existing.get(digest)
                if exposure is None:
                    new.append(
                        Exposure(
                            incident_id=incident_id,
                            email_digest=digest,
                            category_ids=list(r.category_ids),
                            tier=r.tier,
                            remedy_code=r.remedy_code,
                            country=r.country,
                            region=r.region,
                        )
                    )
                elif (
                    exposure.category_ids, exposure.tier, exposure.remedy_code,
                    exposure.country, exposure.region,
                ) != (
                    list(r.category_ids), r.tier, r.remedy_code, r.country, r.region,
                ):  # fmt: skip
                    exposure.category_ids = list(r.category_ids)
                    exposure.tier = r.tier
                    exposure.remedy_code = r.remedy_code
                    exposure.country, exposure.region = r.country, r.region
                    exposure.updated_at = timezone.now()
                    changed.append(exposure)
            Exposure.objects.bulk_create(new)
            Exposure.objects.bulk_update(
                changed,
                ["category_ids", "tier", "remedy_code", "country", "region", "updated_at"],
            )
        created += len(new)
        updated += len(changed)
        tick()
    return created, updated
