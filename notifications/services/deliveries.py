"""
Chat and webhook deliveries: HTTP POSTs that go through the outbox like email.

Each is a Notification row (channel "chat" or "webhook") holding the exact JSON body,
written once per event and endpoint (its dedupe key), then POSTed by a worker.
Guarantees, as for email: enqueueing is idempotent; a row is sent by one worker at
a time; a failure (no answer within the timeout, a non-2xx answer, a redirect) is
retried with the outbox's exponential backoff; a row whose worker died is returned
by the sweep. A webhook keeps the same `webhook-id` on every attempt (Standard
Webhooks), so a receiver that saw it already can drop the repeat. An endpoint that
fails `WEBHOOK_DISABLE_AFTER` times in a row is disabled, what waits for it is given
up, and its owner is told by email. Addresses are checked by core.safe_http.
"""

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core import safe_http
from core.tasks import enqueue_on_commit

from ..conf import app_settings
from ..models import Channel, ChatEndpoint, Notification, WebhookSubscription
from .outbox import _mark, _mark_sent, _retry_later, notification_enqueue_template

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.tasks.deliveries_send"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
USER_AGENT = "Candor-Webhooks/1"


def webhook_secret_new() -> str:
    """A Standard Webhooks secret: "whsec_" and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_id(notification: Notification) -> str:
    """The same id on every attempt of one delivery (from its dedupe key)."""
    return "msg_" + hashlib.sha256(notification.dedupe_key.encode()).hexdigest()[:32]


def webhook_signature(*, secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """v1,base64(HMAC-SHA256(key, "id.timestamp.body")), the key being the secret's bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def delivery_enqueue(
    *,
    dedupe_key: str,
    kind: str,
    payload: dict,
    summary: str,
    chat_endpoint: ChatEndpoint | None = None,
    webhook: WebhookSubscription | None = None,
    group: str = "",
) -> Notification:
    """
    Put one POST in the outbox and have it sent once this transaction commits.
    Idempotent: a second call with the same dedupe key adds nothing.
    """
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "kind": kind,
            "channel": Channel.CHAT if chat_endpoint else Channel.WEBHOOK,
            "chat_endpoint": chat_endpoint,
            "webhook": webhook,
            "group": group,
            "subject": summary[:300],
            "body_text": json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
            # A webhook's body names its unsubscribe link, which acts for the subscriber:
            # hidden in admin, erased once delivered or given up (as secret emails are).
            "secret": webhook is not None,
        },
    )
    if created:
        enqueue_on_commit(DELIVER_TASK)
    return notification


def deliveries_send_due(*, limit: int = 20) -> int:
    """
    POST a batch of due chat and webhook rows, one after another (each within the
    timeout). Returns how many rows it took, accepted or not: a full batch means more
    may be due.
    """
    from .outbox import notifications_claim

    batch = notifications_claim(limit=limit, channels=(Channel.CHAT, Channel.WEBHOOK))
    accepted = []
    try:
        for notification in batch:
            endpoint = _endpoint(notification)
            if endpoint is None or not endpoint.is_delivering:
                _mark(notification, Notification.Status.FAILED, error="endpoint not active")
                continue
            error = _post(notification, endpoint)
            if error is None:
                accepted.append(notification)
                type(endpoint).objects.filter(pk=endpoint.pk).update(failures=0)
            else:
                _failed(notification, endpoint, error)
    finally:
        _mark_sent(accepted)
    return len(batch)


def _endpoint(notification: Notification) -> ChatEndpoint | WebhookSubscription | None:
    if notification.chat_endpoint_id:
        return ChatEndpoint.objects.filter(pk=notification.chat_endpoint_id).first()
    return WebhookSubscription.objects.filter(pk=notification.webhook_id).first()


def _post(notification: Notification, endpoint) -> str | None:
    """None when the endpoint took it (2xx); else why not, for the row and its admin."""
    body = notification.body_text
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if isinstance(endpoint, WebhookSubscription):
        msg_id, timestamp = webhook_id(notification), int(time.time())
        headers |= {
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": webhook_signature(
                secret=endpoint.secret, msg_id=msg_id, timestamp=timestamp, body=body
            ),
        }
    try:
        answer = safe_http.post(
            endpoint.url,
            body=body.encode(),
            headers=headers,
            timeout=app_settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_loopback=app_settings.WEBHOOK_ALLOW_LOOPBACK,
        )
    except safe_http.UnsafeDestination as error:
        return f"refused: {error}"
    except OSError as error:  # refused, timed out, TLS, a broken answer
        return f"unreachable: {error.__class__.__name__}: {error}"[:500]
    if 200 <= answer.status < 300:
        return None
    if 300 <= answer.status < 400:
        return f"HTTP {answer.status}: redirects are not followed; give the final address"
    return f"HTTP {answer.status}"


def _failed(notification: Notification, endpoint, error: str) -> None:
    model = type(endpoint)
    model.objects.filter(pk=endpoint.pk).update(failures=F("failures") + 1)
    endpoint.refresh_from_db(fields=["failures"])
    if endpoint.failures >= app_settings.WEBHOOK_DISABLE_AFTER:
        _mark(notification, Notification.Status.FAILED, error=error)
        endpoint_disable(endpoint=endpoint, reason=error)
    else:
        _retry_later(notification, error)


@transaction.atomic
def endpoint_disable(*, endpoint: ChatEndpoint | WebhookSubscription, reason: str) -> None:
    """
    Stop delivering to an endpoint that keeps failing: what waits for it is given up,
    and its owner is told (a webhook's subscriber; for a chat endpoint the comms team).
    Idempotent: a second call tells nobody again.
    """
    model, now = type(endpoint), timezone.now()
    if not model.objects.filter(pk=endpoint.pk, disabled_at__isnull=True).update(disabled_at=now):
        return
    field = "chat_endpoint" if model is ChatEndpoint else "webhook"
    Notification.objects.filter(**{field: endpoint}, status=Notification.Status.PENDING).update(
        status=Notification.Status.FAILED, last_error="endpoint disabled"
    )
    logger.warning("%s %s disabled after repeated failures", model.__name__, endpoint.pk)
    if model is WebhookSubscription:
        owners = [(endpoint.email, endpoint.language)]
        link = settings.SITE_URL.rstrip("/") + reverse("notifications:webhook-subscribe")
    else:
        from .reminders import comms_team_recipients

        owners = comms_team_recipients()
        link = settings.SITE_URL.rstrip("/") + reverse(
            "admin:notifications_chatendpoint_change", args=[endpoint.pk]
        )
    context = {"endpoint": endpoint, "reason": reason, "link": link, "chat": model is ChatEndpoint}
    for email, language in owners:
        notification_enqueue_template(
            template="notifications/email/endpoint_disabled",
            context=context,
            language=language,
            dedupe_key=f"endpoint-disabled:{field}:{endpoint.pk}:{now.isoformat()}:{email}",
            kind="endpoint-disabled",
            to_email=email,
        )


def endpoint_enable(*, endpoint: ChatEndpoint | WebhookSubscription) -> None:
    """Deliver again (staff, after the owner fixed it): its failure count starts over."""
    type(endpoint).objects.filter(pk=endpoint.pk).update(disabled_at=None, failures=0)
