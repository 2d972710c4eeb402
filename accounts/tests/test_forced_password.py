"""
The forced new password for someone who signed in with an emailed code: the code proved
she reads her mail, so she replaces the exposed password without typing the old one.
Someone who signed in with the password still confirms it (allauth's change form).
"""

import datetime as dt
import io
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from incidents.models import ImportBatch
from incidents.services import imports

from .conftest import PASSWORD

ALICE = "alice@example.com"
NEW_PASSWORD = "a long walk by the quiet harbour"
CODE = re.compile(r"^([B-Z]{4}-[B-Z]{4})$", re.MULTILINE)
FORGOT_LINK = re.compile(r'<a href="([^"]+)">Forgot your password\?</a>')

pytestmark = pytest.mark.django_db


@pytest.fixture
def exposed_alice(alice, incident):
    """Alice, on the incident's affected list with her password hash exposed."""
    content = f"email,categories,tier,remedy_code\r\n{ALICE},password-hash,standard,\r\n"
    batch = ImportBatch.objects.create(incident=incident, original_name="list.csv")
    imports.import_batch_run(batch=batch, source=io.BytesIO(content.encode()))
    return alice


def sign_in_with_code(client, sink, email=ALICE):
    client.post(reverse("account_request_login_code"), {"email": email})
    code = CODE.search(sink.text(sink.last_to(email))).group(1)
    return client.post(reverse("account_confirm_login_code"), {"code": code})


def sign_in_with_password(client, password=PASSWORD, email=ALICE):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(client):
    return "_auth_user_id" in client.session


def path_of(response):
    return urlsplit(response["Location"]).path


def next_of(response):
    return parse_qs(urlsplit(response["Location"]).query).get("next", [None])[0]


def choose(client, password=NEW_PASSWORD, again=None, **extra):
    data = {"password1": password, "password2": again or password, **extra}
    return client.post(reverse("accounts:new-password"), data)


# --- Signed in with a code ------------------------------------------------------------


def test_after_a_code_she_is_asked_for_a_new_password_only(client, exposed_alice, smtp_sink):
    sign_in_with_code(client, smtp_sink)

    sent_to = client.get(reverse("accounts:me"))
    page = client.get(sent_to["Location"])

    assert path_of(sent_to) == reverse("accounts:new-password")
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert 'name="password1"' in html
    assert 'name="password2"' in html
    assert 'name="oldpassword"' not in html
    assert 'autocomplete="current-password"' not in html


def test_the_change_form_sends_her_to_the_form_without_the_old_password(
    client, exposed_alice, smtp_sink
):
    sign_in_with_code(client, smtp_sink)

    response = client.get(reverse("account_change_password"))

    assert path_of(response) == reverse("accounts:new-password")


def test_setting_it_lands_on_her_status_page_not_an_empty_form(client, exposed_alice, smtp_sink):
    sign_in_with_code(client, smtp_sink)
    form_url = client.get(reverse("accounts:me"))["Location"]

    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("accounts:me")
    landed = client.get(response["Location"])
    assert landed.status_code == HTTPStatus.OK
    assert "Password successfully changed." in landed.content.decode()


