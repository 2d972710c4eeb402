"""Questions by phone: an agent, signed in with two factors, takes them down in the admin."""

from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import Notification
from notifications.services.outbox import notifications_send_due
from support import services
from support.models import Category, Channel, Message, Priority, Ticket

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:support_ticket_changelist")
CALL = reverse("admin:support_ticket_call_new")


def call_form(**overrides):
    return {
        "name": "Dan Caller",
        "email": "dan@example.net",
        "language": "en",
        "category": Category.PASSWORD_2FA,
        "incident": "",
        "subject": "Cannot reset his password",
        "notes": "Called from his mobile; the reset email never arrived.",
    } | overrides


def told(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_inbox_offers_to_take_a_phone_call(agent_client):
    html = agent_client.get(INBOX).content.decode()

    assert f'href="{CALL}"' in html
    assert "Take a phone call" in html
    assert agent_client.get(CALL).status_code == HTTPStatus.OK


def test_a_call_with_an_address_is_recorded_and_the_caller_gets_the_reference_and_link(
    agent_client, agent, affected
):
    affected("dan@example.net", tier="priority")  # what a caller says is not proof

    response = agent_client.post(CALL, call_form(), follow=True)

    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.PHONE
    assert ticket.requester_email == "dan@example.net"
    assert ticket.priority == Priority.NORMAL
    first = ticket.messages.get()
    assert (first.author, first.author_kind) == (agent, Message.Author.AGENT)
    assert first.body == "Called from his mobile; the reset email never arrived."
    assert response.redirect_chain[-1][0] == reverse(
        "admin:support_ticket_change", args=[ticket.pk]
    )
    assert f"Question {ticket.reference} recorded. The reference and a private link were " \
        "emailed to dan@example.net." in told(response)  # fmt: skip
    notifications_send_due()
    [sent] = mail.outbox
    assert sent.to == ["dan@example.net"]
    assert ticket.reference in sent.subject
    assert "Thank you for calling our support team." in sent.body
    assert "/support/t/" in sent.body
    assert "reset email" not in sent.body  # the notes stay in the conversation
    assert AuditEvent.objects.filter(action="ticket.call_logged", actor=agent).exists()


def test_a_call_without_an_address_sends_nothing_and_says_so(agent_client):
    response = agent_client.post(CALL, call_form(email=""), follow=True)

    ticket = Ticket.objects.get()
    assert ticket.requester_email == ""
    assert not ticket.access_token_hash  # no private link nobody could receive
    assert not Notification.objects.exists()
    [message] = told(response)
    assert message == (
        f"Question {ticket.reference} recorded. No email address: nothing was sent. "
        "Read the reference out to the caller."
    )
    # The question works like any other in the inbox.
    assert ticket.reference in agent_client.get(INBOX).content.decode()


def test_a_reply_to_a_caller_without_an_address_warns_that_nothing_was_sent(agent_client):
    agent_client.post(CALL, call_form(email=""))
    ticket = Ticket.objects.get()
    form = {"status": ticket.status, "priority": ticket.priority, "assignee": "",
            "canned": "", "reply": "We reset it; call us back."}  # fmt: skip

    response = agent_client.post(
        reverse("admin:support_ticket_change", args=[ticket.pk]), form, follow=True
    )

    assert "No email address: the reply is on the question, but nothing was sent." in told(
        response
    )
    assert not Notification.objects.exists()


def test_the_call_form_says_what_is_missing(agent_client):
    response = agent_client.post(CALL, call_form(subject="", email="not an address"))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Please correct the errors below." in html
    assert "Enter a valid email address." in html
    assert not Ticket.objects.exists()


def test_an_agent_logs_a_call_on_an_existing_question(agent_client, agent, ticket):
    change = reverse("admin:support_ticket_change", args=[ticket.pk])
    log_call = reverse("admin:support_ticket_call", args=[ticket.pk])
    assert f'href="{log_call}"' in agent_client.get(change).content.decode()
    sent_before = Notification.objects.count()

    response = agent_client.post(log_call, {"notes": "She called: code arrived."}, follow=True)

    assert response.redirect_chain[-1][0] == change
    assert f"Call logged on {ticket.reference}." in told(response)
    last = ticket.messages.last()
    assert (last.author, last.body) == (agent, "Phone call: She called: code arrived.")
    assert Notification.objects.count() == sent_before  # she was on the line


def test_staff_who_may_not_answer_cannot_take_calls(comms_client, ticket):
    assert comms_client.get(CALL).status_code == HTTPStatus.FORBIDDEN
    log_call = reverse("admin:support_ticket_call", args=[ticket.pk])
    assert comms_client.post(log_call, {"notes": "x"}).status_code == HTTPStatus.FORBIDDEN
    assert ticket.messages.count() == 1


def test_a_bulk_answer_answers_a_caller_without_an_address_on_the_question_only(
    agent_client, agent, make_ticket
):
    agent_client.post(CALL, call_form(email=""))
    caller = Ticket.objects.get(channel=Channel.PHONE)
    asker = make_ticket(email="anon@example.com").ticket
    Notification.objects.all().delete()  # the acknowledgements
    bulk = services.bulk_answer_draft(tickets=Ticket.objects.all(), agent=agent)
    bulk.body_en = "Your card was not involved."
    bulk.save()

    assert services.bulk_answer_deliver(bulk=bulk) == 2

    assert caller.messages.last().body == "Your card was not involved."
    [sent] = Notification.objects.all()
    assert sent.to_email == "anon@example.com"
    assert asker.messages.last().mail_id == sent.headers["Message-ID"]
