"""
A Spanish reader is addressed as "usted" on every account page (allauth's own included)
and in the sign-in code email: the pages as the test client gets them, the email as the
SMTP sink receives it.
"""

from http import HTTPStatus

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import translation

from tests.helpers import sign_in
from tests.spanish import tu_forms, visible_text

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

ALICE = "alice@example.com"


def spanish(name: str) -> str:
    with translation.override("es"):
        return reverse(name)


def words_on(response) -> str:
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<html lang="es">' in html
    return visible_text(html)


@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_request_login_code",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
    ],
)
def test_a_signed_out_account_page_says_usted(client, name):
    words = words_on(client.get(spanish(name)))

    assert not tu_forms(words), words


def test_a_refused_sign_in_says_usted(client, alice):
    response = client.post(spanish("account_login"), {"login": ALICE, "password": "wrong"})

    words = words_on(response)
    assert "La dirección de correo electrónico y/o la contraseña" in words
    assert not tu_forms(words), words


def test_the_code_entry_page_says_usted(client, alice, smtp_sink):
    response = client.post(spanish("account_request_login_code"), {"email": ALICE}, follow=True)

    words = words_on(response)
    assert response.redirect_chain[-1][0] == spanish("account_confirm_login_code")
    assert not tu_forms(words), words


def test_a_wrong_code_is_refused_in_usted(client, alice, smtp_sink):
    client.post(spanish("account_request_login_code"), {"email": ALICE})

    words = words_on(client.post(spanish("account_confirm_login_code"), {"code": "BBBB-BBBB"}))

    assert "Código incorrecto." in words
    assert not tu_forms(words), words


def test_the_sign_up_code_entry_page_says_usted(client, smtp_sink):
    response = client.post(
        spanish("account_signup"),
        {"email": "nueva@example.com", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )

    words = words_on(response)
    assert not tu_forms(words), words


def test_the_sign_in_code_email_says_usted(client, alice, smtp_sink):
    client.post(spanish("account_request_login_code"), {"email": ALICE})

    text = smtp_sink.text(smtp_sink.last_to(ALICE))
    assert "Nunca le pediremos su contraseña" in text  # in Spanish at all
    assert "se enumera" not in text
    assert not tu_forms(text), text


@pytest.mark.parametrize(
    "name",
    [
        "mfa_index",
        "mfa_activate_totp",
        "mfa_list_webauthn",
        "mfa_add_webauthn",
        "usersessions_list",
        "account_email",
    ],
)
def test_a_two_factor_or_passkey_page_says_usted(client, alice, name):
    sign_in(client, alice, "password")
    client.post(spanish("account_reauthenticate"), {"password": PASSWORD})

    words = words_on(client.get(spanish(name)))

    assert not tu_forms(words), words
    assert "passkey" not in words.lower()


def test_the_second_step_of_sign_in_says_usted(client, alice):
    TOTP.activate(alice, generate_totp_secret())

    response = client.post(
        spanish("account_login"), {"login": ALICE, "password": PASSWORD}, follow=True
    )

    words = words_on(response)
    assert response.redirect_chain[-1][0] == spanish("mfa_authenticate")
    assert not tu_forms(words), words


def test_spanish_two_factor_pages_use_the_names_the_checklist_uses(client, alice):
    sign_in(client, alice, "password")
    client.post(spanish("account_reauthenticate"), {"password": PASSWORD})

    index = words_on(client.get(spanish("mfa_index")))
    adding = words_on(client.get(spanish("mfa_add_webauthn")))

    assert "Verificación en dos pasos" in index.splitlines()
    assert "Llaves de seguridad" in index.splitlines()
    assert "Añadir una llave de seguridad" in adding.splitlines()
    assert "Nombre" in adding.splitlines()  # not Django's untranslated "Name"
    assert "llave de acceso" in adding
