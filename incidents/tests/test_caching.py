from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.public_pages import VERSION_KEY

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
    settings.CANDOR_PUBLIC_VERSION_SECONDS = 60
    client.get(url)
    make_update(body="Published by another web process.")
    cache.incr(VERSION_KEY)  # what that process's commit did to the shared version

    assert "Published by another web process." not in client.get(url).content.decode()

    settings.CANDOR_PUBLIC_VERSION_SECONDS = 0
    assert "Published by another web process." in client.get(url).content.decode()


def _headers(response) -> dict[str, str]:
    # Each response has its own id; everything else is the page's.
    return {k: v for k, v in response.items() if k != "X-Request-ID"}


def test_a_kept_page_is_answered_before_sessions_locale_and_csrf_run(
    client, public_urls, monkeypatch
):
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.middleware.csrf import CsrfViewMiddleware
    from django.middleware.locale import LocaleMiddleware

    ran = []
    for middleware in (SessionMiddleware, LocaleMiddleware, CsrfViewMiddleware):
        original = middleware.process_request

        def spy(self, request, _original=original, _name=middleware.__name__):
            ran.append(_name)
            return _original(self, request)

        monkeypatch.setattr(middleware, "process_request", spy)
    for url in public_urls:
        client.get(url)  # rendered through the whole stack, then kept
        assert ran, url
        ran.clear()

        response = client.get(url)

        assert response.status_code == HTTPStatus.OK, url
        assert ran == [], url


def test_a_kept_page_carries_exactly_the_headers_of_its_first_render(client, public_urls):
    for url in public_urls:
        first = client.get(url)
        again = client.get(url)

        assert _headers(again) == _headers(first), url
        assert again.content == first.content, url
        assert again["X-Request-ID"] != first["X-Request-ID"], url
        assert "frame-ancestors 'none'" in again["Content-Security-Policy"], url
        assert "camera=()" in again["Permissions-Policy"], url


def test_a_signed_in_visitor_gets_the_kept_page_without_touching_her_session(
    client, public_urls, django_user_model, django_assert_num_queries
):
    url = public_urls[1]
    first = client.get(url)
    client.force_login(django_user_model.objects.create_user("c@example.com", "x" * 20))

    with django_assert_num_queries(0):  # not even the session row
        response = client.get(url)

    assert response.content == first.content
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


def test_a_conditional_get_of_a_kept_page_gets_304_with_its_headers(client, public_urls):
    url = public_urls[1]
    etag = client.get(url)["ETag"]

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == HTTPStatus.NOT_MODIFIED
    assert again["ETag"] == etag
    assert again["X-Request-ID"]
    assert "frame-ancestors 'none'" in again["Content-Security-Policy"]


def test_a_post_to_a_public_page_is_not_answered_from_the_cache(client, public_urls):
    url = public_urls[1]
    client.get(url)

    response = client.post(url)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert "no-store" in response["Cache-Control"]


def test_a_page_that_read_the_session_or_set_a_cookie_is_never_kept(rf):
    from django.http import HttpResponse

    from core.public_pages import PageRules, cached_page, keep_page, page_slot

    request = rf.get("/en/somewhere/")
    slot = page_slot(request, PageRules())
    read_session = HttpResponse("for one person")
    read_session["Vary"] = "Cookie"
    set_cookie = HttpResponse("for one person")
    set_cookie.set_cookie("sessionid", "abc")

    for response in (read_session, set_cookie):
        assert keep_page(slot, response) is response
        assert cached_page(slot) is None


def test_the_kept_api_answer_says_english_whatever_the_first_reader_asked_for(client, incident):
    url = reverse("api:summary")
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="es")

    again = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert first["Content-Language"] == again["Content-Language"] == "en"
