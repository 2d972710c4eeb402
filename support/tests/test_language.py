"""A question asked on the Spanish site is answered by email in Spanish."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from support.models import Ticket

from .conftest import ask_form

pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # the worker reads committed data


def ask_in_spanish(client, **overrides):
    with translation.override("es"):
        url = reverse("support:ticket-new")
    return client.post(url, ask_form(**overrides))


def test_a_question_asked_in_spanish_is_acknowledged_in_spanish(celery_worker, client, smtp_sink):
    ask_in_spanish(client, email="lectora@example.com", subject="¿Me afectó?")

    message = smtp_sink.last_to("lectora@example.com")
    text = smtp_sink.text(message)
    reference = Ticket.objects.get().reference
    assert message["Subject"].strip() == f"Recibimos su pregunta ({reference})"
    assert "Una persona le responderá en un plazo de 24 horas." in text
    link = re.search(r"https?://\S+/support/t/\S+/", text).group(0)
    assert urlsplit(link).path.startswith("/es/support/t/")
    assert "¿Me afectó?" in Client().get(urlsplit(link).path, follow=True).content.decode()


def test_an_answer_written_in_the_admin_reaches_a_spanish_asker_in_spanish(
    celery_worker, client, agent_client, smtp_sink
):
    ask_in_spanish(client, email="lectora@example.com")
    ticket = Ticket.objects.get()

    agent_client.post(
        reverse("admin:support_ticket_change", args=[ticket.pk]),
        {"status": ticket.status, "priority": ticket.priority, "reply": "No se vio afectada."},
        headers={"accept-language": "en"},
    )

    message = next(
        m
        for m in smtp_sink.wait_for(2)
        if m["To"] == "lectora@example.com" and "respuesta" in m["Subject"]
    )
    assert message["Subject"].strip() == f"Una respuesta a su pregunta ({ticket.reference})"
    assert "No se vio afectada." in smtp_sink.text(message)
    assert "Para responder, use la dirección privada" in smtp_sink.text(message)
