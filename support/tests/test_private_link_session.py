"""
The private link we email to people who ask without an account. Its token must
not stay in the address bar, where access logs, the language switcher's `next=`
and shared screenshots would keep it: opening the link lets this browser read the
question and moves it to an address without the token.
"""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from support.models import Message, Ticket

pytestmark = pytest.mark.django_db


def page(response):
    return response.content.decode()


def private_link(token, language="en"):
    with translation.override(language):
        return reverse("support:ticket-private", args=[token])


@pytest.fixture
def asked(make_ticket):
    return make_ticket(email="ann@example.org", subject="Card charged twice?")


def test_private_link_moves_to_an_address_without_its_token(client, asked):
    response = client.get(private_link(asked.token))

    assert response.status_code == HTTPStatus.FOUND
    assert asked.token not in response.url
    assert response.url == asked.ticket.get_absolute_url()


def test_the_address_without_the_token_shows_the_conversation_to_that_browser(client, asked):
    clean = client.get(private_link(asked.token)).url

    response = client.get(clean)

    assert response.status_code == HTTPStatus.OK
    assert "Card charged twice?" in page(response)
    assert "I got your email and I am worried." in page(response)


def test_the_question_page_carries_the_token_in_no_link(client, asked):
    response = client.get(private_link(asked.token), follow=True)

    html = page(response)
    assert asked.token not in html
    switch = reverse("language-switch", args=["es"])
    assert switch in html  # the language switcher is there, without the token
    assert "/support/t/" not in html


def test_another_browser_at_the_address_without_the_token_sees_nothing(client, asked):
    clean = client.get(private_link(asked.token)).url

    response = Client().get(clean)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Card charged twice?" not in page(response)
    assert "open the link in the email" in page(response)


def test_a_signed_in_stranger_at_the_address_without_the_token_sees_nothing(
    client, asked, customer
):
    clean = client.get(private_link(asked.token)).url
    stranger = Client()
    stranger.force_login(customer)

    response = stranger.get(clean)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Card charged twice?" not in page(response)


def test_another_browser_cannot_reply_at_the_address_without_the_token(client, asked):
    clean = client.get(private_link(asked.token)).url

    response = Client().post(clean, {"action": "reply", "body": "Hijack"})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not Message.objects.filter(body="Hijack").exists()


def test_the_asker_replies_on_the_page_without_the_token(client, asked):
    clean = client.get(private_link(asked.token)).url

    response = client.post(clean, {"action": "reply", "body": "From my phone."})

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == clean
    assert asked.ticket.messages.last().body == "From my phone."


def test_the_asker_marks_it_resolved_on_the_page_without_the_token(client, asked):
    clean = client.get(private_link(asked.token)).url

    client.post(clean, {"action": "resolve"})

    assert Ticket.objects.get().is_resolved


def test_the_private_link_in_spanish_stays_in_spanish(client, asked):
    response = client.get(private_link(asked.token, "es"))

    assert response.url.startswith("/es/")
    assert asked.token not in response.url
    assert client.get(response.url).status_code == HTTPStatus.OK


def test_opening_the_private_link_gives_the_browser_a_new_session(client, asked):
    # A session someone else planted in this browser must not gain the question.
    session = client.session
    session["planted"] = True
    session.save()
    planted = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted

    client.get(private_link(asked.token))

    assert client.cookies[settings.SESSION_COOKIE_NAME].value != planted


def test_a_wrong_private_token_opens_nothing(client, asked):
    response = client.get(private_link("guessed-token"))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_one_browser_keeps_every_question_whose_link_it_opened(client, make_ticket):
    first = make_ticket(email="ann@example.org", subject="First question")
    second = make_ticket(email="ann@example.org", subject="Second question")

    client.get(private_link(first.token))
    client.get(private_link(second.token))

    assert "First question" in page(client.get(first.ticket.get_absolute_url()))
    assert "Second question" in page(client.get(second.ticket.get_absolute_url()))


def test_asking_without_an_account_opens_the_question_at_an_address_without_a_token(client, ask):
    response = ask(client, email="ann@example.org", subject="Card charged twice?", follow=True)

    ticket = Ticket.objects.get()
    assert response.redirect_chain == [(ticket.get_absolute_url(), HTTPStatus.FOUND)]
    assert "Card charged twice?" in page(response)
