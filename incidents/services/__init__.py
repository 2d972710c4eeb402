"""Writes to incidents, their timelines and FAQs. Every write refreshes the public pages."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record

from ..audit_actions import Action
from ..invalidation import public_pages_invalidate
from ..localized import translated_fields, translations_behind
from ..models import FAQ, DataCategory, Incident, Update


@transaction.atomic
def incident_save(*, incident: Incident, data_categories=None, actor=None) -> Incident:
    """
    Validate and save an incident (new or changed); public pages show it at once,
    and regulatory deadlines counted from its confirmation move with it. Creating,
    publishing, unpublishing or changing it is recorded in the audit trail.
    """
    from .clocks import obligations_recount

    previous = _on_record(incident)
    incident.full_clean()
    incident.save()
    changed = _changed_fields(previous, incident)
    if data_categories is not None:
        before = set(incident.data_categories.values_list("pk", flat=True))
        incident.data_categories.set(data_categories)
        if previous is not None and before != {c.pk for c in data_categories}:
            changed.append("data_categories")
    _audit_incident(incident, previous, changed, actor)
    obligations_recount(incident=incident)
    public_pages_invalidate()
    return incident


def _on_record(obj):
    """The saved version of `obj` (None for a new one), to compare the change with."""
    return type(obj).objects.filter(pk=obj.pk).first() if obj.pk else None


def _changed_fields(previous, current) -> list[str]:
    if previous is None:
        return []
    # A translated text changes in its language's column (`title_en`, `title_es`); `title`
    # itself is only the reader's language of them.
    skipped = {"created_at", "updated_at", *translated_fields(type(current))}
    return [
        f.name
        for f in type(current)._meta.concrete_fields
        if f.name not in skipped and getattr(previous, f.attname) != getattr(current, f.attname)
    ]


def _audit_incident(incident: Incident, previous: Incident | None, changed, actor) -> None:
    if previous is None:
        audit_record(
            actor=actor,
            action=Action.INCIDENT_CREATED,
            target=incident,
            published=incident.is_published,
        )
    elif "is_published" in changed:
        action = (
            Action.INCIDENT_PUBLISHED if incident.is_published else Action.INCIDENT_UNPUBLISHED
        )
        audit_record(actor=actor, action=action, target=incident, fields=changed)
    elif changed:
        audit_record(actor=actor, action=Action.INCIDENT_EDITED, target=incident, fields=changed)


def update_check(*, update: Update, now: dt.datetime | None = None) -> None:
    """
    Raise ValidationError if saving `update` would break the timeline's rules:
    a public update can be corrected but not withdrawn, rescheduled or moved.
    """
    previous = _on_record(update)
    if (
        previous is not None
        and previous.is_public(now)
        and _time_moved(previous.publish_at, update.publish_at)
    ):
        raise ValidationError(
            {
                "publish_at": _(
                    "This update is already public, so its time cannot change. "
                    "Correct its text instead, or post a new update."
                )
            }
        )


def _time_moved(before: dt.datetime | None, after: dt.datetime | None) -> bool:
    """
    Whether a publication time was changed. The admin's time boxes show whole seconds,
    so a form saved as it was shown brings back the stored time without its fraction
    of a second: that is the same time, not a move.
    """
    if before is None or after is None:
        return before != after
    return before.replace(microsecond=0) != after.replace(microsecond=0)


@transaction.atomic
def update_save(*, update: Update, author=None, now: dt.datetime | None = None) -> Update:
    """
    Validate and save a timeline update, new or edited.

    Guarantees: a published update stays published (see `update_check`);
    correcting its text or status after publication marks it revised, so
    readers are told and can read every version; a scheduled time already past
    publishes at once. Every save is kept in the history, and recorded with its
    author in the audit trail (drafted, scheduled, published or corrected).
    """
    now = now or timezone.now()
    previous = (
        Update.objects.select_for_update().filter(pk=update.pk).first() if update.pk else None
    )
    update_check(update=update, now=now)
    if previous is not None and not _time_moved(previous.publish_at, update.publish_at):
        update.publish_at = previous.publish_at  # the fraction of a second the form dropped
    corrected = previous is not None and Update.corrects(previous, update)
    if corrected and previous.is_public(now):
        update.revised_at = now
    if previous is None and author is not None and update.author_id is None:
        update.author = author
    update.translations_behind = translations_behind(previous, update, ["body"])
    update.full_clean()
    update.save()
    _audit_update(update, previous, corrected, author, now)
    public_pages_invalidate()
    return update


def _audit_update(update: Update, previous, corrected: bool, actor, now) -> None:
    if previous is not None and previous.is_public(now):
        if corrected:
            audit_record(actor=actor, action=Action.UPDATE_EDITED, target=update)
        return
    if update.is_public(now):
        action = Action.UPDATE_PUBLISHED
    elif update.publish_at is not None:
        action = Action.UPDATE_SCHEDULED
    else:
        action = Action.UPDATE_DRAFTED
    at = update.publish_at.isoformat() if update.publish_at else None
    audit_record(actor=actor, action=action, target=update, publish_at=at)


def update_create(
    *,
    incident: Incident,
    status: str,
    body: str,
    publish_at: dt.datetime | None,
    author=None,
) -> Update:
    """Add an update to an incident's timeline (a draft when publish_at is None), its
    `body` in English, the original; translations are added in the admin."""
    update = Update(incident=incident, status=status, body_en=body, publish_at=publish_at)
    return update_save(update=update, author=author)


def update_publish(*, update: Update, now: dt.datetime | None = None, actor=None) -> Update:
    """Publish a draft or scheduled update now. Idempotent: a public update is left as it is."""
    now = now or timezone.now()
    if update.is_public(now):
        return update
    update.publish_at = now
    return update_save(update=update, author=actor, now=now)


@transaction.atomic
def public_content_delete(*, objects, actor=None) -> int:
    """
    Delete incidents, updates, FAQs or data categories (and what they cascade to);
    public pages refresh, and each deletion is in the audit trail under the name
    the record had. Returns how many were deleted.
    """
    count = 0
    for obj in objects:
        audit_record(actor=actor, action=Action.CONTENT_DELETED, target=obj)
        obj.delete()
        count += 1
    public_pages_invalidate()
    return count


@transaction.atomic
def faq_save(*, faq: FAQ, actor=None) -> FAQ:
    """
    Validate and save an FAQ; every version is kept in its history. Creating it,
    or changing any of its fields, is recorded in the audit trail with the fields.
    """
    previous = _on_record(faq)
    faq.translations_behind = translations_behind(previous, faq, ["question", "answer"])
    faq.full_clean()
    faq.save()
    _audit_content(faq, previous, actor, created=Action.FAQ_CREATED, edited=Action.FAQ_EDITED)
    public_pages_invalidate()
    return faq


@transaction.atomic
def data_category_save(*, category: DataCategory, actor=None) -> DataCategory:
    """
    Validate and save a data category (its advice is what affected people read).
    Creating it, or changing any of its fields, is recorded in the audit trail.
    """
    previous = _on_record(category)
    category.full_clean()
    category.save()
    _audit_content(
        category, previous, actor, created=Action.CATEGORY_CREATED, edited=Action.CATEGORY_EDITED
    )
    public_pages_invalidate()
    return category


def _audit_content(obj, previous, actor, *, created: str, edited: str) -> None:
    if previous is None:
        audit_record(actor=actor, action=created, target=obj)
    elif changed := _changed_fields(previous, obj):
        audit_record(actor=actor, action=edited, target=obj, fields=changed)
