"""
Two-factor authentication, the forced new password, sessions and the checklist,
through the real allauth views. pyotp plays the customer's authenticator app.
"""

import datetime as dt
import html
import io
import re
import time
from http import HTTPStatus
from urllib.parse import urlsplit

import pyotp
import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.models import ImportBatch
from incidents.services import imports

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "a-brand-new-passphrase-for-after"
SECRET = re.compile(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"')


@pytest.fixture
def make_person(django_user_model):
    def make(email="carol@example.com", *, staff=False):
        user = django_user_model.objects.create_user(email, PASSWORD, is_staff=staff)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return make


@pytest.fixture
def person(make_person):
    return make_person()


@pytest.fixture
def exposed(incident):
    """Put an address on the incident's affected list with its password hash exposed."""

    def expose(email):
        content = f"email,categories,tier,remedy_code\r\n{email},password-hash,standard,\r\n"
        batch = ImportBatch.objects.create(incident=incident, original_name="list.csv")
        imports.import_batch_run(batch=batch, source=io.BytesIO(content.encode()))

    return expose


def sign_in(client, email="carol@example.com", password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def enroll_totp(client, password=PASSWORD) -> pyotp.TOTP:
    """Turn on the authenticator app as a person would: read the secret, type a code."""
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == HTTPStatus.FOUND:  # a sensitive step: confirm it is you
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        client.post(response["Location"], {"password": password})
        response = client.get(reverse("mfa_activate_totp"))
    page = response.content.decode()
    app = pyotp.TOTP(SECRET.search(page).group(1))
    response = client.post(reverse("mfa_activate_totp"), {"code": fresh_code(app)})
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    return app


def fresh_code(app: pyotp.TOTP) -> str:
    """A code with a few seconds of its 30-second window left, as a person would type it."""
    if app.interval - time.time() % app.interval < 3:
        time.sleep(3)
    return app.now()


def next_window():
    """Thirty seconds on: the authenticator shows a new code."""
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=30), tick=False)


def signed_in(client):
    return "_auth_user_id" in client.session


# --- Two-factor authentication ---------------------------------------------------------


def test_someone_on_a_phone_can_open_the_authenticator_app_from_a_link(client, person):
    sign_in(client)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    page = client.get(reverse("mfa_activate_totp")).content.decode()

    secret = SECRET.search(page).group(1)
    link = re.search(r'href="(otpauth://totp/[^"]+)"', page).group(1)
    assert pyotp.parse_uri(html.unescape(link)).secret == secret  # the same account as the QR


def test_turning_on_two_factor_asks_for_the_password_again(client, person):
    sign_in(client)

    response = client.get(reverse("mfa_activate_totp"))

    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_the_activation_page_shows_a_qr_code_and_the_key_as_text(client, person):
    sign_in(client)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    page = client.get(reverse("mfa_activate_totp")).content.decode()

    assert SECRET.search(page)
    assert 'src="data:image/svg+xml' in page


def test_enrolling_an_authenticator_app_with_its_code(client, person):
    sign_in(client)

    enroll_totp(client)

    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()


def test_a_wrong_code_does_not_enroll(client, person):
    sign_in(client)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))

    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})

    assert "Incorrect code" in response.content.decode()
    assert not Authenticator.objects.filter(user=person).exists()


def test_sign_in_then_asks_for_the_code(client, person):
    sign_in(client)
    app = enroll_totp(client)
    client.post(reverse("account_logout"))

    response = sign_in(client)

    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)
    with next_window():
        client.post(reverse("mfa_authenticate"), {"code": app.now()})
        assert signed_in(client)


@pytest.mark.parametrize("redis", ["up", "down"])
def test_a_used_code_cannot_be_replayed(client, person, redis, request):
    if redis == "down":  # the used code is remembered in this process's memory meanwhile
        request.getfixturevalue("redis_down")
    sign_in(client)
    app = enroll_totp(client)
    client.post(reverse("account_logout"))
    with next_window():
        code = app.now()
        sign_in(client)
        client.post(reverse("mfa_authenticate"), {"code": code})
        client.post(reverse("account_logout"))

        other = Client()
        sign_in(other)
        response = other.post(reverse("mfa_authenticate"), {"code": code})

    assert not signed_in(other)
    assert "Incorrect code" in response.content.decode()


