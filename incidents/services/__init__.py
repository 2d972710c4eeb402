"""Writes to incidents, their timelines and FAQs. Every write refreshes the public pages."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..caching import public_pages_invalidate
from ..models import FAQ, DataCategory, Incident, Update


@transaction.atomic
def incident_save(*, incident: Incident, data_categories=None) -> Incident:
    """
    Validate and save an incident (new or changed); public pages show it at once,
    and regulatory deadlines counted from its confirmation move with it.
    """
    from .clocks import obligations_recount

    incident.full_clean()
    incident.save()
    if data_categories is not None:
        incident.data_categories.set(data_categories)
    obligations_recount(incident=incident)
    public_pages_invalidate()
    return incident


def update_check(*, update: Update, now: dt.datetime | None = None) -> None:
    """
    Raise ValidationError if saving `update` would break the timeline's rules:
    a public update can be corrected but not withdrawn, rescheduled or moved.
    """
    previous = Update.objects.filter(pk=update.pk).first() if update.pk else None
    if (
        previous is not None
        and previous.is_public(now)
        and update.publish_at != previous.publish_at
    ):
        raise ValidationError(
            {
                "publish_at": _(
                    "This update is already public, so its time cannot change. "
                    "Correct its text instead, or post a new update."
                )
            }
        )


@transaction.atomic
def update_save(*, update: Update, author=None, now: dt.datetime | None = None) -> Update:
    """
    Validate and save a timeline update, new or edited.

    Guarantees: a published update stays published (see `update_check`);
    correcting its text or status after publication marks it revised, so
    readers are told and can read every version; a scheduled time already past
    publishes at once. Every save is kept in the history.
    """
    now = now or timezone.now()
    previous = (
        Update.objects.select_for_update().filter(pk=update.pk).first() if update.pk else None
    )
    update_check(update=update, now=now)
    corrected = previous is not None and (update.body, update.status) != (
        previous.body,
        previous.status,
    )
    if corrected and previous.is_public(now):
        update.revised_at = now
    if previous is None and author is not None and update.author_id is None:
        update.author = author
    update.full_clean()
    update.save()
    public_pages_invalidate()
    return update


def update_create(
    *,
    incident: Incident,
    status: str,
    body: str,
    publish_at: dt.datetime | None,
    author=None,
) -> Update:
    """Add an update to an incident's timeline (a draft when publish_at is None)."""
    return update_save(
        update=Update(incident=incident, status=status, body=body, publish_at=publish_at),
        author=author,
    )


def update_publish(*, update: Update, now: dt.datetime | None = None) -> Update:
    """Publish a draft or scheduled update now. Idempotent: a public update is left as it is."""
    now = now or timezone.now()
    if update.is_public(now):
        return update
    update.publish_at = now
    return update_save(update=update, now=now)


@transaction.atomic
def faq_save(*, faq: FAQ) -> FAQ:
    """Validate and save an FAQ; every version is kept in its history."""
    faq.full_clean()
    faq.save()
    public_pages_invalidate()
    return faq


@transaction.atomic
def data_category_save(*, category: DataCategory) -> DataCategory:
    category.full_clean()
    category.save()
    public_pages_invalidate()
    return category
