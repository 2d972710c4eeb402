"""The Redis cache while Redis is down: each process's memory stands in (core/redis_cache.py)."""

import contextlib
import shutil
import subprocess
import time
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core import redis_cache
from core.public_pages import forget_local_version
from core.redis_cache import RedisCacheWithStandIn
from notifications.models import Notification, Subscription
from support.models import Ticket
from tests.helpers import free_port, redis_caches, wait_for


def test_each_process_keeps_the_cache_in_its_own_memory_while_redis_is_down(redis_down):
    down = RedisCacheWithStandIn(redis_down, {"OPTIONS": {"socket_connect_timeout": 0.5}})

    down.set("key", "value")
    assert down.get("key", "default") == "value"
    assert down.add("key", "other") is False  # a lock taken is still held
    assert down.get_or_set("counter", 1) == 1
    assert down.incr("counter") == 2
    assert down.get_many(["key", "missing"]) == {"key": "value"}
    assert down.delete("key") is True
    assert down.get("key") is None
    other_process = RedisCacheWithStandIn(redis_down, {"OPTIONS": {"socket_connect_timeout": 0.5}})
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


# --- Publishing while the shared cache is away -----------------------------------------

NEWS = "The stolen card numbers were masked."


def publish_news(incident, on_commit=None):
    """Publish an update; with `on_commit` (pytest-django's django_capture_on_commit_callbacks),
    as this process's admin would, else as another process would (this one hears nothing)."""
    from incidents import services
    from incidents.models import Status

    with on_commit(execute=True) if on_commit else contextlib.nullcontext():
        services.update_create(
            incident=incident, status=Status.IDENTIFIED, body=NEWS, publish_at=timezone.now()
        )


@pytest.mark.django_db
def test_a_publish_by_another_process_during_a_redis_outage_shows_within_seconds(
    client, incident, redis_down, settings
):
    settings.CANDOR_PUBLIC_OUTAGE_SECONDS = 1
    page = incident.get_absolute_url()
    assert NEWS not in client.get(page).content.decode()

    publish_news(incident)
    time.sleep(1.1)  # what this process rendered during the outage, it keeps a second

    assert NEWS in client.get(page).content.decode()


class OwnRedis:
    """A redis-server of this test's own, which can stop answering for a while."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(  # stopped by the fixture, whatever happens
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        assert wait_for(lambda: self.cli("PING") == "PONG", seconds=10), "redis did not start"

    def cli(self, *command) -> str:
        done = subprocess.run(
            [shutil.which("redis-cli"), "-p", str(self.port), *command],
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def pause(self, seconds: float) -> None:
        """Hold every client's commands, as a network partition would; the data stays."""
        self.cli("CLIENT", "PAUSE", str(int(seconds * 1000)), "ALL")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def own_redis():
    if not (shutil.which("redis-server") and shutil.which("redis-cli")):
        pytest.skip("needs redis-server (Debian package redis-server; CI has it)")
    redis = OwnRedis()
    try:
        with override_settings(CACHES=redis_caches(redis.url, timeout=0.3)):
            forget_local_version()
            yield redis
        forget_local_version()
    finally:
        redis.stop()


@pytest.mark.django_db
def test_pages_cached_before_an_outage_are_not_served_after_a_publish_made_during_it(
    client, incident, own_redis, settings, django_capture_on_commit_callbacks
):
    settings.CANDOR_PUBLIC_VERSION_SECONDS = 0.2
    page = incident.get_absolute_url()
    assert NEWS not in client.get(page).content.decode()  # now cached, in Redis and here

    own_redis.pause(1.5)
    publish_news(incident, django_capture_on_commit_callbacks)  # its version bump is lost
    assert cache.unreachable
    time.sleep(1.5 + redis_cache.RETRY_SECONDS)  # Redis answers again, with the old pages

    assert NEWS in client.get(page).content.decode()
    assert not cache.unreachable and cache.recoveries == 1
