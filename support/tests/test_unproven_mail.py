"""
Our security address must not carry a stranger's words. Anyone can type someone
else's address into the question form; what reaches that address says only what
we wrote (the reference, when we answer, the private link), never the name,
subject or question typed with it.
"""

import pytest
from django.core import mail

from notifications.services.outbox import notifications_send_due
from support import services
from support.models import Ticket

pytestmark = pytest.mark.django_db

PHISHING = {
    "name": "Security team: your account is LOCKED",
    "subject": "Re-verify at https://evil.example/login within 24 hours",
    "body": "Click https://evil.example/login and type your password to unlock it.",
}


def sent_to(address):
    """Send the outbox, as the worker would; the emails that reached `address`."""
    notifications_send_due()
    return [m for m in mail.outbox if address in m.to]


def everything_in(message):
    return "\n".join([message.subject, message.body, *(html for html, _ in message.alternatives)])


def test_acknowledgement_to_a_typed_address_repeats_none_of_the_askers_words(client, ask):
    ask(client, email="victim@example.org", **PHISHING)

    [message] = sent_to("victim@example.org")
    sent = everything_in(message)
    assert "LOCKED" not in sent
    assert "evil.example" not in sent
    assert "Re-verify" not in sent
    ticket = Ticket.objects.get()
    assert ticket.reference in message.subject
    assert "A person will answer within 24 hours." in message.body
    assert "/support/t/" in message.body  # the private link still reaches the asker
    assert "If you did not ask us anything" in message.body


def test_acknowledgement_to_an_unverified_account_address_repeats_no_subject(
    client, make_customer, ask
):
    client.force_login(make_customer("unproven@example.com", verified=False))

    ask(client, subject=PHISHING["subject"], body=PHISHING["body"])

    [message] = sent_to("unproven@example.com")
    assert "evil.example" not in everything_in(message)
    assert Ticket.objects.get().reference in message.subject


def test_acknowledgement_to_a_verified_address_keeps_the_askers_subject(customer_client, ask):
    ask(customer_client, subject="Was my card number in the breach?")

    [message] = sent_to("alice@example.com")
    assert "Was my card number in the breach?" in message.body
    assert "Hello Alice Liddell," in message.body


def test_answer_to_a_typed_address_repeats_neither_the_name_nor_the_subject(make_ticket, agent):
    ticket = make_ticket(email="victim@example.org", **PHISHING).ticket
    mail.outbox.clear()

    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Could you tell us more?")

    [answer] = [m for m in sent_to("victim@example.org") if "answer" in m.subject]
    sent = everything_in(answer)
    assert "Could you tell us more?" in sent
    assert "LOCKED" not in sent
    assert "evil.example" not in sent
