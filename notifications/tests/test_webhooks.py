"""
Webhook and chat deliveries end to end: a person subscribes an endpoint on the public
page and confirms by email, an update is published, a real Celery worker (CI: on Redis)
POSTs it to a real HTTP receiver, which checks every signature with the
`standardwebhooks` package. An outage is retried until the event arrives once; an
endpoint that keeps failing is disabled and its owner told.
"""

import re
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications import tasks
from notifications.models import ChatEndpoint, Notification, WebhookSubscription
from notifications.services.subscriptions import updates_announce_due
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def loopback(settings):
    """Deliveries may reach the receiver on 127.0.0.1 (production refuses loopback)."""
    settings.CANDOR_WEBHOOK_ALLOW_LOOPBACK = True
    settings.CANDOR_WEBHOOK_TIMEOUT_SECONDS = 0.5


def subscribe(client, receiver, path, incident) -> str:
    """Subscribes the receiver's `path` as a person would; returns the secret shown."""
    response = client.post(
        reverse("notifications:webhook-subscribe"),
        {"url": receiver.url(path), "email": "ops@example.org", "incident": incident.slug},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert wait_for(lambda: any(path in m.body for m in mail.outbox))
    email = next(m for m in mail.outbox if path in m.body)
    confirm = urlsplit(re.search(r"http\S+/webhook/confirm/\S+/", email.body)[0]).path
    assert "whsec_" not in email.body  # the secret never travels by email
    page = client.post(confirm).text
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", page)[0]
    receiver.secrets[path] = secret
    assert "whsec_" not in client.post(confirm).text  # shown once
    return secret


def retry_now(row: Notification) -> None:
    """The backoff is over, and beat's sweep runs."""
    Notification.objects.filter(pk=row.pk, status="pending").update(next_attempt_at=timezone.now())
    tasks.notifications_sweep.delay()


def test_a_published_update_reaches_the_endpoint_once_signed_as_statuspage_sends_it(
    client, celery_worker, loopback, webhook_receiver, incident, make_update
):
    subscribe(client, webhook_receiver, "/status", incident)
    for flavour in ("slack", "teams"):
        ChatEndpoint.objects.create(
            name=flavour, flavour=flavour, url=webhook_receiver.url(f"/{flavour}")
        )

    update = make_update(body="We have contained the attack.\nMore soon.")
    updates_announce_due()
    assert wait_for(lambda: len(webhook_receiver.accepted("/status")) == 1)
    assert wait_for(
        lambda: webhook_receiver.accepted("/slack") and webhook_receiver.accepted("/teams")
    )
    updates_announce_due()  # the next beat run
    tasks.notifications_sweep.delay()

    [received] = webhook_receiver.to("/status")
    assert received.verified
    payload = received.json
    assert payload["incident"]["id"] == incident.slug
    assert payload["incident"]["incident_updates"][0]["id"] == str(update.pk)
    assert payload["incident"]["incident_updates"][0]["body"].startswith("We have contained")
    assert {"unsubscribe", "documentation"} <= payload["meta"].keys()
    assert {"id", "status_indicator", "status_description"} <= payload["page"].keys()
    assert "We have contained the attack." in webhook_receiver.to("/slack")[0].json["text"]
    card = webhook_receiver.to("/teams")[0].json["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert len(webhook_receiver.to("/slack")) == len(webhook_receiver.to("/teams")) == 1


def test_after_an_outage_the_event_arrives_exactly_once(
    client, celery_worker, loopback, webhook_receiver, incident, make_update
):
    subscribe(client, webhook_receiver, "/flaky", incident)
    webhook_receiver.scripts["/flaky"] = [503, "slow"]  # down, then too slow, then fine

    make_update()
    updates_announce_due()
    row = Notification.objects.get(webhook__url=webhook_receiver.url("/flaky"))
    for attempts in (1, 2):
        assert wait_for(lambda n=attempts: Notification.objects.get(pk=row.pk).attempts == n)
        retry_now(row)
    assert wait_for(lambda: Notification.objects.get(pk=row.pk).status == "sent")
    assert wait_for(lambda: len(webhook_receiver.to("/flaky")) == 3)

    tries = webhook_receiver.to("/flaky")
    assert sorted(t.status for t in tries) == [204, 503, 503]  # the slow one is logged last
    assert len({t.headers["webhook-id"] for t in tries}) == 1  # the same event each time
    assert all(t.verified for t in tries)
    assert len(webhook_receiver.accepted("/flaky")) == 1


def test_an_endpoint_that_keeps_failing_is_disabled_and_its_owner_told(
    client, celery_worker, loopback, webhook_receiver, incident, make_update, settings
):
    settings.CANDOR_WEBHOOK_DISABLE_AFTER = 2
    subscribe(client, webhook_receiver, "/broken", incident)
    webhook_receiver.scripts["/broken"] = [500, 500, 500]

    make_update()
    updates_announce_due()
    row = Notification.objects.get(webhook__url=webhook_receiver.url("/broken"))
    assert wait_for(lambda: Notification.objects.get(pk=row.pk).attempts == 1)
    retry_now(row)
    subscription = WebhookSubscription.objects.get(url=webhook_receiver.url("/broken"))
    assert wait_for(lambda: WebhookSubscription.objects.get(pk=subscription.pk).disabled_at)

    notice = Notification.objects.get(kind="endpoint-disabled")
    assert notice.to_email == "ops@example.org"
    make_update(body="A later update.")
    updates_announce_due()
    assert len(webhook_receiver.to("/broken")) == 2
