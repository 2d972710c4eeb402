"""
The private link of a question asked without an account opens the whole conversation:
only its hash is stored, and once the acknowledgement carrying it is sent (or given
up), no row in the database holds it readable.
"""

import hashlib

import pytest
from django.apps import apps

from notifications.models import Notification
from notifications.services.outbox import notifications_send_due
from support import selectors

pytestmark = pytest.mark.django_db


def database_text() -> str:
    """Every value of every row of every table, as one string to search."""
    return "\n".join(
        str(row) for model in apps.get_models() for row in model._base_manager.values_list()
    )


def test_the_ticket_keeps_only_a_sha256_of_its_private_token(make_ticket):
    asked = make_ticket(email="anon@example.com")

    assert asked.ticket.access_token_hash == hashlib.sha256(asked.token.encode()).hexdigest()
    assert selectors.ticket_get_by_token(token=asked.token) == asked.ticket


def test_the_private_token_is_nowhere_in_the_database_once_its_email_is_sent(
    make_ticket, mailoutbox
):
    asked = make_ticket(email="anon@example.com")

    notifications_send_due()

    assert asked.token in mailoutbox[0].body  # the asker got the link
    assert Notification.objects.get().status == Notification.Status.SENT
    assert asked.token not in database_text()


def test_the_private_token_is_nowhere_in_the_database_once_its_email_is_given_up(
    make_ticket, settings
):
    asked = make_ticket(email="anon@example.com")
    Notification.objects.update(attempts=99)  # the last try
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 9  # nothing listens here

    notifications_send_due()

    assert Notification.objects.get().status == Notification.Status.FAILED
    assert asked.token not in database_text()
