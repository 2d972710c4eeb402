"""
Accounts through django-allauth, end to end: real views, real forms, and email
delivered over SMTP to a sink (tests/smtp_sink.py) from which the tests read codes and
links as a person would.
"""

import datetime as dt
import re
from http import HTTPStatus

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-passphrase-for-after"
# allauth's codes: eight letters from an unambiguous alphabet, shown as XXXX-XXXX.
CODE = re.compile(r"^([B-Z]{4}-[B-Z]{4})$", re.MULTILINE)
LINK = re.compile(r"https?://\S+")

pytestmark = pytest.mark.django_db


def code_in(sink, address):
    return CODE.search(sink.text(sink.last_to(address))).group(1)


def link_in(sink, address):
    return LINK.search(sink.text(sink.last_to(address))).group(0)


def reauthenticate(client, password=PASSWORD):
    """Confirm the password, as allauth asks before changing an address."""
    client.post(reverse("account_reauthenticate"), {"password": password})


def signed_in(client):
    return "_auth_user_id" in client.session


def sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def request_login_code(client, email):
    return client.post(reverse("account_request_login_code"), {"email": email})


def request_password_reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email})


def page_text(response, *addresses):
    """The page without what must differ: the address typed and CSRF tokens."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    for address in addresses:
        html = html.replace(address, "ADDRESS")
    return html


def same_response(path, data, known, unknown):
    """Post the same form for a known and an unknown address, each from a new browser."""
    responses = []
    for address in (known, unknown):
        response = Client().post(path, data | {"email": address}, follow=True)
        responses.append(response)
    first, second = responses
    assert first.status_code == second.status_code
    assert first.redirect_chain == second.redirect_chain
    assert page_text(first, known) == page_text(second, unknown)
    return first


# --- Signing up -----------------------------------------------------------------------


def test_sign_up_sends_a_verification_code_to_the_address(client, smtp_sink):
    sign_up(client, "new@example.com")

    message = smtp_sink.last_to("new@example.com")
    assert CODE.search(smtp_sink.text(message))


def test_sign_up_does_not_sign_in_before_the_address_is_verified(client, smtp_sink):
    response = sign_up(client, "new@example.com")

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("account_email_verification_sent")
    assert not signed_in(client)
    assert client.get(reverse("accounts:me")).status_code == HTTPStatus.FOUND


def test_unverified_account_cannot_sign_in_with_a_password(client, smtp_sink, django_user_model):
    django_user_model.objects.create_user("new@example.com", PASSWORD)

    response = sign_in(client, "new@example.com")

    assert response.url == reverse("account_email_verification_sent")
    assert not signed_in(client)


def test_sign_up_is_completed_with_the_emailed_code(client, smtp_sink):
    sign_up(client, "new@example.com")

    response = client.post(
        reverse("account_email_verification_sent"), {"code": code_in(smtp_sink, "new@example.com")}
    )

    assert response.url == reverse("accounts:me")
    assert signed_in(client)
    assert EmailAddress.objects.get(email="new@example.com").verified


def test_wrong_verification_code_is_refused(client, smtp_sink):
    sign_up(client, "new@example.com")

    response = client.post(reverse("account_email_verification_sent"), {"code": "BBBB-BBBB"})

    assert response.status_code == HTTPStatus.OK
    assert not signed_in(client)
    assert not EmailAddress.objects.get(email="new@example.com").verified


# --- Signing in -----------------------------------------------------------------------


def test_sign_in_with_password_opens_the_status_page(client, alice):
    response = sign_in(client, "alice@example.com")

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("accounts:me")
    assert signed_in(client)


def test_wrong_password_is_refused(client, alice):
    response = sign_in(client, "alice@example.com", "not-the-password")

    assert response.status_code == HTTPStatus.OK
    assert not signed_in(client)


def test_sign_in_with_an_emailed_code(client, alice, smtp_sink):
    request_login_code(client, "alice@example.com")

    response = client.post(
        reverse("account_confirm_login_code"), {"code": code_in(smtp_sink, "alice@example.com")}
    )

    assert response.url == reverse("accounts:me")
    assert signed_in(client)


def test_account_emails_name_our_site_and_its_address_not_the_request_host(
    client, alice, smtp_sink, settings
):
    settings.SITE_NAME, settings.SITE_URL = "Example Corp status", "https://status.example.com"

    request_login_code(client, "alice@example.com")

    text = smtp_sink.text(smtp_sink.last_to("alice@example.com"))
    assert "Hello from Example Corp status!" in text
    assert "Type them only into status.example.com" in text
    assert "testserver" not in text


def test_sign_in_code_works_only_once(client, alice, smtp_sink):
    request_login_code(client, "alice@example.com")
    code = code_in(smtp_sink, "alice@example.com")
    client.post(reverse("account_confirm_login_code"), {"code": code})
    client.post(reverse("account_logout"))

    client.post(reverse("account_confirm_login_code"), {"code": code})

    assert not signed_in(client)


def test_earlier_sign_in_code_stops_working_when_a_new_one_is_sent(client, alice, smtp_sink):
    request_login_code(client, "alice@example.com")
    first_code = code_in(smtp_sink, "alice@example.com")
    client.post(reverse("account_confirm_login_code"), {"code": first_code})
    client.post(reverse("account_logout"))
    request_login_code(client, "alice@example.com")
    smtp_sink.wait_for(2)

    response = client.post(reverse("account_confirm_login_code"), {"code": first_code})

    assert response.status_code == HTTPStatus.OK
    assert not signed_in(client)


def test_wrong_sign_in_code_is_refused(client, alice, smtp_sink):
    request_login_code(client, "alice@example.com")

    response = client.post(reverse("account_confirm_login_code"), {"code": "BBBB-BBBB"})

    assert response.status_code == HTTPStatus.OK
    assert "Incorrect code" in response.content.decode()
    assert not signed_in(client)


def test_sign_in_code_is_void_after_three_wrong_tries(client, alice, smtp_sink):
    request_login_code(client, "alice@example.com")
    code = code_in(smtp_sink, "alice@example.com")
    for _ in range(3):
        client.post(reverse("account_confirm_login_code"), {"code": "BBBB-BBBB"})

    client.post(reverse("account_confirm_login_code"), {"code": code})

    assert not signed_in(client)


def test_sign_in_code_expires_after_ten_minutes(client, alice, smtp_sink):
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=False) as traveller:
        request_login_code(client, "alice@example.com")
        code = code_in(smtp_sink, "alice@example.com")
        traveller.shift(dt.timedelta(minutes=10, seconds=1))

        client.post(reverse("account_confirm_login_code"), {"code": code})

    assert not signed_in(client)


# --- Password reset ---------------------------------------------------------------------


def test_password_reset_link_sets_a_new_password(client, alice, smtp_sink):
    request_password_reset(client, "alice@example.com")
    link = link_in(smtp_sink, "alice@example.com")

    form_page = client.get(link)
    response = client.post(form_page.url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.url == reverse("account_reset_password_from_key_done")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_password_reset_link_works_only_once(client, alice, smtp_sink):
    request_password_reset(client, "alice@example.com")
    link = link_in(smtp_sink, "alice@example.com")
    form_url = client.get(link).url
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)

    assert again.context["token_fail"]
    assert "password1" not in again.content.decode()


def test_password_reset_link_expires_after_an_hour(client, alice, smtp_sink):
    request_password_reset(client, "alice@example.com")
    link = link_in(smtp_sink, "alice@example.com")

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=1, minutes=1)):
        response = client.get(link, follow=True)

    assert response.context["token_fail"]


# --- Changing the email address ---------------------------------------------------------


def test_email_change_sends_a_code_to_the_new_address(client, alice, smtp_sink):
    client.force_login(alice)
    reauthenticate(client)

    client.post(reverse("account_email"), {"email": "alice@new.example", "action_add": ""})

    assert CODE.search(smtp_sink.text(smtp_sink.last_to("alice@new.example")))


def test_email_change_waits_for_the_new_address_to_be_verified(client, alice, smtp_sink):
    client.force_login(alice)
    reauthenticate(client)

    client.post(reverse("account_email"), {"email": "alice@new.example", "action_add": ""})

    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    assert not EmailAddress.objects.filter(email="alice@new.example", verified=True).exists()


def test_email_change_takes_effect_with_the_code(client, alice, smtp_sink):
    client.force_login(alice)
    reauthenticate(client)
    client.post(reverse("account_email"), {"email": "alice@new.example", "action_add": ""})

    client.post(
        reverse("account_email_verification_sent"),
        {"code": code_in(smtp_sink, "alice@new.example")},
    )

    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    assert not EmailAddress.objects.filter(email="alice@example.com").exists()


def test_email_change_to_a_taken_address_looks_like_any_change(client, alice, smtp_sink):
    bob = type(alice).objects.create_user("bob@example.com", PASSWORD)
    EmailAddress.objects.create(user=bob, email=bob.email, verified=True, primary=True)
    client.force_login(alice)
    reauthenticate(client)

    taken = client.post(reverse("account_email"), {"email": "bob@example.com", "action_add": ""})
    free = client.post(reverse("account_email"), {"email": "carol@example.com", "action_add": ""})

    assert taken.status_code == free.status_code == HTTPStatus.FOUND
    assert taken.url == free.url
    assert smtp_sink.sent_to("bob@example.com") and smtp_sink.sent_to("carol@example.com")


# --- Nobody learns whether an address has an account --------------------------------------


def test_sign_up_with_a_taken_address_looks_like_any_sign_up(alice, smtp_sink):
    data = {"password1": PASSWORD, "password2": PASSWORD}

    response = same_response(
        reverse("account_signup"), data, "alice@example.com", "new@example.com"
    )

    assert response.redirect_chain == [
        (reverse("account_email_verification_sent"), HTTPStatus.FOUND)
    ]


def test_sign_up_with_a_taken_address_sends_its_owner_no_code(alice, smtp_sink):
    sign_up(Client(), "alice@example.com")

    text = smtp_sink.text(smtp_sink.last_to("alice@example.com"))
    assert not CODE.search(text)
    assert "already exists" in text


def test_password_reset_looks_the_same_for_known_and_unknown_addresses(alice, smtp_sink):
    response = same_response(
        reverse("account_reset_password"), {}, "alice@example.com", "nobody@example.com"
    )

    assert response.redirect_chain == [(reverse("account_reset_password_done"), HTTPStatus.FOUND)]


def test_login_code_request_looks_the_same_for_known_and_unknown_addresses(alice, smtp_sink):
    response = same_response(
        reverse("account_request_login_code"), {}, "alice@example.com", "nobody@example.com"
    )

    assert response.redirect_chain == [(reverse("account_confirm_login_code"), HTTPStatus.FOUND)]


def test_wrong_password_looks_the_same_for_known_and_unknown_addresses(alice):
    first = Client().post(
        reverse("account_login"), {"login": "alice@example.com", "password": "wrong-password"}
    )
    second = Client().post(
        reverse("account_login"), {"login": "nobody@example.com", "password": "wrong-password"}
    )

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert page_text(first, "alice@example.com") == page_text(second, "nobody@example.com")


def test_unknown_address_gets_a_mail_that_reveals_nothing(incident, smtp_sink):
    request_password_reset(Client(), "nobody@example.com")
    request_login_code(Client(), "nobody@example.com")

    for message in smtp_sink.wait_for(2):
        text = smtp_sink.text(message).lower()
        assert message["To"] == "nobody@example.com"
        assert "do not have any record" in text
        assert not CODE.search(smtp_sink.text(message))
        for word in ("affected", "breach", "incident", incident.title.lower()):
            assert word not in text
            assert word not in message["Subject"].lower()


# --- Rate limits ------------------------------------------------------------------------


def test_repeated_password_reset_requests_are_refused_for_a_while(client, alice, smtp_sink):
    for _ in range(5):
        request_password_reset(client, "alice@example.com")

    response = request_password_reset(client, "alice@example.com")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert len(smtp_sink.sent_to("alice@example.com")) == 5


def test_rate_limit_page_says_to_wait_a_few_minutes(client, alice, smtp_sink):
    for _ in range(5):
        request_password_reset(client, "alice@example.com")

    response = request_password_reset(client, "alice@example.com")

    assert "Please wait a few minutes" in response.content.decode()
    assert "We will never ask for your password" in response.content.decode()


def test_repeated_failed_sign_ins_lock_out_even_the_right_password(client, alice):
    for _ in range(5):
        sign_in(client, "alice@example.com", "wrong-password")

    response = sign_in(client, "alice@example.com")

    assert response.status_code == HTTPStatus.OK
    assert "Too many failed login attempts" in response.content.decode()
    assert not signed_in(client)


def test_repeated_login_code_requests_are_refused_for_a_while(client, alice, smtp_sink):
    for _ in range(3):
        request_login_code(Client(), "alice@example.com")

    response = request_login_code(client, "alice@example.com")

    assert response.status_code == HTTPStatus.OK
    assert "Too many" in response.content.decode()
    assert len(smtp_sink.sent_to("alice@example.com")) == 3


# --- The pages --------------------------------------------------------------------------


def test_account_pages_are_part_of_the_site(client, settings):
    html = client.get(reverse("account_login")).content.decode()

    assert 'class="skip-link"' in html
    assert "We will never ask for your password" in html
    title = re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)
    assert " ".join(title.split()) == f"Sign In · {settings.SITE_NAME}"


def test_sign_in_fields_have_labels_and_autocomplete(client):
    html = client.get(reverse("account_login")).content.decode()

    assert '<label class="field__label" for="id_login">Email</label>' in html
    assert re.search(
        r'<input type="email" name="login" autocomplete="email"[^>]*id="id_login"', html
    )
    assert '<label class="field__label" for="id_password">Password</label>' in html
    assert re.search(
        r'autocomplete="current-password"[^>]*aria-describedby="id_password_helptext"', html
    )


def test_sign_up_password_rules_are_tied_to_the_field(client):
    html = client.get(reverse("account_signup")).content.decode()

    assert 'id="id_password1_helptext"' in html
    assert re.search(
        r'autocomplete="new-password"[^>]*aria-describedby="id_password1_helptext"', html
    )


def test_form_errors_are_announced_and_tied_to_their_field(client):
    response = sign_up(client, "not-an-address")
    html = response.content.decode()

    assert response.status_code == HTTPStatus.OK
    assert '<div class="error-summary" role="alert">' in html
    assert '<ul class="field__errors" id="id_email_error">' in html
    assert re.search(r'aria-invalid="true"[^>]*aria-describedby="id_email_error"', html)


def test_every_account_email_says_we_never_ask_for_a_password(client, alice, smtp_sink):
    request_login_code(client, "alice@example.com")

    text = smtp_sink.text(smtp_sink.last_to("alice@example.com"))
    assert "We will never ask for your password" in text


def test_account_emails_name_the_site_in_the_subject(client, alice, smtp_sink, settings):
    request_login_code(client, "alice@example.com")

    assert smtp_sink.last_to("alice@example.com")["Subject"].startswith(settings.SITE_NAME)


def test_changing_the_address_asks_for_the_password_again(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("account_email"), {"email": "alice@new.example", "action_add": ""}
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_a_password_change_is_announced_to_the_owner_by_email(client, alice, smtp_sink):
    sign_in(client, "alice@example.com")

    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    message = smtp_sink.last_to("alice@example.com")
    assert "password" in message["Subject"].lower()
