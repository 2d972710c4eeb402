"""
Absolute links come from CANDOR_SITE_URL, never from the Host a request names: a
forged Host must not reach a cached page, a feed reader or a reset email.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import Notification

pytestmark = pytest.mark.django_db

SITE_URL = "https://status.example.com"
EVIL = "evil.example"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE_URL
    # Even a host the site answers to names no link.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, EVIL]


def forged_then_honest(url):
    """The same page asked for with a forged Host first (to poison a cache), then honestly."""
    forged = Client().get(url, HTTP_HOST=EVIL)
    honest = Client().get(url)
    return [forged.content.decode(), honest.content.decode()]


@pytest.mark.parametrize("feed", ["site", "incident"])
def test_feed_links_point_at_the_site_whatever_the_host(incident, make_update, feed):
    make_update(body="We are on it.")
    url = (
        reverse("incidents:feed")
        if feed == "site"
        else reverse("incidents:incident-feed", args=[incident.slug])
    )

    for atom in forged_then_honest(url):
        assert EVIL not in atom
        links = re.findall(r'href="([^"]+)"', atom) + re.findall(r"<id>([^<]+)</id>", atom)
        assert links
        assert all(link.startswith(SITE_URL) for link in links), links


@pytest.mark.parametrize("endpoint", ["api:summary", "api:incidents"])
def test_api_links_point_at_the_site_whatever_the_host(incident, make_update, endpoint):
    make_update(body="We are on it.")

    for body in forged_then_honest(reverse(endpoint)):
        assert EVIL not in body
        assert f"{SITE_URL}{incident.get_absolute_url()}" in body


def test_password_reset_email_links_to_the_site_whatever_the_host(make_customer):
    make_customer("alice@example.com", "a long and quiet harbour walk")

    Client().post(
        reverse("account_reset_password"), {"email": "alice@example.com"}, HTTP_HOST=EVIL
    )

    body = Notification.objects.get(kind="account").body_text
    assert EVIL not in body
    [link] = re.findall(r"https?://\S+", body)
    assert link.startswith(f"{SITE_URL}/")


def test_unknown_account_email_links_to_the_site_whatever_the_host():
    Client().post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}, HTTP_HOST=EVIL
    )

    body = Notification.objects.get(kind="account").body_text
    assert EVIL not in body
    assert all(link.startswith(f"{SITE_URL}/") for link in re.findall(r"https?://\S+", body))
