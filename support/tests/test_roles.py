"""The two staff roles from support/migrations/0002_roles.py, each limited to its work."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from support.models import CannedResponse
from tests.helpers import sign_in

from .conftest import AGENTS, COMMS

pytestmark = pytest.mark.django_db


def permissions(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def status(client, name, *args):
    return client.get(reverse(name, args=args)).status_code


# --- What the migration creates ---------------------------------------------------


def test_support_agents_can_work_tickets_and_canned_responses():
    granted = permissions(AGENTS)

    assert {
        "support.view_ticket",
        "support.change_ticket",
        "support.reply_ticket",
        "support.add_cannedresponse",
        "support.change_cannedresponse",
    } <= granted


def test_support_agents_get_no_incident_or_user_permission_beyond_reading_faqs():
    granted = permissions(AGENTS)

    assert {p for p in granted if p.startswith("incidents.")} == {"incidents.view_faq"}
    assert not {p for p in granted if p.startswith(("accounts.", "auth."))}


def test_comms_team_can_write_incidents_updates_and_faqs():
    granted = permissions(COMMS)

    assert {
        "incidents.change_incident",
        "incidents.add_update",
        "incidents.change_update",
        "incidents.change_faq",
        "incidents.add_importbatch",
    } <= granted


def test_comms_team_gets_no_support_permission():
    assert not {p for p in permissions(COMMS) if p.startswith("support.")}


def test_reply_permission_exists_for_tickets():
    permission = Permission.objects.get(codename="reply_ticket")

    assert permission.content_type.app_label == "support"


# --- Support agents in the admin --------------------------------------------------


def test_agent_opens_the_inbox_and_a_ticket(agent_client, ticket):
    assert status(agent_client, "admin:support_ticket_changelist") == HTTPStatus.OK
    assert status(agent_client, "admin:support_ticket_change", ticket.pk) == HTTPStatus.OK


def test_agent_writes_canned_responses(agent_client):
    response = agent_client.post(
        reverse("admin:support_cannedresponse_add"),
        {
            "title": "Not affected",
            "body_en": "Hello {name}.",
            "body_es": "Hola, {name}.",
            "category": "",
            "is_active": "on",
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    assert CannedResponse.objects.get().title == "Not affected"


def test_agent_cannot_open_or_edit_incidents(agent_client, incident):
    assert status(agent_client, "admin:incidents_incident_changelist") == HTTPStatus.FORBIDDEN
    assert status(agent_client, "admin:incidents_incident_add") == HTTPStatus.FORBIDDEN
    response = agent_client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]), {"title": "Hacked"}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    incident.refresh_from_db()
    assert incident.title == "Customer data breach"


def test_agent_cannot_publish_updates(agent_client):
    assert status(agent_client, "admin:incidents_update_add") == HTTPStatus.FORBIDDEN


def test_agent_cannot_open_or_edit_people(agent_client, customer):
    assert status(agent_client, "admin:accounts_user_changelist") == HTTPStatus.FORBIDDEN
    assert status(agent_client, "admin:accounts_user_change", customer.pk) == HTTPStatus.FORBIDDEN


def test_agent_cannot_edit_the_message_record(agent_client, ticket):
    message = ticket.messages.get()
    response = agent_client.post(
        reverse("admin:support_message_change", args=[message.pk]), {"body": "Rewritten"}
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    message.refresh_from_db()
    assert message.body == "I got your email and I am worried."


def test_staff_without_the_reply_permission_gets_no_reply_box(make_staff, ticket, client):
    viewer = make_staff("viewer@example.com", group=AGENTS)
    viewer.groups.clear()
    viewer.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    sign_in(client, viewer, "password", "mfa")

    response = client.get(reverse("admin:support_ticket_change", args=[ticket.pk]))

    assert response.status_code == HTTPStatus.OK
    assert 'name="reply"' not in response.content.decode()
    canned_url = reverse("admin:support_ticket_canned", args=[ticket.pk])
    assert client.get(canned_url).status_code == HTTPStatus.FORBIDDEN


# --- The comms team in the admin --------------------------------------------------


def test_comms_team_writes_incidents(comms_client, incident):
    assert status(comms_client, "admin:incidents_incident_add") == HTTPStatus.OK
    assert status(comms_client, "admin:incidents_incident_change", incident.pk) == HTTPStatus.OK


def test_comms_team_cannot_read_the_inbox(comms_client, ticket):
    assert status(comms_client, "admin:support_ticket_changelist") == HTTPStatus.FORBIDDEN
    assert status(comms_client, "admin:support_ticket_change", ticket.pk) == HTTPStatus.FORBIDDEN


def test_comms_team_cannot_read_messages(comms_client, ticket):
    message = ticket.messages.get()

    assert status(comms_client, "admin:support_message_changelist") == HTTPStatus.FORBIDDEN
    assert status(comms_client, "admin:support_message_change", message.pk) == (
        HTTPStatus.FORBIDDEN
    )


def test_comms_team_cannot_fetch_a_canned_reply_for_a_ticket(comms_client, ticket):
    canned = CannedResponse.objects.create(title="Hi", body="Hello {name}.")
    url = reverse("admin:support_ticket_canned", args=[ticket.pk])

    response = comms_client.get(url, {"canned": canned.pk})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Alice" not in response.content.decode()


def test_comms_team_does_not_see_support_in_the_admin_index(comms_client):
    html = comms_client.get(reverse("admin:index")).content.decode()

    assert "Incidents" in html
    assert reverse("admin:support_ticket_changelist") not in html
