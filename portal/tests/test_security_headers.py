"""
The headers every response carries, by kind of response: public pages, signed-in pages,
forms, redirects, static files, the JSON API, the feed and each error page.
"""

import copy
import logging

import pytest
from csp.decorators import csp_update
from csp.utils import build_policy
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse

from portal import urls as portal_urls

REQUIRED_CSP = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


def boom(request):
    raise RuntimeError("a bug in a view")


def database_down(request):
    raise OperationalError("connection to server at 127.0.0.1 port 5432 failed")


@csp_update({"img-src": ["https://maps.example.com"]})
def map_page(request):
    return HttpResponse("a page that shows a map from elsewhere")


# The site's own URLs plus one view that fails, for the 500 page, and one with a policy
# of its own.
urlpatterns = [
    path("boom/", boom),
    path("db-down/", database_down),
    path("map/", map_page),
    *portal_urls.urlpatterns,
]
handler500 = portal_urls.handler500


@pytest.fixture
def signed_in(client, dora):
    client.force_login(dora)
    return client


def assert_secure_headers(response):
    csp = response["Content-Security-Policy"]
    for directive in REQUIRED_CSP:
        assert directive in csp, f"{directive!r} missing from {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    assert "camera=()" in permissions and "geolocation=()" in permissions
    assert "publickey-credentials-get=(self)" in permissions  # passkeys still work
    assert response["X-Request-ID"]


def assert_not_stored(response):
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["home", "incidents:faq-list", "incidents:feed", "api:summary"],
)
def test_public_pages_carry_every_header_and_stay_cacheable(client, incident, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert_secure_headers(response)
    assert "no-store" not in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]


@pytest.mark.django_db
def test_an_incident_page_carries_every_header(client, incident):
    response = client.get(incident.get_absolute_url())

    assert response.status_code == 200
    assert_secure_headers(response)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["accounts:me", "accounts:me-security", "account_email"])
def test_signed_in_pages_are_never_stored(signed_in, name):
    response = signed_in.get(reverse(name))

    assert response.status_code == 200
    assert_secure_headers(response)
    assert_not_stored(response)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_forms_with_a_csrf_token_are_never_stored(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert_secure_headers(response)
    assert_not_stored(response)


@pytest.mark.django_db
def test_a_redirect_carries_every_header(client):
    response = client.get(reverse("accounts:me"))

    assert response.status_code == 302
    assert_secure_headers(response)


@pytest.mark.django_db
def test_static_files_carry_the_headers_and_far_future_caching():
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        response = Client().get("/static/css/candor.css")

    assert response.status_code == 200
    assert_secure_headers(response)
    assert "no-store" not in response["Cache-Control"]


@pytest.mark.django_db
def test_https_responses_carry_a_preload_ready_hsts_header(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000  # production's value (off while developing)

    response = client.get(reverse("home"), secure=True)

    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


@pytest.mark.django_db
def test_the_404_page_is_ours_and_carries_the_headers(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"We could not find that page" in response.content
    assert_secure_headers(response)


@pytest.mark.django_db
def test_a_bad_host_gets_our_400_page(client):
    response = client.get(reverse("home"), HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert b"We could not understand that request" in response.content
    assert b"attacker.example" not in response.content
    assert_secure_headers(response)


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_our_403_page():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("account_login"), {"login": "x@example.com"})

    assert response.status_code == 403
    assert b"This form has expired" in response.content
    assert b"CSRF" not in response.content  # no jargon, no detail
    assert_secure_headers(response)
    assert_not_stored(response)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_500_page_shows_the_request_id_that_the_log_carries(caplog):
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")

    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert request_id.encode() in response.content
    assert b"Something went wrong on our side" in response.content
    assert b"RuntimeError" not in response.content and b"a bug in a view" not in response.content
    assert_secure_headers(response)
    logged = [r for r in caplog.records if getattr(r, "request_id", None) == request_id]
    assert logged and "boom" in logged[0].getMessage()


@pytest.mark.django_db
def test_each_request_gets_its_own_id(client):
    first = client.get(reverse("healthz"))["X-Request-ID"]
    second = client.get(reverse("healthz"))["X-Request-ID"]

    assert first != second


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_an_unreachable_database_gets_a_503_that_says_so():
    response = Client(raise_request_exception=False).get("/db-down/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"back in a moment" in response.content
    assert b"5432" not in response.content
    assert_secure_headers(response)
    assert_not_stored(response)


def directives(header: str) -> set[str]:
    return {part.strip() for part in header.split(";")}


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_the_policy_is_django_csps_own_page_after_page(client, signed_in):
    # Built once a process (core.middleware.CSPMiddleware), it is still what django-csp
    # builds from the settings, on a kept public page, a signed-in one and an error.
    wanted = directives(build_policy())

    for response in (
        client.get(reverse("home")),
        client.get(reverse("home")),
        signed_in.get(reverse("accounts:me")),
        client.get("/no-such-page/"),
    ):
        assert directives(response["Content-Security-Policy"]) == wanted
    assert "Content-Security-Policy-Report-Only" not in response


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_page_with_a_policy_of_its_own_gets_it_and_no_other_page_does(client):
    own = client.get("/map/")["Content-Security-Policy"]
    other = client.get(reverse("healthz"))["Content-Security-Policy"]

    assert "https://maps.example.com" in own and "default-src 'none'" in own
    assert "https://maps.example.com" not in other


@pytest.mark.django_db
def test_a_changed_policy_is_served_at_once(client, settings):
    client.get(reverse("healthz"))  # the header is built and kept
    changed = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    changed["DIRECTIVES"]["img-src"] = ["'self'", "data:", "https://cdn.example.com"]
    settings.CONTENT_SECURITY_POLICY = changed

    assert "https://cdn.example.com" in client.get(reverse("healthz"))["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_path_left_out_of_the_policy_gets_no_header(client, settings):
    left_out = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    left_out["EXCLUDE_URL_PREFIXES"] = [reverse("healthz")]
    settings.CONTENT_SECURITY_POLICY = left_out

    assert "Content-Security-Policy" not in client.get(reverse("healthz"))
    assert "Content-Security-Policy" in client.get(reverse("home"))
