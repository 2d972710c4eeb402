"""
Only a POST changes what is stored: a link or an image on another site pointing at
/language/es/ must not change the language a signed-in person's emails are written in.
The GET still switches this browser (redirect and language cookie, client state only).
"""

import re
from http import HTTPStatus

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-123"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana@example.com", PASSWORD)


@pytest.fixture
def browser(ana):
    """Ana's browser, which sends the CSRF token only when a page gave it one."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(ana)
    return client


def spanish_me():
    with translation.override("es"):
        return reverse("accounts:me")


def stored_language(user) -> str:
    user.refresh_from_db()
    return user.language


def test_following_a_link_to_the_switch_does_not_change_the_stored_language(browser, ana):
    response = browser.get(reverse("language-switch", args=["es"]), {"next": spanish_me()})

    assert stored_language(ana) == "en"
    # The browser itself still switches.
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == spanish_me()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_the_switcher_on_a_signed_in_page_changes_the_stored_language(browser, ana):
    page = browser.get(reverse("accounts:me")).content.decode()
    switch = reverse("language-switch", args=["es"])
    form = re.search(
        rf'<form method="post" action="{re.escape(switch)}\?next=[^"]*">.*?</form>', page, re.S
    )
    assert form, "the switcher on a signed-in page is a form"

    response = browser.post(
        switch + "?next=" + spanish_me(),
        {"csrfmiddlewaretoken": TOKEN.search(form.group()).group(1)},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == spanish_me()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert stored_language(ana) == "es"


def test_a_post_from_another_site_is_refused(browser, ana):
    response = browser.post(reverse("language-switch", args=["es"]), {"next": spanish_me()})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert stored_language(ana) == "en"
