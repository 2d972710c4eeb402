"""The Redis cache while Redis is down: nothing in it, nothing raised (portal/cache.py)."""

import socket
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from incidents.caching import forget_local_version
from notifications.models import Notification, Subscription
from portal.cache import RedisCache
from support.models import Ticket


def _unused_port() -> int:
    # A port nothing listens on: connecting is refused at once, as when Redis is stopped.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down():
    location = f"redis://127.0.0.1:{_unused_port()}/0"
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    down = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": location,
            "OPTIONS": options,
        },
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    forget_local_version()
    with override_settings(CACHES=down):
        yield location
    forget_local_version()


def test_reads_miss_and_writes_are_dropped_when_redis_is_down(redis_down):
    down = RedisCache(redis_down, {"OPTIONS": {"socket_connect_timeout": 0.5}})

    down.set("key", "value")
    assert down.get("key", "default") == "default"
    assert down.get_or_set("counter", 1) == 1
    assert down.add("key", "value") is True  # as on an empty cache: locks do not block
    assert down.get_many(["key"]) == {}
    assert down.delete("key") is False
    with pytest.raises(ValueError, match="not found"):
        down.incr("counter")


@pytest.mark.django_db
def test_public_pages_are_served_when_redis_is_down(client, redis_down):
    assert cache.get("anything") is None  # the settings in force are the unreachable Redis

    response = client.get(reverse("home"))

    assert response.status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_a_question_is_taken_and_its_email_queued_when_redis_is_down(client, redis_down):
    response = client.post(
        reverse("support:ticket-new"),
        {
            "email": "asker@example.org",
            "subject": "Was my card involved?",
            "category": "affected",
            "body": "Asked while the cache was down.",
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    assert Ticket.objects.filter(requester_email="asker@example.org").exists()
    assert Notification.objects.filter(to_email="asker@example.org").exists()


@pytest.mark.django_db
def test_a_subscription_is_taken_and_its_email_queued_when_redis_is_down(client, redis_down):
    response = client.post(reverse("notifications:subscribe"), {"email": "reader@example.org"})

    assert response.status_code == HTTPStatus.FOUND
    assert Subscription.objects.filter(email="reader@example.org").exists()
    assert Notification.objects.filter(to_email="reader@example.org").exists()
