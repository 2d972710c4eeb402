"""The comms team's admin pages for chat endpoints and webhook subscriptions."""

from django.urls import reverse

from notifications.models import ChatEndpoint, Notification, WebhookSubscription
from notifications.services.deliveries import webhook_secret_new


def failed_delivery(**endpoint):
    return Notification.objects.create(
        dedupe_key=f"t:{endpoint}", kind="webhook-update", channel="webhook" if "webhook" in
        endpoint else "chat", subject="Update on the breach", status="failed", attempts=8,
        last_error="HTTP 503", **endpoint,
    )  # fmt: skip


def test_a_chat_endpoint_shows_its_failures_and_the_list_filters_disabled_ones(role_client):
    client = role_client("Comms team")
    broken = ChatEndpoint.objects.create(
        name="#old-room", flavour="teams", url="https://example.org/w", failures=8
    )
    ChatEndpoint.objects.filter(pk=broken.pk).update(disabled_at="2026-12-01T10:00Z")
    ChatEndpoint.objects.create(name="#breach-room", flavour="slack", url="https://e.org/s")
    failed_delivery(chat_endpoint=broken)

    listed = client.get(reverse("admin:notifications_chatendpoint_changelist") + "?state=disabled")
    page = client.get(reverse("admin:notifications_chatendpoint_change", args=[broken.pk]))

    assert "#old-room" in listed.text and "#breach-room" not in listed.text
    assert "Disabled after failures" in page.text
    assert "HTTP 503" in page.text and "Update on the breach" in page.text


def test_a_webhook_subscription_page_never_shows_its_secret(role_client, incident):
    client = role_client("Comms team")
    secret = webhook_secret_new()
    hook = WebhookSubscription.objects.create(
        url="https://hooks.example.org/status", email="ops@example.org", secret=secret,
        incident=incident,
    )  # fmt: skip
    failed_delivery(webhook=hook)

    page = client.get(reverse("admin:notifications_webhooksubscription_change", args=[hook.pk]))
    listed = client.get(reverse("admin:notifications_webhooksubscription_changelist"))

    assert page.status_code == 200 and "HTTP 503" in page.text
    assert "hooks.example.org" in listed.text
    assert secret not in page.text and secret not in listed.text
