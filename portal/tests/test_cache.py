"""The Redis cache while Redis is down: each process's memory stands in (portal/cache.py)."""

from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.urls import reverse

from notifications.models import Notification, Subscription
from portal.cache import RedisCache
from support.models import Ticket


def test_each_process_keeps_the_cache_in_its_own_memory_while_redis_is_down(redis_down):
    down = RedisCache(redis_down, {"OPTIONS": {"socket_connect_timeout": 0.5}})

    down.set("key", "value")
    assert down.get("key", "default") == "value"
    assert down.add("key", "other") is False  # a lock taken is still held
    assert down.get_or_set("counter", 1) == 1
    assert down.incr("counter") == 2
    assert down.get_many(["key", "missing"]) == {"key": "value"}
    assert down.delete("key") is True
    assert down.get("key") is None
    other_process = RedisCache(redis_down, {"OPTIONS": {"socket_connect_timeout": 0.5}})
    assert other_process.get("counter") is None


@pytest.mark.django_db
def test_subscriptions_are_still_rate_limited_when_redis_is_down(client, redis_down):
    statuses = [
        client.post(reverse("notifications:subscribe"), {"email": f"r{i}@example.org"}).status_code
        for i in range(6)
    ]

    # 5 a minute per address (ACCOUNT_RATE_LIMITS), counted in this process's memory.
    assert statuses == [HTTPStatus.FOUND] * 5 + [HTTPStatus.TOO_MANY_REQUESTS]


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