def test_a_code_from_the_previous_window_is_refused(client, person):
    sign_in(client)
    app = enroll_totp(client)
    client.post(reverse("account_logout"))
    old = app.at(timezone.now() - dt.timedelta(seconds=30))

    sign_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": old})

    assert not signed_in(client)
    assert "Incorrect code" in response.content.decode()


def test_guessing_codes_is_rate_limited(client, person):
    sign_in(client)
    enroll_totp(client)
    client.post(reverse("account_logout"))
    sign_in(client)

    responses = [client.post(reverse("mfa_authenticate"), {"code": "123456"}) for _ in range(8)]

    assert "Too many failed" in responses[-1].content.decode()


def test_recovery_codes_are_made_and_can_be_downloaded(client, person):
    sign_in(client)
    enroll_totp(client)

    download = client.get(reverse("mfa_download_recovery_codes"))

    assert download["Content-Disposition"].startswith("attachment")
    assert len(re.findall(r"^\d{8}$", download.content.decode(), re.MULTILINE)) == 10


def test_a_recovery_code_signs_in_once(client, person):
    sign_in(client)
    enroll_totp(client)
    code = re.findall(
        r"\d{8}", client.get(reverse("mfa_download_recovery_codes")).content.decode()
    )[0]
    client.post(reverse("account_logout"))

    sign_in(client)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert signed_in(client)
    client.post(reverse("account_logout"))

    sign_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert not signed_in(client)
    assert "Incorrect code" in response.content.decode()


def test_turning_off_two_factor_asks_to_sign_in_again(client, person):
    sign_in(client)
    enroll_totp(client)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        response = client.get(reverse("mfa_deactivate_totp"))

    assert response.status_code == HTTPStatus.FOUND
    assert "reauthenticate" in response["Location"]


def test_a_password_reset_never_skips_the_second_factor(client, person, smtp_sink):
    sign_in(client)
    enroll_totp(client)
    client.post(reverse("account_logout"))
    client.post(reverse("account_reset_password"), {"email": person.email})
    link = re.search(r"https?://\S+", smtp_sink.text(smtp_sink.last_to(person.email))).group(0)
    form_url = client.get(urlsplit(link).path)["Location"]

    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not signed_in(client)
    response = sign_in(client, password=NEW_PASSWORD)

    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)


# --- The forced new password ----------------------------------------------------------


def test_an_exposed_password_must_be_changed_before_anything_else(client, person, exposed):
    exposed(person.email)

    response = sign_in(client)
    assert signed_in(client)

    for url in [
        reverse("accounts:me"),
        reverse("support:ticket-list"),
        reverse("accounts:me-security"),
    ]:
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND, url
        assert urlsplit(response["Location"]).path == reverse("account_change_password"), url


def test_public_pages_stay_open_while_a_new_password_is_due(client, person, exposed):
    exposed(person.email)
    sign_in(client)

    assert client.get(reverse("home")).status_code == HTTPStatus.OK


def test_the_exposed_password_cannot_be_chosen_again(client, person, exposed):
    exposed(person.email)
    sign_in(client)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": PASSWORD, "password2": PASSWORD},
    )

    assert "This is the password that was exposed" in response.content.decode()


def test_a_weak_new_password_is_refused_with_the_reason(client, person, exposed):
    exposed(person.email)
    sign_in(client)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "short-one", "password2": "short-one"},
    )

    assert "at least 15 characters" in response.content.decode()


def test_a_long_passphrase_without_symbols_is_accepted(client, person, exposed):
    exposed(person.email)
    sign_in(client)
    passphrase = "the quick brown fox jumps over the lazy dog again and again and again"

    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": passphrase, "password2": passphrase},
    )

    person.refresh_from_db()
    assert len(passphrase) > 64
    assert person.check_password(passphrase)


