from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.caching import VERSION_KEY

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    ("home", []),
    ("incidents:incident-detail", ["data-breach"]),
    ("incidents:faq-list", []),
    ("incidents:feed", []),
    ("incidents:incident-feed", ["data-breach"]),
    ("api:summary", []),
    ("api:incidents", []),
]


@pytest.fixture
def public_urls(incident, make_update):
    make_update()
    return [reverse(name, args=args) for name, args in PUBLIC_URLS]


def test_public_pages_can_be_cached_by_a_cdn(client, public_urls):
    for url in public_urls:
        response = client.get(url)
        cache_control = response["Cache-Control"]
        assert response.status_code == HTTPStatus.OK, url
        assert "public" in cache_control, url
        assert "s-maxage=" in cache_control, url
        assert response["ETag"], url


def test_public_pages_are_the_same_for_every_visitor(client, public_urls):
    for url in public_urls:
        response = client.get(url)
        assert "Cookie" not in response.get("Vary", ""), url
        assert not response.cookies, url
        assert "csrfmiddlewaretoken" not in response.content.decode(), url


def test_signed_in_visitor_gets_the_same_public_page(client, public_urls, django_user_model):
    anonymous = client.get(public_urls[1]).content
    client.force_login(django_user_model.objects.create_user("c@example.com", "x" * 20))

    response = client.get(public_urls[1])

    assert response.content == anonymous
    assert "Cookie" not in response.get("Vary", "")


def test_conditional_get_with_the_etag_gets_304(client, public_urls):
    for url in public_urls:
        etag = client.get(url)["ETag"]
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == HTTPStatus.NOT_MODIFIED, url
        assert again.content == b"", url


def test_incident_page_needs_at_most_5_queries_cold_and_none_warm(client, public_urls):
    url = reverse("incidents:incident-detail", args=["data-breach"])

    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    with CaptureQueriesContext(connection) as warm:
        response = client.get(url)

    assert response.status_code == HTTPStatus.OK
    assert len(cold) <= 5, [q["sql"] for q in cold]
    assert len(warm) == 0, [q["sql"] for q in warm]


def test_every_public_page_is_served_warm_without_sql(client, public_urls):
    for url in public_urls:
        client.get(url)
        with CaptureQueriesContext(connection) as warm:
            client.get(url)
        assert len(warm) == 0, url


def test_tracking_parameters_do_not_create_new_cache_entries(client, public_urls):
    url = reverse("incidents:incident-detail", args=["data-breach"])
    client.get(url)

    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"utm_source": "news", "cb": "123"})

    assert len(queries) == 0


def test_a_change_by_another_process_shows_once_the_version_reading_expires(
    client, incident, make_update, settings
):
    url = reverse("incidents:incident-detail", args=["data-breach"])
    settings.PUBLIC_PAGE_VERSION_SECONDS = 60
    client.get(url)
    make_update(body="Published by another web process.")
    cache.incr(VERSION_KEY)  # what that process's commit did to the shared version

    assert "Published by another web process." not in client.get(url).content.decode()

    settings.PUBLIC_PAGE_VERSION_SECONDS = 0
    assert "Published by another web process." in client.get(url).content.decode()