def test_the_page_she_asked_for_is_kept_through_the_new_password(client, exposed_alice, smtp_sink):
    with translation.override("es"):
        spanish_status = reverse("accounts:me")
    sign_in_with_code(client, smtp_sink)

    sent_to = client.get(spanish_status)
    response = client.post(
        sent_to["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert spanish_status == "/es/me/"
    assert next_of(sent_to) == spanish_status
    assert response["Location"] == spanish_status


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/", "//evil.example/me/", "/\\evil.example/"]
)
def test_next_never_leads_off_the_site(client, exposed_alice, smtp_sink, elsewhere):
    sign_in_with_code(client, smtp_sink)

    response = choose(client, next=elsewhere)

    assert response["Location"] == reverse("accounts:me")


def test_a_page_off_the_site_is_not_carried_to_the_form(client, exposed_alice, smtp_sink):
    sign_in_with_code(client, smtp_sink)

    response = client.get(reverse("account_change_password") + "?next=https://evil.example/")

    assert path_of(response) == reverse("accounts:new-password")
    assert next_of(response) is None


def test_the_requirement_is_lifted_and_other_sessions_end(client, exposed_alice, smtp_sink):
    laptop = Client()
    sign_in_with_password(laptop)
    sign_in_with_code(client, smtp_sink)

    choose(client)

    exposed_alice.refresh_from_db()
    assert not exposed_alice.must_change_password
    assert exposed_alice.password_changed_at is not None
    assert client.get(reverse("accounts:me")).status_code == HTTPStatus.OK
    assert laptop.get(reverse("accounts:me")).status_code == HTTPStatus.FOUND
    assert not signed_in(laptop)


def test_the_old_password_no_longer_signs_in_and_the_new_one_does(
    client, exposed_alice, smtp_sink
):
    sign_in_with_code(client, smtp_sink)
    choose(client)
    client.post(reverse("account_logout"))

    sign_in_with_password(client, PASSWORD)
    assert not signed_in(client)

    sign_in_with_password(client, NEW_PASSWORD)
    assert signed_in(client)
    assert client.get(reverse("accounts:me")).status_code == HTTPStatus.OK


def test_having_just_chosen_it_she_turns_on_2fa_without_typing_it_again(
    client, exposed_alice, smtp_sink
):
    sign_in_with_code(client, smtp_sink)
    choose(client)

    response = client.get(reverse("mfa_activate_totp"))

    # She typed it twice a moment ago: the authenticator app's page, not "confirm it's you".
    assert response.status_code == HTTPStatus.OK
    assert 'id="authenticator_secret"' in response.content.decode()


def test_minutes_after_choosing_it_she_is_asked_for_it_again(client, exposed_alice, smtp_sink):
    sign_in_with_code(client, smtp_sink)
    choose(client)

    with time_machine.travel(dt.timedelta(minutes=6)):
        response = client.get(reverse("mfa_activate_totp"))

    assert path_of(response) == reverse("account_reauthenticate")


def test_the_owner_is_told_by_email_that_the_password_changed(client, exposed_alice, smtp_sink):
    sign_in_with_code(client, smtp_sink)

    choose(client)

    assert "password" in smtp_sink.last_to(ALICE)["Subject"].lower()


def test_the_exposed_password_cannot_be_chosen_again(client, exposed_alice, smtp_sink):
    sign_in_with_code(client, smtp_sink)

    response = choose(client, PASSWORD)

    assert "This is the password that was exposed" in response.content.decode()
    exposed_alice.refresh_from_db()
    assert exposed_alice.must_change_password


def test_the_two_passwords_must_match(client, exposed_alice, smtp_sink):
    sign_in_with_code(client, smtp_sink)

    response = choose(client, NEW_PASSWORD, again=NEW_PASSWORD + "!")

    assert "You must type the same password each time." in response.content.decode()
    exposed_alice.refresh_from_db()
    assert exposed_alice.check_password(PASSWORD)


def test_a_code_used_long_ago_asks_for_a_new_code_first(client, exposed_alice, smtp_sink):
    sign_in_with_code(client, smtp_sink)

    with time_machine.travel(dt.timedelta(minutes=20)):
        response = choose(client)
        exposed_alice.refresh_from_db()
        assert exposed_alice.check_password(PASSWORD)
        assert 'name="password1"' not in response.content.decode()

        response = client.post(reverse("accounts:new-password"), {"action": "new-code"})

    assert not signed_in(client)
    assert path_of(response) == reverse("account_request_login_code")


# --- Signed in another way ------------------------------------------------------------


def test_signed_in_with_the_password_she_confirms_it_on_the_change_form(client, exposed_alice):
    sign_in_with_password(client)

    sent_to = client.get(reverse("accounts:me"))
    response = choose(client)

    assert path_of(sent_to) == reverse("account_change_password")
    assert path_of(response) == reverse("account_change_password")
    exposed_alice.refresh_from_db()
    assert exposed_alice.check_password(PASSWORD)


def test_the_change_form_also_returns_to_the_page_asked_for(client, exposed_alice):
    sign_in_with_password(client)
    form_url = client.get(reverse("accounts:me"))["Location"]

    response = client.post(
        form_url,
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response["Location"] == reverse("accounts:me")


def test_the_forgot_password_link_on_the_change_form_does_not_loop(client, exposed_alice):
    sign_in_with_password(client)
    form = client.get(reverse("account_change_password"))

    link = FORGOT_LINK.search(form.content.decode()).group(1)
    response = client.get(link)

    assert response.status_code == HTTPStatus.OK
    assert 'name="email"' in response.content.decode()


def test_nobody_skips_the_old_password_without_a_reason(client, alice, smtp_sink):
    sign_in_with_code(client, smtp_sink)

    response = choose(client)

    assert path_of(response) == reverse("account_change_password")
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_form_is_for_signed_in_people_only(client, exposed_alice):
    response = choose(client)

    assert path_of(response) == reverse("account_login")


# --- In a storm of guesses ----------------------------------------------------------------


def test_a_browser_that_came_in_with_a_code_gets_a_kept_place_in_a_storm(
    client, exposed_alice, smtp_sink, settings
):
    """
    On disclosure day she signs in with an emailed code and chooses a new password; when
    she signs in again with it during a storm of guesses, her browser is known.
    """
    from django.utils import timezone

    from core.password_budget import password_check_place

    sign_in_with_code(client, smtp_sink)
    assert choose(client).status_code == HTTPStatus.FOUND
    client.post(reverse("account_logout"))
    settings.CANDOR_PASSWORD_CHECKS_PER_SECOND = 2
    settings.CANDOR_KNOWN_BROWSER_SHARE = 0.5  # a place a second kept, one open
    with time_machine.travel(timezone.now(), tick=False):
        while password_check_place() is not None:  # the bots take every open place
            pass
        again = sign_in_with_password(client, NEW_PASSWORD)
        stranger = sign_in_with_password(Client(), NEW_PASSWORD)  # her password, not her browser

    assert again.status_code == HTTPStatus.FOUND
    assert signed_in(client)
    assert stranger.status_code == HTTPStatus.TOO_MANY_REQUESTS
