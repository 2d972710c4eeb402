"""
Pre-hijacked accounts (USENIX Security 2022, "Pre-hijacked accounts"): someone signs up
with another person's address and a password of their own, and waits. When the owner
later proves the address (a code sent to it, or a reset link), what was set up before
that proof, by someone else, must not survive. Two browsers: the attacker's and the
owner's; codes and links read from the mail the owner receives.
"""

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from .conftest import PASSWORD
from .test_auth import (
    NEW_PASSWORD,
    code_in,
    link_in,
    request_login_code,
    request_password_reset,
    sign_in,
    sign_up,
    signed_in,
)

VICTIM = "victim@example.com"
# Words of the notice the owner receives; the rest may be reworded.
NOTICE = "Someone had started an account with your address"

pytestmark = pytest.mark.django_db


@pytest.fixture
def attacker():
    return Client()


@pytest.fixture
def owner():
    return Client()


def later(minutes):
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=True)


def sign_in_with_emailed_code(client, sink, address=VICTIM):
    request_login_code(client, address)
    return client.post(reverse("account_confirm_login_code"), {"code": code_in(sink, address)})


def notices(sink, address=VICTIM):
    return [m for m in sink.sent_to(address) if NOTICE in sink.text(m)]


def attackers_second_factor(django_user_model):
    """
    An authenticator app added before the address was proven. Mandatory verification
    gives an attacker no page to add one; this stands for any way found later.
    """
    user = django_user_model.objects.get(email=VICTIM)
    return TOTP.activate(user, generate_totp_secret()).instance


def test_attackers_password_stops_working_once_the_owner_signs_in_by_code(
    attacker, owner, smtp_sink
):
    sign_up(attacker, VICTIM)

    response = sign_in_with_emailed_code(owner, smtp_sink)

    assert response.url == reverse("accounts:me")
    assert owner.get(reverse("accounts:me")).status_code == HTTPStatus.OK
    elsewhere = Client()
    sign_in(elsewhere, VICTIM, PASSWORD)
    assert not signed_in(elsewhere)


def test_owner_is_told_and_can_set_their_own_password(attacker, owner, smtp_sink):
    sign_up(attacker, VICTIM)

    sign_in_with_emailed_code(owner, smtp_sink)

    [notice] = notices(smtp_sink)
    assert "set your own password" in smtp_sink.text(notice).lower()
    response = owner.post(
        reverse("account_set_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    owner.post(reverse("account_logout"))
    sign_in(owner, VICTIM, NEW_PASSWORD)
    assert signed_in(owner)


def test_second_factor_set_before_the_proof_is_removed(
    attacker, owner, smtp_sink, django_user_model
):
    sign_up(attacker, VICTIM)
    factor = attackers_second_factor(django_user_model)

    response = sign_in_with_emailed_code(owner, smtp_sink)

    # Not asked for the attacker's authenticator code: signed in straight away.
    assert response.url == reverse("accounts:me")
    assert not Authenticator.objects.filter(pk=factor.pk).exists()


def test_attackers_waiting_browser_gets_nothing_once_the_owner_proves_the_address(
    attacker, owner, smtp_sink
):
    sign_up(attacker, VICTIM)  # and keeps this browser open, waiting

    sign_in_with_emailed_code(owner, smtp_sink)

    assert attacker.get(reverse("accounts:me")).status_code == HTTPStatus.FOUND
    # Past the waiting sign-up's 15 minutes, the same browser tries the password.
    with later(minutes=16):
        sign_in(attacker, VICTIM, PASSWORD)
        assert not signed_in(attacker)
        assert attacker.get(reverse("accounts:me")).status_code == HTTPStatus.FOUND


def test_a_browser_signed_in_before_the_proof_is_signed_out(
    attacker, owner, smtp_sink, django_user_model
):
    sign_up(attacker, VICTIM)
    # Mandatory verification never signs the attacker in; this stands for any way found later.
    attacker.force_login(django_user_model.objects.get(email=VICTIM))
    attacker.get(reverse("accounts:me"))

    sign_in_with_emailed_code(owner, smtp_sink)

    assert attacker.get(reverse("accounts:me")).status_code == HTTPStatus.FOUND
    assert UserSession.objects.filter(user__email=VICTIM).count() == 1


def test_person_who_signs_up_and_types_the_code_in_the_same_browser_keeps_the_password(
    client, smtp_sink
):
    sign_up(client, VICTIM)

    client.post(reverse("account_email_verification_sent"), {"code": code_in(smtp_sink, VICTIM)})

    assert client.get(reverse("accounts:me")).status_code == HTTPStatus.OK
    assert not notices(smtp_sink)
    client.post(reverse("account_logout"))
    sign_in(client, VICTIM, PASSWORD)
    assert signed_in(client)


def test_person_who_signs_in_with_the_password_then_types_the_code_keeps_the_password(
    smtp_sink,
):
    # Signed up, closed the browser before the code came; back in a new one a while later
    # (allauth sends a new code only after a few minutes).
    sign_up(Client(), VICTIM)
    with later(minutes=5):
        back = Client()
        sign_in(back, VICTIM, PASSWORD)

        back.post(reverse("account_email_verification_sent"), {"code": code_in(smtp_sink, VICTIM)})

        assert signed_in(back)
        assert not notices(smtp_sink)
        assert back.get(reverse("accounts:me")).status_code == HTTPStatus.OK


def test_password_reset_by_the_owner_removes_what_the_attacker_set_and_tells_them(
    attacker, owner, smtp_sink, django_user_model
):
    sign_up(attacker, VICTIM)
    factor = attackers_second_factor(django_user_model)
    request_password_reset(owner, VICTIM)
    form_url = owner.get(link_in(smtp_sink, VICTIM)).url

    owner.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert not Authenticator.objects.filter(pk=factor.pk).exists()
    assert notices(smtp_sink)
    # The link proved the address: the new password signs in, with no second factor
    # nor code asked for.
    response = sign_in(owner, VICTIM, NEW_PASSWORD)
    assert response.url == reverse("accounts:me")
    sign_in(attacker, VICTIM, PASSWORD)
    assert not signed_in(attacker)
