"""Translations behind their corrected original, for the comms team's home page."""

from django.db.models import Q
from modeltranslation import settings as translation_settings

from ..localized import encode_behind
from ..models import FAQ, Update


def translations_behind_counts(*, incidents) -> list[dict]:
    """
    Per language but the original, how many updates and FAQs (of `incidents`, or general
    FAQs) have a translation written before the original's last correction; languages
    with none are left out.
    """
    counts = []
    for code in translation_settings.AVAILABLE_LANGUAGES:
        if code == translation_settings.DEFAULT_LANGUAGE:
            continue
        behind = {"translations_behind__contains": encode_behind([code])}
        updates = Update.objects.filter(incident__in=incidents, **behind).count()
        faqs = (
            FAQ.objects.filter(**behind)
            .filter(Q(incident__isnull=True) | Q(incident__in=incidents))
            .count()
        )
        if updates or faqs:
            counts.append({"language": code, "updates": updates, "faqs": faqs})
    return counts
