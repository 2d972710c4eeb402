"""
One script sending thousands of different FAQ searches must not fill the shared cache
(Redis in production, shared by every process and by the rate limits and sessions):
each distinct `?q=` would otherwise become an entry there until it expires.
"""

import uuid
from http import HTTPStatus

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from core.public_pages import forget_local_version
from incidents import services
from incidents.models import FAQ
from tests.helpers import redis_caches

pytestmark = pytest.mark.django_db

SEARCHES = 300
REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/1"


def shared_cache_keys() -> set[str]:
    shared = caches["default"]
    if hasattr(shared, "_cache") and isinstance(shared._cache, dict):  # locmem
        return set(shared._cache)
    client = shared._cache.get_client()
    return {key.decode() for key in client.keys(f"{shared.key_prefix}*")}


def shared_cache_keys_unprefixed() -> list[str]:
    prefix = f"{caches['default'].key_prefix}:1:"
    return [key.removeprefix(prefix) for key in shared_cache_keys()]


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request):
    if request.param == "locmem":
        caches_setting = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "pages": settings.CACHES["pages"],
        }
    else:
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            pytest.skip(f"no Redis at {REDIS_URL}")
        caches_setting = redis_caches(REDIS_URL)
        # A prefix of this test's own: other runs may share the Redis database.
        caches_setting["default"]["KEY_PREFIX"] = f"test-faq-{uuid.uuid4().hex}"
        caches_setting["pages"] = settings.CACHES["pages"]
    with override_settings(CACHES=caches_setting):
        forget_local_version()
        caches["pages"].clear()
        yield
        # Only this test's keys: clear() would empty the whole Redis database.
        caches["default"].delete_many(shared_cache_keys_unprefixed())
        caches["pages"].clear()
    forget_local_version()


@pytest.fixture
def faqs():
    services.faq_save(faq=FAQ(question="How do I reset my password?", answer="Sign in."))
    services.faq_save(faq=FAQ(question="Is my card safe?", answer="Yes."))


def test_many_different_searches_add_no_entries_to_the_shared_cache(client, faqs, shared_cache):
    url = reverse("incidents:faq-list")
    client.get(url)  # the page without a search, cached as usual
    before = shared_cache_keys()

    for n in range(SEARCHES):
        response = client.get(url, {"q": f"probe {n}"})
        assert response.status_code == HTTPStatus.OK

    assert len(shared_cache_keys() - before) <= 2


def test_searches_still_find_the_matching_question(client, faqs, shared_cache):
    url = reverse("incidents:faq-list")

    for _ in range(2):  # the second answer may come from this process's memory
        password = client.get(url, {"q": "password"}).content.decode()
        card = client.get(url, {"q": "card"}).content.decode()

        assert "How do I reset my password?" in password
        assert "Is my card safe?" not in password
        assert "Is my card safe?" in card
        assert "How do I reset my password?" not in card
