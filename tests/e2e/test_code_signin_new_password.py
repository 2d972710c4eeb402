"""
An affected customer who signs in with an emailed code, as the site recommends, and does
not remember the password that was exposed: she chooses a new one without typing the old
one, on a phone, in English and in Spanish, and lands where she was going.
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from .a11y import assert_accessible, overflows_horizontally
from .steps import at, emailed_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ALICE, ALICE_OLD_PASSWORD = "alice@example.com", "demo-password-alice"
ALICE_NEW_PASSWORD = "a long walk by the quiet harbour"

# What she reads and clicks, in each language.
WORDS = {
    "en": {
        "main": "Main",
        "status": "Was I affected?",
        "send code": "Send me a sign-in code",
        "email": "Email",
        "request code": "Request Code",
        "code": "Code",
        "confirm": "Confirm",
        "heading": "Choose a new password",
        "new": "New Password",
        "again": "New Password (again)",
        "save": "Save my new password",
        "changed": "Password successfully changed.",
        "sign out": "Sign out",
        "sign out button": "Sign Out",
        "password": "Password",
        "sign in": "Sign In",
        "wrong password": "The email address and/or password you specified are not correct.",
    },
    "es": {
        "main": "Principal",
        "status": "¿Me afectó?",
        "send code": "Envíeme un código de inicio de sesión",
        "email": "Correo electrónico",
        "request code": "Solicite el código",
        "code": "Código",
        "confirm": "Confirmar",
        "heading": "Elija una nueva contraseña",
        "new": "Nueva contraseña",
        "again": "Nueva contraseña (de nuevo)",
        "save": "Guardar mi nueva contraseña",
        "changed": "Contraseña cambiada con éxito.",
        "sign out": "Cerrar sesión",
        "sign out button": "Cerrar sesión",
        "password": "Contraseña",
        "sign in": "Iniciar sesión",
        "wrong password": "La dirección de correo electrónico y/o la contraseña",
    },
}


def sign_in_with(page: Page, words: dict, password: str) -> None:
    page.get_by_label(words["email"], exact=True).fill(ALICE)
    page.get_by_label(words["password"], exact=True).fill(password)
    page.get_by_role("button", name=words["sign in"], exact=True).click()


@pytest.mark.parametrize("language", ["en", "es"])
def test_signed_in_with_a_code_she_sets_a_new_password_without_the_old_one(
    phone_page, demo, smtp_sink, celery_worker, language
):
    page, words = phone_page, WORDS[language]
    with translation.override(language):
        home, status = reverse("home"), reverse("accounts:me")

    # Her status page, in her language, asks her to sign in; she asks for a code.
    page.goto(home)
    main_menu = page.get_by_role("navigation", name=words["main"])
    main_menu.get_by_role("link", name=words["status"]).click()
    page.get_by_role("link", name=words["send code"]).click()
    page.get_by_label(words["email"], exact=True).fill(ALICE)
    page.get_by_role("button", name=words["request code"]).click()
    page.get_by_label(words["code"], exact=True).fill(emailed_code(smtp_sink, ALICE))
    page.get_by_role("button", name=words["confirm"], exact=True).click()

    # The code proved the address is hers: a new password, twice, and nothing else.
    expect(page.get_by_role("heading", name=words["heading"])).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("input[type=password]")).to_have_count(2)
    assert_accessible(page)
    assert not overflows_horizontally(page)
    page.get_by_label(words["new"], exact=True).fill(ALICE_NEW_PASSWORD)
    page.get_by_label(words["again"], exact=True).fill(ALICE_NEW_PASSWORD)
    page.get_by_role("button", name=words["save"]).click()

    # Back on the page she asked for, in her language, not on an empty password form.
    expect(page.get_by_text(words["changed"])).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(status) + "$"))
    assert_accessible(page)

    # The exposed password no longer opens her account; the new one does.
    page.get_by_role("link", name=words["sign out"], exact=True).click()
    page.get_by_role("button", name=words["sign out button"], exact=True).click()
    page.goto(status)
    sign_in_with(page, words, ALICE_OLD_PASSWORD)
    expect(page.get_by_text(words["wrong password"])).to_be_visible()
    sign_in_with(page, words, ALICE_NEW_PASSWORD)
    expect(page).to_have_url(at(status))
    expect(page.locator("input[type=password]")).to_have_count(0)