def test_setting_the_new_password_lets_the_person_in_and_ends_other_sessions(
    client, person, exposed
):
    exposed(person.email)
    laptop = Client()
    sign_in(laptop)
    sign_in(client)

    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    person.refresh_from_db()
    assert not person.must_change_password
    assert person.password_changed_at is not None
    assert client.get(reverse("accounts:me")).status_code == HTTPStatus.OK
    assert laptop.get(reverse("accounts:me")).status_code == HTTPStatus.FOUND
    assert not signed_in(laptop)


def test_a_password_changed_after_the_breach_is_not_asked_again(client, person, exposed, incident):
    exposed(person.email)
    person.password_changed_at = incident.created_at + dt.timedelta(hours=1)
    person.save()

    sign_in(client)

    assert client.get(reverse("accounts:me")).status_code == HTTPStatus.OK


def test_staff_can_ask_people_for_a_new_password(staff_client, person):
    staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "force_password_change", "_selected_action": [person.pk]},
    )

    person.refresh_from_db()
    assert person.must_change_password


def test_a_password_staff_set_must_be_replaced_by_its_owner_at_sign_in(staff_client, person):
    staff_client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    owner = Client()
    sign_in(owner, password=NEW_PASSWORD)
    page = owner.get(reverse("accounts:me"))

    assert page.status_code == HTTPStatus.FOUND
    assert page["Location"].startswith(reverse("account_change_password"))


# --- Staff and the admin --------------------------------------------------------------


def test_the_admin_signs_in_through_allauth(client):
    response = client.get(reverse("admin:login") + "?next=/admin/")

    assert response["Location"].startswith(reverse("account_login"))


