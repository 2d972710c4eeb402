"""
Our emails about a question carry In-Reply-To and References (RFC 5322 3.6.4), so the
customer's mail program files them with the email they asked in, and their replies
(which name ours) come back to the same question.
"""

import pytest

from notifications.models import Notification
from support import services
from support.mail import IncomingMail
from support.models import BulkAnswer, Ticket

pytestmark = pytest.mark.django_db

ASKED = "<asked-1@mail.example.net>"


def incoming(message_id, *, answers=(), body="Is my card safe?"):
    return IncomingMail(
        message_id=message_id,
        from_email="carol@example.net",
        from_name="Carol",
        subject="My card",
        body=body,
        size=1_000,
        answers=list(answers),
    )


def headers_of(kind):
    return Notification.objects.filter(kind=kind).latest("pk").headers


@pytest.fixture
def emailed():
    """A question that came by email."""
    return services.inbound_email_receive(mail=incoming(ASKED)).ticket


def test_the_acknowledgement_answers_the_customers_email(emailed):
    headers = headers_of("support-acknowledgement")

    assert headers["In-Reply-To"] == ASKED
    assert headers["References"] == ASKED


def test_an_answer_follows_the_email_and_its_acknowledgement(emailed, agent):
    services.ticket_reply_by_agent(ticket=emailed, agent=agent, body="It is safe.")

    headers = headers_of("support-reply")
    assert headers["In-Reply-To"] == ASKED
    assert headers["References"] == f"{ASKED} {emailed.ack_mail_id}"


def test_an_answer_after_the_customer_wrote_again_answers_their_latest_email(emailed, agent):
    first = services.ticket_reply_by_agent(ticket=emailed, agent=agent, body="It is safe.")
    again = "<asked-2@mail.example.net>"
    services.inbound_email_receive(mail=incoming(again, answers=[first.mail_id], body="Sure?"))

    second = services.ticket_reply_by_agent(ticket=emailed, agent=agent, body="Yes.")

    headers = headers_of("support-reply")
    assert headers["Message-ID"] == second.mail_id
    assert headers["In-Reply-To"] == again
    assert headers["References"].split() == [ASKED, emailed.ack_mail_id, first.mail_id, again]


def test_a_bulk_answer_follows_each_emailed_question(emailed, agent, make_ticket):
    web = make_ticket(email="web@example.com").ticket
    bulk = services.bulk_answer_draft(tickets=Ticket.objects.all(), agent=agent)
    BulkAnswer.objects.filter(pk=bulk.pk).update(body_en="Card numbers were not in the data.")
    bulk.refresh_from_db()

    services.bulk_answer_deliver(bulk=bulk)

    answers = {n.to_email: n.headers for n in Notification.objects.filter(group=bulk.group)}
    assert answers["carol@example.net"]["In-Reply-To"] == ASKED
    assert answers["carol@example.net"]["References"] == f"{ASKED} {emailed.ack_mail_id}"
    # Asked on the web: nothing of theirs to answer, our acknowledgement to follow.
    assert "In-Reply-To" not in answers["web@example.com"]
    assert answers["web@example.com"]["References"] == web.ack_mail_id


def test_a_long_conversation_keeps_the_first_email_and_the_latest():
    thread = services.MailThread(references=[f"<{n}@x>" for n in range(30)], in_reply_to="<29@x>")

    references = thread.headers()["References"].split()

    assert len(references) == services.REFERENCES_KEPT
    assert references[0] == "<0@x>"
    assert references[-1] == "<29@x>"
