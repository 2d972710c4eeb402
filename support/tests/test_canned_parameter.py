"""The canned-response box answers a malformed or unknown choice plainly, never with a 500."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from support.models import CannedResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def canned_url(ticket):
    return reverse("admin:support_ticket_canned", args=[ticket.pk])


@pytest.mark.parametrize("value", ["abc", "1.5", "-", "9" * 40, "\x00"])
def test_a_malformed_choice_is_a_bad_request(agent_client, canned_url, value):
    response = agent_client.get(canned_url, {"canned": value})

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_an_unknown_choice_is_a_bad_request(agent_client, canned_url):
    assert agent_client.get(canned_url, {"canned": 987654}).status_code == HTTPStatus.BAD_REQUEST


def test_a_retired_response_is_not_filled_in(agent_client, canned_url):
    retired = CannedResponse.objects.create(title="Old", body="Old words.", is_active=False)

    response = agent_client.get(canned_url, {"canned": retired.pk})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Old words." not in response.content.decode()
