"""The question form's address: one mailbox is one target for the per-address limit."""

from http import HTTPStatus

import pytest
from django.test import Client

from support.models import Ticket

pytestmark = pytest.mark.django_db

VARIANTS = ['"victim"@example.org', '"\\victim"@example.org', "victim@[192.0.2.1]"]


def page(response):
    return response.content.decode()


@pytest.mark.parametrize("typed", VARIANTS)
def test_quoted_or_literal_addresses_are_refused_with_a_plain_example(client, ask, typed):
    response = ask(client, email=typed)

    assert response.status_code == HTTPStatus.OK
    assert "Please type a plain email address, like name@example.com" in page(response)
    assert not Ticket.objects.exists()


def test_one_mailbox_in_any_case_or_spacing_counts_as_one_address(ask):
    typed = [
        "victim@example.org",
        "Victim@Example.org",
        " VICTIM@EXAMPLE.ORG ",
        "victim@EXAMPLE.org ",
    ]
    # From four machines: only the per-address limit can stop the fourth.
    responses = [
        ask(Client(REMOTE_ADDR=f"198.51.100.{n}"), email=address)
        for n, address in enumerate(typed)
    ]

    assert [r.status_code for r in responses[:3]] == [HTTPStatus.FOUND] * 3
    assert responses[3].status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert Ticket.objects.count() == 3


def test_the_typed_address_is_stored_as_the_mailbox_it_names(client, ask):
    ask(client, email="  Ann.Lee@Example.ORG ")

    assert Ticket.objects.get().requester_email == "ann.lee@example.org"
