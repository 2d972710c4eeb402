"""
The attacker's paths into webhook deliveries: addresses that resolve to our own network
(checked after DNS, at subscription and again at delivery), redirects, plain HTTP in
production, taking over someone's subscription, and a flood of subscriptions.

No test here connects anywhere but the receiver on 127.0.0.1: names resolve through a
stand-in resolver, and every connection the code attempts is recorded.
"""

import socket
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from core import safe_http
from notifications.models import Notification, WebhookSubscription
from notifications.services import deliveries, webhooks
from tests.helpers import free_port

pytestmark = pytest.mark.django_db

REAL_GETADDRINFO = socket.getaddrinfo
REAL_CONNECT = socket.create_connection


class Names(dict):
    """Name -> addresses, and `connections`: the addresses connected to."""

    connections: list


@pytest.fixture
def dns(monkeypatch):
    """Names under .test resolve as the test says; connections attempted are recorded."""
    names, connections = Names(), []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            family = {4: socket.AF_INET, 6: socket.AF_INET6}
            return [
                (family[6 if ":" in a else 4], socket.SOCK_STREAM, 6, "", (a, port))
                for a in names[host]
            ]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        connections.append(address[0])
        return REAL_CONNECT(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    names.connections = connections
    return names


INTERNAL = ["127.0.0.1", "169.254.169.254", "10.1.2.3", "192.168.1.1", "::1",
            "::ffff:127.0.0.1", "fe80::1", "100.64.0.1", "0.0.0.0"]  # noqa: S104  # fmt: skip


@pytest.mark.parametrize("address", INTERNAL)
def test_a_name_resolving_to_our_network_is_refused_before_any_connection(dns, address):
    dns["hooks.attacker.test"] = [address]

    with pytest.raises(safe_http.UnsafeDestination):
        safe_http.post("https://hooks.attacker.test/x", body=b"{}", headers={}, timeout=1)
    assert dns.connections == []


def test_one_private_address_among_public_ones_is_enough_to_refuse(dns):
    dns["mixed.attacker.test"] = ["93.184.216.34", "10.0.0.7"]

    with pytest.raises(safe_http.UnsafeDestination, match=r"10\.0\.0\.7"):
        safe_http.destination_check("https://mixed.attacker.test/")


def test_plain_http_is_refused_in_production(dns):
    dns["plain.example.test"] = ["93.184.216.34"]

    with pytest.raises(safe_http.UnsafeDestination, match="https"):
        safe_http.destination_check("http://plain.example.test/hook")


def test_the_test_setting_opens_loopback_only(dns):
    dns["internal.attacker.test"] = ["10.1.2.3"]

    assert safe_http.destination_check("http://127.0.0.1:9/", allow_loopback=True)[2] == (
        "127.0.0.1"
    )
    with pytest.raises(safe_http.UnsafeDestination):
        safe_http.destination_check("http://internal.attacker.test/", allow_loopback=True)


def test_the_subscription_form_refuses_an_internal_address(client, dns):
    dns["metadata.attacker.test"] = ["169.254.169.254"]

    response = client.post(
        reverse("notifications:webhook-subscribe"),
        {"url": "https://metadata.attacker.test/", "email": "mallory@example.org"},
    )

    assert response.status_code == HTTPStatus.OK
    assert "We cannot deliver to this address" in response.text
    assert not WebhookSubscription.objects.exists()


def confirmed(url, **fields):
    return WebhookSubscription.objects.create(
        url=url,
        email="ops@example.org",
        secret=deliveries.webhook_secret_new(),
        confirmed_at=timezone.now(),
        **fields,
    )


def deliver(subscription):
    row = deliveries.delivery_enqueue(
        dedupe_key=f"test:{subscription.pk}", kind="webhook-update", payload={"x": 1},
        summary="test", webhook=subscription,
    )  # fmt: skip
    deliveries.deliveries_send_due()
    row.refresh_from_db()
    return row


def test_a_name_that_turns_internal_after_subscribing_is_refused_at_delivery(dns):
    # DNS rebinding: public when checked at subscription, loopback when delivering.
    dns["rebind.attacker.test"] = ["93.184.216.34"]
    webhooks.webhook_url_check("https://rebind.attacker.test/hook")
    subscription = confirmed("https://rebind.attacker.test/hook")
    dns["rebind.attacker.test"] = ["127.0.0.1"]

    row = deliver(subscription)

    assert row.status == Notification.Status.PENDING  # retried later, re-checked then
    assert "private address" in row.last_error
    assert dns.connections == []


def test_a_redirect_to_the_metadata_address_is_not_followed(settings, dns, webhook_receiver):
    settings.CANDOR_WEBHOOK_ALLOW_LOOPBACK = True
    webhook_receiver.scripts["/bounce"] = [(302, "http://169.254.169.254/latest/meta-data/")]
    subscription = confirmed(webhook_receiver.url("/bounce"))

    row = deliver(subscription)

    assert "redirects are not followed" in row.last_error
    assert dns.connections == ["127.0.0.1"]  # the receiver, and nothing after it
    assert len(webhook_receiver.to("/bounce")) == 1


def test_asking_again_for_a_confirmed_endpoint_tells_its_owner_not_the_asker(dns, mailoutbox):
    dns["hooks.example.test"] = ["93.184.216.34"]
    subscription = confirmed("https://hooks.example.test/status")
    secret = subscription.secret

    webhooks.webhook_subscription_request(
        url="https://hooks.example.test/status", email="mallory@example.org"
    )

    subscription.refresh_from_db()
    assert (subscription.email, subscription.secret) == ("ops@example.org", secret)
    queued = Notification.objects.get(kind="webhook-already")
    assert queued.to_email == "ops@example.org"
    assert not Notification.objects.filter(to_email="mallory@example.org").exists()


def test_a_flood_of_subscriptions_from_one_client_is_cut_off(client, dns):
    for n in range(5):
        dns[f"h{n}.example.test"] = ["93.184.216.34"]
    answers = [
        client.post(
            reverse("notifications:webhook-subscribe"),
            {"url": f"https://h{n}.example.test/", "email": f"ops{n}@example.org"},
        ).status_code
        for n in range(5)
    ]

    assert answers[:3] == [HTTPStatus.FOUND] * 3
    assert answers[3:] == [HTTPStatus.TOO_MANY_REQUESTS] * 2
    assert WebhookSubscription.objects.count() == 3


def test_an_unsubscribed_endpoint_gets_nothing_more(client, dns):
    dns["hooks.example.test"] = ["93.184.216.34"]
    subscription = confirmed("https://hooks.example.test/status")
    unsubscribe = webhooks.webhook_unsubscribe_url(subscription)

    response = client.post(urlsplit(unsubscribe).path)

    assert response.status_code == HTTPStatus.OK
    subscription.refresh_from_db()
    assert not subscription.is_delivering
    assert deliver(subscription).status == Notification.Status.FAILED
    assert dns.connections == []


def test_an_endpoint_that_is_down_is_retried_later(settings):
    settings.CANDOR_WEBHOOK_ALLOW_LOOPBACK = True
    subscription = confirmed(f"http://127.0.0.1:{free_port()}/down")  # nothing listens

    row = deliver(subscription)

    assert row.status == Notification.Status.PENDING
    assert "unreachable" in row.last_error and row.next_attempt_at > timezone.now()
    subscription.refresh_from_db()
    assert subscription.failures == 1
