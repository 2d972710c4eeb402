"""
Sign-up must not tell, by how long it takes, whether an address already has an account
(ASVS 5.0 V6.3.8). The page already looks the same either way; but allauth skips creating
the user, and so hashing the password, for a taken address: that answered three times
faster. Requests alternate between a taken address and new ones, with the real password
hasher, and the median times must be within 20% of each other.
"""

import statistics
import time

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, make_password
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.real_password_hashing]

PASSWORD = "correct-horse-battery-staple"
ROUNDS = 20


@pytest.fixture
def taken_addresses(django_user_model):
    """Addresses with an account each (one hash for all: only sign-up is timed). Each
    is tried once, as a script would: allauth allows one email per address per 10 s."""
    password = make_password(PASSWORD)
    users = [
        django_user_model(email=f"taken-{n}@example.com", password=password)
        for n in range(ROUNDS + 1)
    ]
    django_user_model.objects.bulk_create(users)
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True)
        for user in django_user_model.objects.all()
    )
    return [user.email for user in users]


@pytest.fixture(autouse=True)
def signup_not_rate_limited(settings):
    # The per-IP limit would stop a 40-request test (and an attacker) at 20 a minute;
    # timing is what is measured here, not the limit.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": False}


def seconds_to_sign_up(email: str) -> float:
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    client = Client()  # a new visitor each time, as a script would be
    start = time.perf_counter()
    response = client.post(reverse("account_signup"), data)
    elapsed = time.perf_counter() - start
    assert response.url == reverse("account_email_verification_sent")
    return elapsed


def test_signing_up_with_a_taken_address_takes_as_long_as_with_a_new_one(taken_addresses):
    assert "MD5" not in type(get_hasher()).__name__, settings.PASSWORD_HASHERS  # the real cost
    seconds_to_sign_up(taken_addresses.pop()), seconds_to_sign_up("warm-up@example.com")

    taken, new = [], []
    for n in range(ROUNDS):
        taken.append(seconds_to_sign_up(taken_addresses[n]))
        new.append(seconds_to_sign_up(f"new-{n}@example.com"))

    slower, faster = sorted([statistics.median(taken), statistics.median(new)], reverse=True)
    assert slower <= 1.2 * faster, (
        f"taken {statistics.median(taken):.3f}s, new {statistics.median(new):.3f}s"
    )