def test_staff_without_two_factor_cannot_use_the_admin_with_a_password(client, make_person):
    make_person("agent@example.com", staff=True)
    sign_in(client, "agent@example.com")

    response = client.get(reverse("admin:index"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Set up two-factor authentication" in response.content.decode()
    assert not signed_in(client)


def test_staff_who_signed_in_by_emailed_code_are_sent_to_enroll(client, make_person, smtp_sink):
    make_person("agent@example.com", staff=True)
    client.post(reverse("account_request_login_code"), {"email": "agent@example.com"})
    code = re.search(
        r"^([B-Z]{4}-[B-Z]{4})$", smtp_sink.text(smtp_sink.last_to("agent@example.com")), re.M
    )
    client.post(reverse("account_confirm_login_code"), {"code": code.group(1)})

    response = client.get(reverse("admin:index"))

    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_with_two_factor_reach_the_admin(client, make_person):
    agent = make_person("agent@example.com", staff=True)
    app = pyotp.TOTP(pyotp.random_base32())
    TOTP.activate(agent, app.secret)

    sign_in(client, "agent@example.com")
    client.post(reverse("mfa_authenticate"), {"code": app.now()})

    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK


# --- The checklist --------------------------------------------------------------------


def steps(client):
    page = client.get(reverse("accounts:me-security")).content.decode()
    return {
        key: state
        for state, key in re.findall(r'class="step step--(\w+)" id="step-([\w-]+)"', page)
    }


def test_the_checklist_starts_with_what_is_not_done(client, person):
    sign_in(client)

    state = steps(client)

    assert state["verify-email"] == "done"
    assert state["two-factor"] == "todo"
    assert state["recovery-codes"] == "todo"
    assert state["phishing"] == "todo"
    assert "remedy" not in state  # no remedy code: no such step


def test_the_checklist_marks_two_factor_and_recovery_codes_done_when_they_are(client, person):
    sign_in(client)
    enroll_totp(client)

    state = steps(client)

    assert state["two-factor"] == "done"
    assert state["recovery-codes"] == "done"


def test_reading_the_phishing_guide_completes_its_step(client, person):
    sign_in(client)

    client.get(reverse("accounts:phishing-guide"))

    assert steps(client)["phishing"] == "done"


def test_signing_out_other_sessions_updates_the_checklist_in_place(client, person):
    sign_in(Client())
    sign_in(client)
    assert steps(client)["sessions"] == "todo"

    response = client.post(
        reverse("accounts:me-security"), {"action": "end-other-sessions"}, HTTP_HX_REQUEST="true"
    )

    fragment = response.content.decode()
    assert "<html" not in fragment
    assert 'class="step step--done" id="step-sessions"' in fragment
    assert "of 6 done" in fragment


def test_signing_out_other_sessions_works_without_javascript(client, person):
    laptop = Client()
    sign_in(laptop)
    sign_in(client)

    response = client.post(reverse("accounts:me-security"), {"action": "end-other-sessions"})

    assert response.status_code == HTTPStatus.FOUND
    assert laptop.get(reverse("accounts:me")).status_code == HTTPStatus.FOUND


def test_the_password_step_is_required_for_an_exposed_password(client, person, exposed):
    exposed(person.email)
    sign_in(client)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert steps(client)["new-password"] == "done"


def test_the_remedy_step_appears_for_people_with_a_code(client, person, incident):
    content = (
        f"email,categories,tier,remedy_code\r\n{person.email},password-hash,priority,CM-1\r\n"
    )
    batch = ImportBatch.objects.create(incident=incident, original_name="list.csv")
    imports.import_batch_run(batch=batch, source=io.BytesIO(content.encode()))
    person.password_changed_at = timezone.now()
    person.save()
    sign_in(client)
    assert steps(client)["remedy"] == "todo"

    client.get(reverse("accounts:me"))  # the code is shown there

    # Seeing the code is not enrolling: the step is not done, and its words say so.
    page = client.get(reverse("accounts:me-security")).content.decode()
    assert steps(client)["remedy"] == "todo"
    assert "Enroll on the provider&#x27;s site with it, then tell us here." in page

    client.post(reverse("accounts:me-security"), {"action": "remedy-enrolled"})

    page = client.get(reverse("accounts:me-security")).content.decode()
    assert steps(client)["remedy"] == "done"
    assert "You told us you enrolled with your code." in page
    assert "is waiting for you" not in page


def test_recovery_codes_before_two_factor_say_what_comes_first(client, person):
    sign_in(client)

    page = client.get(reverse("accounts:me-security")).content.decode()
    step = page[page.index('id="step-recovery-codes"') :].split("</li>")[0]

    # No link to a page that would answer "Page not found" before there are codes.
    assert reverse("mfa_view_recovery_codes") not in step
    assert "turn that on first" in step
    enroll_totp(client)
    assert steps(client)["recovery-codes"] == "done"  # allauth made them with the app


def test_the_sessions_list_names_the_browser_and_system(client, person):
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
    )
    sign_in(Client(HTTP_USER_AGENT=iphone))
    client.defaults["HTTP_USER_AGENT"] = firefox
    sign_in(client)

    page = client.get(reverse("usersessions_list")).content.decode()

    assert "Firefox 121 on Windows 10" in page
    assert "Mobile Safari 17 on iOS 17" in page
    assert "This device" in page
    assert ">Mozilla/5.0" not in page  # the raw string only as a tooltip


def test_the_sessions_list_knows_when_each_session_was_last_seen_to_the_minute(client, person):
    from allauth.usersessions.models import UserSession

    start_of_a_minute = timezone.now().replace(second=5, microsecond=0)
    with time_machine.travel(start_of_a_minute, tick=False) as clock:
        sign_in(client)
        client.get(reverse("accounts:me"))
        first_seen = UserSession.objects.get(user=person).last_seen_at

        clock.shift(dt.timedelta(seconds=20))
        client.get(reverse("accounts:me"))
        within_the_minute = UserSession.objects.get(user=person).last_seen_at

        clock.shift(dt.timedelta(minutes=2))
        client.get(reverse("accounts:me"))
        later = UserSession.objects.get(user=person).last_seen_at

    assert within_the_minute == first_seen  # not written on every page
    assert later - first_seen >= dt.timedelta(minutes=2)
