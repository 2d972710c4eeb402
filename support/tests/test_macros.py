"""Macros: a canned reply and its changes, previewed then applied from a question's page."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import Notification
from support.models import CannedResponse, Category, Macro, Priority, Ticket, TicketStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def macro(db):
    canned = CannedResponse.objects.create(
        title="Card",
        body_en="Hello {name}, your card number was not in the data ({reference}).",
        body_es="Hola {name}, su número de tarjeta no estaba en los datos ({reference}).",
    )
    return Macro.objects.create(
        title="Card not affected, resolve",
        canned=canned,
        set_status=TicketStatus.RESOLVED,
        set_priority=Priority.LOW,
        set_assignee=Macro.Assign.ME,
        set_category=Category.REMEDY,
    )


def macro_url(ticket):
    return reverse("admin:support_ticket_macro", args=[ticket.pk])


def test_the_question_page_offers_the_macros(agent_client, ticket, macro):
    page = agent_client.get(reverse("admin:support_ticket_change", args=[ticket.pk]))

    assert "Card not affected, resolve" in page.content.decode()


def test_the_preview_shows_the_reply_in_the_askers_language_and_the_changes(
    agent_client, make_ticket, macro
):
    ticket = make_ticket(email="ana@example.com", name="Ana", language="es").ticket

    page = agent_client.get(macro_url(ticket), {"macro": macro.pk}).content.decode()

    assert f"Hola Ana, su número de tarjeta no estaba en los datos ({ticket.reference})." in page
    for before, after in [("New", "Resolved"), ("Normal", "Low"), ("nobody", "agent@example.com")]:
        assert f"<td>{before}</td><td><strong>{after}</strong></td>" in page
    # Nothing is sent or changed by looking.
    assert not Notification.objects.filter(kind="support-reply").exists()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW


def test_applying_sends_the_reply_and_makes_every_change_in_one_step(
    agent_client, agent, make_ticket, macro
):
    ticket = make_ticket(email="ana@example.com", name="Ana", language="es").ticket

    response = agent_client.post(macro_url(ticket), {"macro": macro.pk})

    assert response.status_code == HTTPStatus.FOUND
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee, ticket.category) == (
        TicketStatus.RESOLVED, Priority.LOW, agent, Category.REMEDY
    )  # fmt: skip
    assert ticket.first_responded_at is not None
    reply = Notification.objects.get(kind="support-reply", to_email="ana@example.com")
    assert reply.subject.startswith("Una respuesta")
    used = AuditEvent.objects.get(action="ticket.macro_applied")
    assert (used.actor, used.details["macro"]) == (agent, "Card not affected, resolve")


def test_an_unknown_or_inactive_macro_applies_nothing(agent_client, ticket, macro):
    macro.is_active = False
    macro.save()

    response = agent_client.post(macro_url(ticket), {"macro": macro.pk}, follow=True)

    assert "Choose one of the macros." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW
    assert not AuditEvent.objects.filter(action="ticket.macro_applied").exists()


def test_the_comms_team_cannot_apply_a_macro(comms_client, ticket, macro):
    response = comms_client.post(macro_url(ticket), {"macro": macro.pk})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW


@pytest.mark.parametrize(
    ("group", "reads", "writes"),
    [("Support agents", True, False), ("Support leads", True, True), ("Comms team", False, False)],
)
def test_agents_use_macros_leads_also_write_them_and_the_comms_team_neither(
    role_client, macro, group, reads, writes
):
    client = role_client(group)

    listed = client.get(reverse("admin:support_macro_changelist"))
    added = client.get(reverse("admin:support_macro_add"))

    assert (listed.status_code == HTTPStatus.OK) is reads
    assert (added.status_code == HTTPStatus.OK) is writes


def test_support_leads_read_and_answer_the_questions_that_escalate_to_them(role_client, ticket):
    lead = role_client("Support leads")

    page = lead.get(reverse("admin:support_ticket_change", args=[ticket.pk]))

    assert page.status_code == HTTPStatus.OK
    assert 'name="reply"' in page.content.decode()
