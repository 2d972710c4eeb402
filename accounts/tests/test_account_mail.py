"""
allauth's emails (sign-in codes, reset links, security notices) go through the outbox:
an SMTP outage delays them instead of breaking sign-in, and the secrets in them do not
stay in the database or show in admin.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from notifications.services.outbox import notifications_send_due

from .test_auth import code_in, request_login_code, request_password_reset, signed_in

pytestmark = pytest.mark.django_db


def test_a_sign_in_code_asked_for_while_smtp_is_down_arrives_once_it_is_back(
    client, alice, smtp_sink, settings
):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens here
    response = request_login_code(client, "alice@example.com")
    notifications_send_due()  # the worker's first try fails: nothing listens

    assert response.status_code == 302  # on to "enter the code", not an error page
    waiting = Notification.objects.get(kind="account")
    assert waiting.status == Notification.Status.PENDING
    assert waiting.attempts == 1 and waiting.last_error

    settings.EMAIL_PORT = port
    Notification.objects.update(next_attempt_at=waiting.created_at)  # its retry is due
    client.post(
        reverse("account_confirm_login_code"), {"code": code_in(smtp_sink, "alice@example.com")}
    )

    assert signed_in(client)
    assert len(smtp_sink.sent_to("alice@example.com")) == 1


def test_a_sent_code_is_erased_from_the_outbox(client, alice, smtp_sink):
    request_login_code(client, "alice@example.com")
    code = code_in(smtp_sink, "alice@example.com")

    sent = Notification.objects.get(kind="account")
    assert sent.status == Notification.Status.SENT
    assert sent.to_email == "alice@example.com" and sent.subject  # who and what stay
    assert code not in sent.body_text + sent.body_html
    assert sent.body_text == sent.body_html == ""


def test_a_waiting_reset_link_is_not_shown_in_admin(alice, staff_client):
    request_password_reset(Client(), "alice@example.com")
    waiting = Notification.objects.get(kind="account")
    link = re.search(r"https?://\S+", waiting.body_text).group(0)

    page = staff_client.get(
        reverse("admin:notifications_notification_change", args=[waiting.pk])
    ).content.decode()

    assert "alice@example.com" in page
    assert link not in page and "/password/reset/key/" not in page


def test_a_code_that_expired_in_the_outbox_is_given_up_not_sent_late(
    client, alice, smtp_sink, settings
):
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=False) as traveller:
        request_login_code(client, "alice@example.com")
        traveller.shift(dt.timedelta(seconds=settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT + 1))
        notifications_send_due()

    given_up = Notification.objects.get(kind="account")
    assert given_up.status == Notification.Status.FAILED
    assert "expired" in given_up.last_error
    assert given_up.body_text == ""
    assert smtp_sink.sent_to("alice@example.com") == []
