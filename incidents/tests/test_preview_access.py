"""
The preview shows an incident before it is published: what the admin requires (staff, a
session that passed its second factor, the incident permission) and nothing less.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

TITLE = "Embargoed: payroll files copied"


@pytest.fixture
def preview(make_incident):
    make_incident(slug="soon", title=TITLE, is_published=False)
    return reverse("incidents:incident-preview", args=["soon"])


@pytest.fixture
def make_staff(make_person):
    def make(*, group=None, factor=True):
        return make_person("staff@example.com", staff=True, factor=factor, group=group)

    return make


def test_a_password_only_staff_session_is_asked_for_the_second_factor(client, make_staff, preview):
    sign_in(client, make_staff(group="Comms team"), "password")

    response = client.get(preview)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert TITLE not in response.content.decode()


def test_staff_without_a_second_factor_see_no_preview(client, make_staff, preview):
    sign_in(client, make_staff(group="Comms team", factor=False), "password")

    response = client.get(preview)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert TITLE not in response.content.decode()


def test_support_agents_cannot_preview_incidents(client, make_staff, preview):
    sign_in(client, make_staff(group="Support agents"), "password", "mfa")

    response = client.get(preview)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert TITLE not in response.content.decode()


def test_customers_cannot_preview_incidents(client, make_customer, preview):
    sign_in(client, make_customer("carol@example.com", None), "password")

    response = client.get(preview)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert TITLE not in response.content.decode()


def test_the_comms_team_previews_with_both_factors(client, make_staff, preview):
    sign_in(client, make_staff(group="Comms team"), "password", "mfa")

    response = client.get(preview)

    assert response.status_code == HTTPStatus.OK
    assert TITLE in response.content.decode()
