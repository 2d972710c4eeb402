"""
Two-factor authentication turned on and used in a real browser, as a customer would:
an authenticator app (pyotp plays the app), recovery codes, and passkeys (Chromium's
virtual authenticator plays the phone's fingerprint reader).

The live server is http://localhost:<port>. Browsers allow WebAuthn there (localhost is a
secure context), allauth takes the relying party id from the host ("localhost"), and
fido2 accepts the origin http://localhost without MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN; so
the passkey tests turn that setting off and check the origin as production does. At
127.0.0.1 no setting helps: Chromium refuses an IP address as the relying party id
("SecurityError: This is an invalid domain").
"""

import re
import time

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def origin_checked(settings):
    """WebAuthn answers are accepted only from the site's own origin, as in production."""
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False


def at(path: str) -> re.Pattern:
    """The page's URL is this path, with or without a query string."""
    return re.compile(re.escape(path) + r"(\?.*)?$")


def sign_in(page: Page, customer) -> None:
    page.goto(reverse("account_login"))
    page.get_by_label("Email", exact=True).fill(customer.email)
    page.get_by_label("Password", exact=True).fill(customer.password)
    page.get_by_role("button", name="Sign In", exact=True).click()


def confirm_password(page: Page, customer) -> None:
    """Turning on 2FA is a sensitive step: allauth asks for the password again first."""
    expect(page).to_have_url(at(reverse("account_reauthenticate")))
    page.get_by_label("Password", exact=True).fill(customer.password)
    page.get_by_role("button", name="Confirm", exact=True).click()


def account_menu(page: Page):
    return page.get_by_role("navigation", name="Your account")


def sign_out(page: Page) -> None:
    account_menu(page).get_by_role("link", name="Sign out", exact=True).click()
    page.get_by_role("button", name="Sign Out", exact=True).click()
    expect(page).to_have_url(at(reverse("home")))


def expect_signed_in(page: Page, customer) -> None:
    expect(page).to_have_url(at(reverse("accounts:me")))
    expect(page.get_by_text(f"Successfully signed in as {customer.email}.")).to_be_visible()


def code_from(app: pyotp.TOTP) -> str:
    """
    What the app shows now. The server takes a code in its own 30-second window only
    (MFA_TOTP_TOLERANCE = 0), so in a window's last seconds, wait for the next one. A code
    is taken once (the one that turned the app on included): wait for a new one.
    """
    seconds_left = app.interval - time.time() % app.interval
    if seconds_left < 5 or app.now() == getattr(app, "typed", None):
        time.sleep(seconds_left)
    app.typed = app.now()
    return app.typed


def enroll_authenticator_app(page: Page, customer) -> pyotp.TOTP:
    """From the account menu to an active app, reading the key the page shows as text."""
    page.get_by_role("link", name="Your email addresses").click()
    account_menu(page).get_by_role("link", name="Two-factor").click()
    page.get_by_role("link", name="Activate", exact=True).click()
    confirm_password(page, customer)
    app = pyotp.TOTP(page.get_by_label("Authenticator secret").input_value())
    page.get_by_label("Authenticator code").fill(code_from(app))
    page.get_by_role("button", name="Activate", exact=True).click()
    expect(page.get_by_text("Authenticator app activated.")).to_be_visible()
    return app


def shown_recovery_codes(page: Page) -> list[str]:
    return page.get_by_label("Unused codes").input_value().split()


def add_passkey(page: Page, customer) -> None:
    page.goto(reverse("mfa_index"))
    page.get_by_role("link", name="Add", exact=True).click()
    confirm_password(page, customer)
    # Only a "passwordless" key is stored on the device, so that it can sign in alone.
    passkey_box = page.get_by_label("Use it to sign in without a password (passkey)")
    assert passkey_box.is_checked()  # a passkey unless the person says otherwise
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Security key added.")).to_be_visible()


# --- Authenticator app and recovery codes ------------------------------------------------


def test_enrolling_an_authenticator_app_then_signing_in_with_its_code(phone_page, customer):
    sign_in(phone_page, customer)
    expect_signed_in(phone_page, customer)

    app = enroll_authenticator_app(phone_page, customer)
    phone_page.get_by_label("I have saved my recovery codes").check()
    phone_page.get_by_role("link", name="Back to two-factor authentication").click()
    two_factor_on = phone_page.get_by_text("Authentication using an authenticator app is active.")
    expect(two_factor_on).to_be_visible()
    sign_out(phone_page)
    sign_in(phone_page, customer)

    expect(phone_page).to_have_url(at(reverse("mfa_authenticate")))
    phone_page.get_by_label("Code", exact=True).fill(code_from(app))
    phone_page.get_by_role("button", name="Sign In", exact=True).click()
    expect_signed_in(phone_page, customer)
    assert Authenticator.objects.filter(user=customer.user, type=Authenticator.Type.TOTP).exists()


def test_recovery_codes_can_be_downloaded_the_one_time_they_are_shown(
    phone_page, customer, tmp_path
):
    sign_in(phone_page, customer)
    enroll_authenticator_app(phone_page, customer)
    shown = shown_recovery_codes(phone_page)

    with phone_page.expect_download() as download:
        phone_page.get_by_role("link", name="Download codes").click()
    download.value.save_as(tmp_path / download.value.suggested_filename)

    saved = (tmp_path / "recovery-codes.txt").read_text()
    assert len(shown) == 10
    assert re.findall(r"^\d{8}$", saved, re.MULTILINE) == shown
    phone_page.get_by_label("I have saved my recovery codes").check()
    phone_page.goto(reverse("mfa_view_recovery_codes"))
    expect(phone_page.get_by_label("Unused codes")).to_have_count(0)
    expect(phone_page.get_by_role("link", name="Download codes")).to_have_count(0)


def test_a_downloaded_recovery_code_signs_in_instead_of_the_app(phone_page, customer):
    sign_in(phone_page, customer)
    enroll_authenticator_app(phone_page, customer)
    first_code = shown_recovery_codes(phone_page)[0]
    phone_page.get_by_label("I have saved my recovery codes").check()
    sign_out(phone_page)

    sign_in(phone_page, customer)
    phone_page.get_by_label("Code", exact=True).fill(first_code)
    phone_page.get_by_role("button", name="Sign In", exact=True).click()

    expect_signed_in(phone_page, customer)
    phone_page.goto(reverse("mfa_index"))
    expect(phone_page.get_by_text("There are 9 out of 10 recovery codes")).to_be_visible()


# --- Passkeys ---------------------------------------------------------------------------


def test_adding_a_passkey_then_signing_in_with_it_alone(
    phone_page, customer, virtual_authenticator, origin_checked
):
    sign_in(phone_page, customer)

    add_passkey(phone_page, customer)
    [credential] = virtual_authenticator.credentials()
    assert credential["isResidentCredential"]
    assert credential["rpId"] == "localhost"
    assert credential["userName"] == customer.email
    passkey = Authenticator.objects.get(user=customer.user, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().is_passwordless
    # Adding the first passkey also makes recovery codes, shown once, here.
    assert len(shown_recovery_codes(phone_page)) == 10
    phone_page.get_by_label("I have saved my recovery codes").check()
    sign_out(phone_page)

    phone_page.goto(reverse("account_login"))
    phone_page.get_by_role("button", name="Sign in with a passkey").click()

    expect_signed_in(phone_page, customer)
    assert virtual_authenticator.credentials()[0]["signCount"] > credential["signCount"]


def test_a_passkey_answers_the_second_step_after_the_password(
    phone_page, customer, virtual_authenticator, origin_checked
):
    sign_in(phone_page, customer)
    add_passkey(phone_page, customer)
    phone_page.get_by_label("I have saved my recovery codes").check()
    sign_out(phone_page)

    sign_in(phone_page, customer)
    expect(phone_page).to_have_url(at(reverse("mfa_authenticate")))
    phone_page.get_by_role("button", name="Use a security key").click()

    expect_signed_in(phone_page, customer)
