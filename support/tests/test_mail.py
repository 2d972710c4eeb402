"""
Support emails end to end: the view commits, the outbox hands the email to a worker (a real
Celery worker on Redis in CI, in-process otherwise), and it arrives at a real SMTP server.
Nothing is lost while the broker or the SMTP server is down.
"""

import datetime as dt
import re
import socket
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications.models import Notification
from notifications.services import outbox
from notifications.tasks import notifications_send, notifications_sweep
from portal.celery import app
from support.models import Ticket
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # the worker reads committed data

PRIVATE_LINK = re.compile(r"https?://\S+/support/t/\S+/")


def subjects(sink, address):
    return [m["Subject"] for m in sink.sent_to(address)]


def arrived(sink, address, subject_part):
    """Wait for a message to `address` whose subject has `subject_part`; return it."""
    assert wait_for(lambda: any(subject_part in s for s in subjects(sink, address)), seconds=10), (
        f"no '{subject_part}' to {address}; got {subjects(sink, address)}"
    )
    return next(m for m in sink.sent_to(address) if subject_part in m["Subject"])


def html(message):
    return message.get_body(preferencelist=("html",)).get_content()


def agent_answers(client, ticket, body, **fields):
    return client.post(
        reverse("admin:support_ticket_change", args=[ticket.pk]),
        {"status": ticket.status, "priority": ticket.priority, "reply": body} | fields,
    )


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free again once closed: nothing listens there


# --- The acknowledgement ----------------------------------------------------------


def test_question_is_acknowledged_with_its_reference_and_response_time(
    celery_worker, smtp_sink, customer_client, ask, settings
):
    ask(customer_client)

    ticket = Ticket.objects.get()
    message = smtp_sink.last_to("alice@example.com")
    assert message["Subject"] == f"We received your question ({ticket.reference})"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    text = smtp_sink.text(message)
    assert "Hello Alice Liddell," in text
    assert "A person will answer within 24 hours." in text
    assert "sign in at" in text
    assert "/support/t/" not in text  # an account holder needs no private link


def test_anonymous_acknowledgement_carries_a_private_link_that_opens_the_question(
    celery_worker, smtp_sink, client, ask
):
    ask(client, email="anon@example.com", subject="Card charged twice?")

    text = smtp_sink.text(smtp_sink.last_to("anon@example.com"))
    link = PRIVATE_LINK.search(text).group(0)
    response = Client().get(urlsplit(link).path, follow=True)
    assert response.status_code == 200
    assert "Card charged twice?" in response.content.decode()
    assert "Keep it to yourself" in text


def test_html_in_a_subject_stays_text_in_the_acknowledgement(
    celery_worker, smtp_sink, customer_client, ask
):
    ask(customer_client, subject='<a href="https://evil.example">Click</a>')

    body = html(smtp_sink.last_to("alice@example.com"))
    assert "&lt;a href=" in body
    assert 'evil.example">' not in body


def test_question_is_acknowledged_once(celery_worker, smtp_sink, customer_client, ask):
    ask(customer_client)
    assert wait_for(lambda: Notification.objects.get().status == Notification.Status.SENT)

    assert outbox.notifications_sweep() == 0  # nothing left to send again
    assert len(smtp_sink.wait_for(1)) == 1


# --- Agents' replies --------------------------------------------------------------


def test_agent_reply_is_emailed_to_the_customer(celery_worker, smtp_sink, agent_client, ticket):
    agent_answers(agent_client, ticket, "You were not affected.\n\nBest, Dana")

    message = arrived(smtp_sink, "alice@example.com", "An answer to your question")
    assert ticket.reference in message["Subject"]
    text = smtp_sink.text(message)
    assert "You were not affected." in text
    assert "Best, Dana" in text
    assert "never ask for your password" in text


def test_internal_note_is_never_emailed(celery_worker, smtp_sink, agent_client, ticket):
    agent_answers(agent_client, ticket, "Customer sounds upset.", internal="on")
    agent_answers(agent_client, ticket, "Here is your answer.")

    arrived(smtp_sink, "alice@example.com", "An answer to your question")
    notifications_sweep()  # anything left would be sent now
    texts = [smtp_sink.text(m) for m in smtp_sink.sent_to("alice@example.com")]
    assert len(texts) == 2  # the acknowledgement and the answer
    assert not any("Customer sounds upset." in text for text in texts)


def test_html_in_an_agent_reply_stays_text_in_the_email(
    celery_worker, smtp_sink, agent_client, ticket
):
    agent_answers(agent_client, ticket, "Type <b>exactly</b> this: <script>x()</script>")

    body = html(arrived(smtp_sink, "alice@example.com", "An answer"))
    assert "&lt;b&gt;exactly&lt;/b&gt;" in body
    assert "<script>" not in body


# --- Outages ----------------------------------------------------------------------


@pytest.mark.skipif(app.conf.task_always_eager, reason="needs a broker (CI runs it)")
def test_an_unreachable_broker_raises_the_error_the_outbox_waits_out():
    # What the next test simulates, for real: sending a task to a Redis that does not answer.
    with (
        app.connection_for_write(f"redis://127.0.0.1:{closed_port()}/0") as connection,
        pytest.raises(OperationalError),
    ):
        notifications_send.apply_async(connection=connection, retry=False)


def test_question_asked_while_the_broker_is_down_is_acknowledged_once_by_the_sweep(
    celery_worker, smtp_sink, client, ask, monkeypatch, caplog
):
    # What a Celery producer raises when Redis does not answer (see the test above).
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notifications_send, "delay", broker_down)

    response = ask(client, email="anon@example.com")

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert "Broker unreachable" in caplog.text
    assert Notification.objects.get().status == Notification.Status.PENDING
    assert smtp_sink.messages == []

    monkeypatch.undo()  # the broker is back
    notifications_sweep()

    message = smtp_sink.last_to("anon@example.com", timeout=10)
    assert ticket.reference in message["Subject"]
    assert wait_for(lambda: Notification.objects.get().status == Notification.Status.SENT)
    assert outbox.notifications_sweep() == 0  # nothing left to send again
    assert len(smtp_sink.messages) == 1


def test_question_asked_while_mail_is_down_is_acknowledged_when_it_is_back(
    celery_worker, smtp_sink, customer_client, ask, settings
):
    sink_port, settings.EMAIL_PORT = settings.EMAIL_PORT, closed_port()

    ask(customer_client)

    assert Ticket.objects.exists()
    assert wait_for(lambda: Notification.objects.get().attempts == 1)
    notification = Notification.objects.get()
    assert notification.status == Notification.Status.PENDING
    assert notification.last_error

    settings.EMAIL_PORT = sink_port  # mail is back; the retry is due a little later
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        notifications_sweep()
        message = smtp_sink.last_to("alice@example.com", timeout=10)

    assert "We received your question" in message["Subject"]
    assert len(smtp_sink.messages) == 1
