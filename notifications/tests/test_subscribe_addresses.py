"""The subscription form's address: one mailbox is one target for the per-address limit."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import Subscription

pytestmark = pytest.mark.django_db

SUBSCRIBE = reverse("notifications:subscribe")


def subscribe(client, email):
    return client.post(SUBSCRIBE, {"email": email})


@pytest.mark.parametrize(
    "typed", ['"victim"@example.org', '"\\victim"@example.org', "victim@[192.0.2.1]"]
)
def test_quoted_or_literal_addresses_are_refused_with_a_plain_example(client, typed):
    response = subscribe(client, typed)

    assert response.status_code == HTTPStatus.OK
    assert "Please type a plain email address, like name@example.com" in response.content.decode()
    assert not Subscription.objects.exists()


def test_one_mailbox_in_any_case_or_spacing_counts_as_one_address(db):
    typed = [
        "victim@example.org",
        "Victim@Example.org",
        " VICTIM@EXAMPLE.ORG ",
        "victim@EXAMPLE.org ",
    ]
    # From four machines: only the per-address limit can stop the fourth.
    responses = [
        subscribe(Client(REMOTE_ADDR=f"198.51.100.{n}"), address)
        for n, address in enumerate(typed)
    ]

    assert [r.status_code for r in responses[:3]] == [HTTPStatus.FOUND] * 3
    assert responses[3].status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_refused_addresses_do_not_use_up_the_mailboxs_limit(db):
    for n in range(3):
        subscribe(Client(REMOTE_ADDR=f"198.51.100.{n}"), f'"victim{n}"@example.org')

    response = subscribe(Client(REMOTE_ADDR="198.51.100.9"), "victim@example.org")

    assert response.status_code == HTTPStatus.FOUND
