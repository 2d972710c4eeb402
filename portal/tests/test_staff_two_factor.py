"""
A stolen staff password is not enough: not for the admin, not for the staff pages outside
it, not to enrol the thief's own authenticator. Sessions are built as allauth records
them (tests.helpers.sign_in): "password", "code" (emailed) and "mfa".
"""

from http import HTTPStatus

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from notifications.models import Campaign
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

REFUSAL = "Set up two-factor authentication"


def mfa_urls(resolver=None):
    """Every allauth.mfa page, found in the URLconf (a new one is covered without a list)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver) and not pattern.namespace:  # not the admin's
            yield from mfa_urls(pattern)
        elif isinstance(pattern, URLPattern) and (pattern.name or "").startswith("mfa_"):
            yield pattern.name


MFA_URLS = sorted(set(mfa_urls()))


def mfa_url(name):
    kwargs = {"pk": 1} if name in {"mfa_remove_webauthn", "mfa_edit_webauthn"} else {}
    return reverse(name, kwargs=kwargs)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff(make_person):
    return make_person("agent@example.com", staff=True)


def test_the_enrolment_pages_are_found_in_the_urlconf():
    assert {"mfa_activate_totp", "mfa_add_webauthn", "mfa_generate_recovery_codes"} <= set(
        MFA_URLS
    )


@pytest.mark.parametrize("name", MFA_URLS)
def test_staff_signed_in_with_a_password_only_cannot_open_any_two_factor_page(client, staff, name):
    sign_in(client, staff, "password")

    response = client.get(mfa_url(name))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert REFUSAL in response.content.decode()
    assert not signed_in(client)


def test_a_stolen_staff_password_cannot_enrol_an_authenticator_app(client, staff):
    sign_in(client, staff, "password")

    response = client.post(reverse("mfa_activate_totp"), {"code": "123456"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Authenticator.objects.filter(user=staff).exists()


def test_a_stolen_staff_password_cannot_change_the_email_address(client, staff):
    # A new address would receive the emailed sign-in code that allows enrolling.
    sign_in(client, staff, "password")

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "thief@example.net"}
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not EmailAddress.objects.filter(email="thief@example.net").exists()


def test_staff_signed_in_by_emailed_code_can_enrol(client, staff):
    sign_in(client, staff, "code")

    assert client.get(reverse("mfa_activate_totp")).status_code == HTTPStatus.OK


def test_customers_enrol_after_a_password_sign_in(client, make_person):
    sign_in(client, make_person("carol@example.com"), "password")

    assert client.get(reverse("mfa_activate_totp")).status_code == HTTPStatus.OK


def test_staff_with_a_factor_manage_their_factors(client, make_person):
    sign_in(client, make_person("ann@example.com", staff=True, factor=True), "password", "mfa")

    assert client.get(reverse("mfa_index")).status_code == HTTPStatus.OK


def test_staff_whose_session_skipped_the_second_factor_are_asked_for_it(client, make_person):
    sign_in(client, make_person("ann@example.com", staff=True, factor=True), "password")

    response = client.get(reverse("admin:index"))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('mfa_reauthenticate')}?next=%2Fadmin%2F"


# --- The recovery funnel (outside the admin's URL namespace) ---------------------------


def funnel(incident):
    return reverse("admin-funnel", args=[incident.slug])


def test_the_funnel_asks_a_password_only_session_for_the_second_factor(
    client, make_person, incident
):
    comms = make_person("ann@example.com", staff=True, factor=True, group="Comms team")
    sign_in(client, comms, "password")

    response = client.get(funnel(incident))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_a_stolen_staff_password_opens_no_funnel(client, make_person, incident):
    sign_in(client, make_person("ann@example.com", staff=True, group="Comms team"), "password")

    assert client.get(funnel(incident)).status_code == HTTPStatus.FORBIDDEN


def test_a_password_only_session_creates_no_campaign(client, make_person, incident):
    comms = make_person("ann@example.com", staff=True, factor=True, group="Comms team")
    sign_in(client, comms, "password")

    client.post(funnel(incident))

    assert not Campaign.objects.exists()


def test_support_agents_neither_read_the_funnel_nor_create_its_campaign(
    client, make_person, incident
):
    agent = make_person("agent@example.com", staff=True, factor=True, group="Support agents")
    sign_in(client, agent, "password", "mfa")

    assert client.get(funnel(incident)).status_code == HTTPStatus.FORBIDDEN
    assert client.post(funnel(incident)).status_code == HTTPStatus.FORBIDDEN
    assert not Campaign.objects.exists()


def test_the_comms_team_reads_the_funnel_and_drafts_its_campaign(client, make_person, incident):
    comms = make_person("ann@example.com", staff=True, factor=True, group="Comms team")
    sign_in(client, comms, "password", "mfa")

    assert client.get(funnel(incident)).status_code == HTTPStatus.OK
    response = client.post(funnel(incident))

    campaign = Campaign.objects.get()
    assert response["Location"] == reverse(
        "admin:notifications_campaign_change", args=[campaign.pk]
    )


def test_a_customer_who_opens_the_admin_is_refused_without_a_redirect_loop(client, make_person):
    sign_in(client, make_person("carol@example.com"), "password")

    response = client.get(reverse("admin:index"), follow=True)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert signed_in(client)  # still signed in for their own pages


def test_staff_who_just_enrolled_type_their_code_once_and_reach_the_admin(client, staff):
    app = pyotp.TOTP(pyotp.random_base32())
    sign_in(client, staff, "code")
    TOTP.activate(staff, app.secret)  # as the enrolment page does

    asked = client.get(reverse("admin:index"))
    answered = client.post(asked["Location"], {"code": app.now()})

    assert answered["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK
