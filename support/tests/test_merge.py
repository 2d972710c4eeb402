"""Merging one person's duplicate questions into one conversation, from the inbox."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from support import services
from support.models import Message, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:support_ticket_changelist")


def merge(client, *tickets):
    data = {"action": "merge", "_selected_action": [t.pk for t in tickets]}
    return client.post(INBOX, data, follow=True)


def test_one_persons_questions_become_one_conversation_in_time_order(
    agent_client, make_ticket, customer
):
    start = timezone.now() - dt.timedelta(hours=3)
    with time_machine.travel(start, tick=False):
        first = make_ticket(user=customer, body="Is my card affected?").ticket
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        second = make_ticket(user=customer, body="Still no answer about my card.").ticket
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        services.ticket_reply_by_customer(ticket=first, body="It is a Visa card.", user=customer)

    response = merge(agent_client, second, first)

    assert f"Merged into {first.reference}" in response.content.decode()
    thread = [m.body for m in first.messages.all()]
    assert thread == [
        "Is my card affected?",
        "Still no answer about my card.",
        "It is a Visa card.",
        f"Merged into this question: {second.reference}.",
    ]
    second.refresh_from_db()
    assert second.status == TicketStatus.CLOSED
    note = second.messages.get()
    assert note.body.startswith(f"This question was merged into {first.reference}")
    assert not note.is_internal  # the asker reading the closed question learns where to go
    event = AuditEvent.objects.get(action="ticket.merged")
    assert (event.target_label, event.details["merged"]) == (first.reference, [second.reference])


def test_questions_of_different_people_are_never_merged(
    agent_client, make_ticket, customer, make_customer
):
    mine = make_ticket(user=customer).ticket
    theirs = make_ticket(user=make_customer("mallory@example.com")).ticket

    response = merge(agent_client, mine, theirs)

    assert "These questions come from different people" in response.content.decode()
    assert Message.objects.filter(ticket=mine).count() == 1
    assert Message.objects.filter(ticket=theirs).count() == 1
    assert not Ticket.objects.filter(status=TicketStatus.CLOSED).exists()
    assert not AuditEvent.objects.filter(action="ticket.merged").exists()


def test_questions_asked_without_an_account_are_never_merged_even_from_one_address(
    agent_client, make_ticket
):
    # Anyone can type anyone's address: the second may be someone else's.
    one = make_ticket(email="ana@example.com").ticket
    two = make_ticket(email="ana@example.com").ticket

    response = merge(agent_client, one, two)

    assert "asked without an account cannot be merged" in response.content.decode()
    assert Message.objects.filter(ticket=one).count() == 1
    assert Message.objects.filter(ticket=two).count() == 1


def test_an_emailed_reply_to_a_merged_away_question_goes_on_in_the_one_kept(
    agent_client, make_ticket, customer
):
    """She answers the acknowledgement of her second question after the agent merged it."""
    from support.mail import IncomingMail

    first = make_ticket(user=customer, body="Is my card affected?").ticket
    second = make_ticket(user=customer, body="Still no answer about my card.").ticket
    merge(agent_client, first, second)

    received = services.inbound_email_receive(
        mail=IncomingMail(
            message_id="<reply-to-second@mail.example.net>",
            from_email=customer.email,
            from_name="",
            subject=f"Re: [{second.reference}] Your question",
            body="It is a Visa card.",
            size=1_000,
            answers=[second.ack_mail_id],
        )
    )

    assert received.ticket == first
    assert first.messages.filter(body="It is a Visa card.").exists()
    second.refresh_from_db()
    assert (second.status, second.merged_into) == (TicketStatus.CLOSED, first)


def test_merging_a_question_that_others_were_merged_into_sends_theirs_on_too(
    agent_client, make_ticket, customer
):
    first, second, third = (
        make_ticket(user=customer, body=f"Question {n}").ticket for n in range(3)
    )
    merge(agent_client, second, third)  # third goes into second
    merge(agent_client, first, second)  # then second into first

    third.refresh_from_db()
    assert third.merged_into == first
