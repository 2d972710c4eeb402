"""
Email updates: double opt-in subscriptions, one-click unsubscribe, and the
fan-out of every published update to confirmed subscribers, exactly once.

Publishing an update sends nothing by itself: a periodic task finds updates
that are public and not yet announced, which covers scheduled ones when their
time comes. Each email's dedupe key is (update, address), so a second run, or
a second worker, adds nothing.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.emails import customer_email_clean
from incidents.localized import text_in
from incidents.markdown import render_markdown
from incidents.models import Incident, Update

from ..models import Notification, Subscription, UpdateAnnouncement
from .chat import ChatMessage, chat_alert
from .outbox import email_render, notification_enqueue_template, notifications_enqueue_many
from .webhooks import webhooks_announce

SALT = "candor.subscriptions"
CONFIRM_MAX_AGE = dt.timedelta(days=7)
# Updates older than this when first seen are history, not news: never mailed.
ANNOUNCE_WINDOW = dt.timedelta(days=3)


class BadToken(Exception):
    """A confirmation or unsubscribe link that is wrong, altered or expired."""


def _token(subscription: Subscription, action: str) -> str:
    return signing.dumps({"s": subscription.pk, "a": action}, salt=SALT, compress=True)


def _subscription_from(token: str, action: str, max_age=None) -> Subscription:
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature as error:  # includes SignatureExpired
        raise BadToken from error
    if not isinstance(data, dict) or data.get("a") != action:
        raise BadToken
    subscription = Subscription.objects.filter(pk=data.get("s")).first()
    if subscription is None:
        raise BadToken
    return subscription


def unsubscribe_url(subscription: Subscription) -> str:
    """The unsubscribe page in the subscriber's language; it also takes the one-click POST."""
    return _url_in(
        subscription.language, "notifications:unsubscribe", _token(subscription, "unsubscribe")
    )


@transaction.atomic
def subscription_request(
    *, email: str, incident: Incident | None = None, language: str | None = None
) -> None:
    """
    Ask for updates. Whether or not the address is already subscribed, the
    person sees the same page and gets one email (a confirmation request, or a
    note that they are already subscribed), at most one an hour. Their emails
    are then written in `language` (by default the active one). Raises
    ValidationError for an address that is not plain (see accounts.emails).
    """
    email = customer_email_clean(email)
    language = language or translation.get_language()
    try:
        with transaction.atomic():
            subscription, _ = Subscription.objects.get_or_create(email=email, incident=incident)
    except IntegrityError:  # the same request twice at once
        subscription = Subscription.objects.get(email=email, incident=incident)
    if subscription.unsubscribed_at is not None:
        subscription.unsubscribed_at = None
        subscription.confirmed_at = None
        subscription.save(update_fields=["unsubscribed_at", "confirmed_at"])
    if subscription.language != language:
        subscription.language = language
        subscription.save(update_fields=["language"])
    template = "already_subscribed" if subscription.is_active else "confirm_subscription"
    context = {
        "subscription": subscription,
        "what": text_in(incident, "title", language) if incident else None,
        "confirm_url": _url_in(language, "notifications:confirm", _token(subscription, "confirm")),
        "unsubscribe_url": unsubscribe_url(subscription),
    }
    hour = timezone.now().strftime("%Y%m%d%H")
    _send(f"{template}:{subscription.pk}:{hour}", template, email, context, language)


def _url_in(language: str, name: str, *args) -> str:
    with translation.override(language):
        return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def subscription_confirm(*, token: str) -> Subscription:
    """Confirm from the emailed link. Idempotent; raises BadToken for a bad or old link."""
    subscription = _subscription_from(token, "confirm", max_age=CONFIRM_MAX_AGE)
    if subscription.confirmed_at is None or subscription.unsubscribed_at is not None:
        subscription.confirmed_at = timezone.now()
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscription


def subscription_preview(*, token: str, action: str) -> Subscription:
    max_age = CONFIRM_MAX_AGE if action == "confirm" else None
    return _subscription_from(token, action, max_age=max_age)


def unsubscribe(*, token: str) -> Subscription:
    """One click, no sign-in. Idempotent; raises BadToken for a bad link."""
    subscription = _subscription_from(token, "unsubscribe")
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["unsubscribed_at"])
    return subscription


def updates_announce_due(*, now: dt.datetime | None = None) -> int:
    """Put every newly public update in the outbox for its confirmed subscribers."""
    now = now or timezone.now()
    due = (
        Update.objects.published(now)
        .filter(publish_at__gte=now - ANNOUNCE_WINDOW)
        .exclude(pk__in=UpdateAnnouncement.objects.values("update_id"))
        .select_related("incident")
        .order_by("publish_at")
    )
    return sum(_announce(update) for update in due)


def _announce(update: Update) -> int:
    with transaction.atomic():
        announcement, created = UpdateAnnouncement.objects.get_or_create(update=update)
        if not created:
            return 0
        subscribers = Subscription.objects.filter(
            Q(incident=update.incident) | Q(incident__isnull=True),
            confirmed_at__isnull=False,
            unsubscribed_at__isnull=True,
        ).order_by("incident_id")  # an incident's own subscription first
        seen, rows = set(), []
        for subscription in subscribers:
            if subscription.email in seen:
                continue  # subscribed to this incident and to all: one email
            seen.add(subscription.email)
            rows.append(_update_email(update, subscription))
        announcement.recipients = notifications_enqueue_many(rows)
        announcement.save(update_fields=["recipients"])
        # The same moment, the same once-only mark: subscribed endpoints and the staff chat.
        webhooks_announce(update)
        _chat(update)
        return announcement.recipients


def _update_email(update: Update, subscription: Subscription) -> Notification:
    """One subscriber's email, in their language (the original where not translated)."""
    language = subscription.language
    body = text_in(update, "body", language)
    unsubscribe = unsubscribe_url(subscription)
    context = {
        "update": update,
        "incident": update.incident,
        "title": text_in(update.incident, "title", language),
        "body": body,
        "body_html": render_markdown(body),
        "incident_url": _url_in(language, "incidents:incident-detail", update.incident.slug),
        "unsubscribe_url": unsubscribe,
    }
    subject, body_text, body_html = email_render(
        "notifications/email/update", context, html=True, language=language
    )
    return Notification(
        dedupe_key=f"update:{update.pk}:{subscription.email}",
        kind="update",
        to_email=subscription.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        # The unsubscribe link acts for the subscriber: nobody else's to read or use.
        secret=True,
    )


def _send(key: str, template: str, email: str, context: dict, language: str) -> None:
    notification_enqueue_template(
        template=f"notifications/email/{template}",
        context=context,
        language=language,
        dedupe_key=key,
        kind=template,
        to_email=email,
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
        # Its confirm and unsubscribe links act for the subscriber.
        secret=True,
    )


def _chat(update: Update) -> None:
    def message() -> ChatMessage:
        incident = update.incident
        return ChatMessage(
            title=_("Published: update on %(title)s") % {"title": incident.title},
            lines=(f"{update.get_status_display()}: {_first_line(update.body)}",),
            link=settings.SITE_URL.rstrip("/") + incident.get_absolute_url(),
            link_text=_("Read it on the site"),
        )

    chat_alert(
        topic="published_updates", key=f"update:{update.pk}", kind="update-chat", build=message
    )


def _first_line(text: str, limit: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
