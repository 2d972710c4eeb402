"""
The code typed to turn on an authenticator app is used once (ASVS 5.0 V6.5.1): someone who
watched it typed cannot sign in with it in the rest of its 30-second window.
pyotp plays the customer's authenticator app; the clock stands still inside one window.
"""

import datetime as dt
import re
from http import HTTPStatus

import pyotp
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
SECRET = re.compile(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"')


@pytest.fixture
def person(make_customer):
    return make_customer("carol@example.com", PASSWORD)


@pytest.fixture
def start_of_a_window():
    """The first second of a 30-second TOTP window, with the clock stopped there."""
    now = timezone.now()
    start = now.replace(second=0 if now.second < 30 else 30, microsecond=0) + dt.timedelta(
        seconds=1
    )
    with time_machine.travel(start, tick=False) as clock:
        yield clock


def sign_in(client):
    return client.post(
        reverse("account_login"), {"login": "carol@example.com", "password": PASSWORD}
    )


def turn_on_the_app(client) -> tuple[pyotp.TOTP, str]:
    """Sign in, read the key, type the current code. Returns the app and the code typed."""
    sign_in(client)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    app = pyotp.TOTP(SECRET.search(page).group(1))
    code = app.now()
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    client.post(reverse("account_logout"))
    return app, code


def signed_in(client):
    return "_auth_user_id" in client.session


def test_the_code_that_turned_on_the_app_cannot_sign_in_again(client, person, start_of_a_window):
    _, code = turn_on_the_app(client)

    sign_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert not signed_in(client)
    assert "Incorrect code" in response.content.decode()


def test_the_next_code_after_turning_on_the_app_signs_in(client, person, start_of_a_window):
    app, _ = turn_on_the_app(client)

    start_of_a_window.shift(dt.timedelta(seconds=30))
    sign_in(client)
    client.post(reverse("mfa_authenticate"), {"code": app.now()})

    assert signed_in(client)
