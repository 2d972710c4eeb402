"""
Webhook subscriptions: anyone may have an incident's updates POSTed to an HTTPS
endpoint, as Atlassian Statuspage's incident webhook (so existing receivers work),
signed per Standard Webhooks.

Confirmation is by email, as Statuspage and others do: the subscriber gives the
endpoint and an address; nothing is POSTed until the emailed link is followed. An
echo-the-challenge handshake would prove control of the endpoint, but no existing
Statuspage receiver answers one, and the address is needed anyway, to tell the owner
when the endpoint is disabled. The confirmation page shows the signing secret once.
Asking again for an endpoint that is already confirmed emails its owner, not the
asker, so nobody can take over someone else's subscription or learn its secret.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import safe_http
from incidents.api import incident_webhook_body
from incidents.localized import text_in
from incidents.models import Incident, Update

from ..conf import app_settings
from ..models import WebhookSubscription
from .deliveries import delivery_enqueue, webhook_secret_new
from .outbox import notification_enqueue_template

SALT = "candor.webhooks"
CONFIRM_MAX_AGE = dt.timedelta(days=7)


class BadToken(Exception):
    """A confirmation or unsubscribe link that is wrong, altered, expired or replaced."""


def webhook_url_check(url: str) -> str:
    """The URL if deliveries may go there (HTTPS, public addresses only); else ValidationError."""
    try:
        safe_http.destination_check(url, allow_loopback=app_settings.WEBHOOK_ALLOW_LOOPBACK)
    except safe_http.UnsafeDestination as error:
        raise ValidationError(
            _("We cannot deliver to this address: %(reason)s.") % {"reason": error},
            code="unsafe",
        ) from error
    return url


def _fingerprint(subscription: WebhookSubscription) -> str:
    # Links name the secret they were made with: subscribing again (a new secret)
    # makes the links of the earlier request worthless.
    return hashlib.sha256(subscription.secret.encode()).hexdigest()[:12]


def _token(subscription: WebhookSubscription, action: str) -> str:
    data = {"s": subscription.pk, "a": action, "v": _fingerprint(subscription)}
    return signing.dumps(data, salt=SALT, compress=True)


def _from_token(token: str, action: str) -> WebhookSubscription:
    max_age = CONFIRM_MAX_AGE if action == "confirm" else None
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature as error:
        raise BadToken from error
    if not isinstance(data, dict) or data.get("a") != action:
        raise BadToken
    subscription = WebhookSubscription.objects.filter(pk=data.get("s")).first()
    if subscription is None or data.get("v") != _fingerprint(subscription):
        raise BadToken
    return subscription


def _url_in(language: str, name: str, *args) -> str:
    with translation.override(language):
        return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def webhook_unsubscribe_url(subscription: WebhookSubscription) -> str:
    return _url_in(
        subscription.language,
        "notifications:webhook-unsubscribe",
        _token(subscription, "unsubscribe"),
    )


@transaction.atomic
def webhook_subscription_request(
    *, url: str, email: str, incident: Incident | None = None, language: str | None = None
) -> None:
    """
    Ask for an endpoint to get updates. The asker always sees the same page; one email
    goes out, at most one an hour: a confirmation request to the asker, or, when the
    endpoint is already confirmed, a note to its owner. Raises ValidationError for an
    address deliveries may not reach.
    """
    webhook_url_check(url)
    language = language or translation.get_language()
    try:
        with transaction.atomic():
            subscription, _created = WebhookSubscription.objects.get_or_create(
                url=url,
                incident=incident,
                defaults={"email": email, "language": language, "secret": webhook_secret_new()},
            )
    except IntegrityError:  # the same request twice at once
        subscription = WebhookSubscription.objects.get(url=url, incident=incident)
    hour = timezone.now().strftime("%Y%m%d%H")
    if subscription.is_delivering:
        _email(subscription, "webhook_already", key=f"webhook-already:{subscription.pk}:{hour}")
        return
    # Not delivering (never confirmed, unsubscribed or disabled): the asker takes it
    # over with a new secret, and must confirm again.
    subscription.email, subscription.language = email, language
    subscription.secret = webhook_secret_new()
    subscription.confirmed_at = subscription.unsubscribed_at = subscription.disabled_at = None
    subscription.secret_shown_at = None
    subscription.failures = 0
    subscription.full_clean()
    subscription.save()
    _email(
        subscription,
        "webhook_confirm",
        key=f"webhook-confirm:{subscription.pk}:{email}:{hour}",
        confirm_url=_url_in(
            language, "notifications:webhook-confirm", _token(subscription, "confirm")
        ),
    )


def _email(subscription: WebhookSubscription, template: str, *, key: str, **context) -> None:
    language = subscription.language
    notification_enqueue_template(
        template=f"notifications/email/{template}",
        context={
            "subscription": subscription,
            "what": text_in(subscription.incident, "title", language)
            if subscription.incident
            else None,
            "unsubscribe_url": webhook_unsubscribe_url(subscription),
            **context,
        },
        language=language,
        dedupe_key=key,
        kind=template.replace("_", "-"),
        to_email=subscription.email,
        secret=True,  # its links act for the subscriber
    )


def webhook_preview(*, token: str, action: str) -> WebhookSubscription:
    return _from_token(token, action)


@transaction.atomic
def webhook_confirm(*, token: str) -> tuple[WebhookSubscription, str | None]:
    """
    Confirm from the emailed link; returns the subscription and, the first time only,
    its signing secret to show. Idempotent; raises BadToken for a bad, old or replaced link.
    """
    subscription = _from_token(token, "confirm")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.confirmed_at is not None or subscription.secret_shown_at is not None:
        return subscription, None
    subscription.confirmed_at = subscription.secret_shown_at = timezone.now()
    subscription.save(update_fields=["confirmed_at", "secret_shown_at"])
    return subscription, subscription.secret


def webhook_unsubscribe(*, token: str) -> WebhookSubscription:
    """No sign-in. Idempotent; raises BadToken for a bad link. Nothing more is POSTed."""
    subscription = _from_token(token, "unsubscribe")
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["unsubscribed_at"])
    return subscription


def webhooks_announce(update: Update) -> int:
    """Queue the update's webhook to each confirmed endpoint, once per endpoint."""
    subscriptions = list(
        WebhookSubscription.objects.filter(
            Q(incident=update.incident_id) | Q(incident__isnull=True),
            confirmed_at__isnull=False,
            unsubscribed_at__isnull=True,
            disabled_at__isnull=True,
        )
    )
    if not subscriptions:
        return 0
    body = incident_webhook_body(update.incident_id)
    generated_at = timezone.now().astimezone(dt.UTC).isoformat(timespec="milliseconds")
    generated_at = generated_at.replace("+00:00", "Z")
    for subscription in subscriptions:
        payload = {
            "meta": {
                "unsubscribe": webhook_unsubscribe_url(subscription),
                "documentation": settings.SITE_URL.rstrip("/")
                + reverse("notifications:webhook-subscribe"),
                "generated_at": generated_at,
            },
            **body,
        }
        delivery_enqueue(
            dedupe_key=f"webhook:update:{update.pk}:{subscription.pk}",
            kind="webhook-update",
            payload=payload,
            summary=update.incident.title,
            webhook=subscription,
        )
    return len(subscriptions)
