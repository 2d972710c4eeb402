"""The audit trail in the admin: readable by staff, changeable by nobody."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.audit_actions import Action as AccountAction
from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record
from incidents import services as incident_services
from incidents.audit_actions import Action as IncidentAction
from support import services as support_services
from support.audit_actions import Action as TicketAction
from support.models import Category, Ticket
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_auditevent_changelist")


@pytest.fixture
def trail(staff_client, incident, make_update):
    """One event about an incident's update, one about a question, one about an account."""
    update = make_update(at="draft")
    incident_services.update_publish(update=update, actor=staff_client.user)
    ticket = support_services.ticket_create(
        subject="Was my password leaked?",
        category=Category.WAS_I_AFFECTED,
        body="I am worried.",
        email="anon@example.com",
    ).ticket
    support_services.ticket_reply_by_agent(ticket=ticket, agent=staff_client.user, body="No.")
    person = User.objects.create_user("person@example.com", None)
    account_services.users_force_password_change(
        users=User.objects.filter(pk=person.pk), actor=staff_client.user
    )
    return AuditEvent.objects.all()


def shown(client, **params):
    response = client.get(CHANGELIST, params)
    assert response.status_code == HTTPStatus.OK
    return {event.action for event in response.context["cl"].result_list}


def test_the_list_shows_when_who_what_and_links_to_the_record(staff_client, trail):
    response = staff_client.get(CHANGELIST)
    html = response.content.decode()

    assert response.status_code == HTTPStatus.OK
    for column in ["When", "Who", "Action", "What", "Details"]:
        assert column in html
    assert "Question answered" in html
    ticket = Ticket.objects.get()
    assert reverse("admin:support_ticket_change", args=[ticket.pk]) in html
    assert "publish at:" in html


def test_the_list_filters_by_action_and_actor_and_searches_labels(staff_client, trail):
    replied = TicketAction.TICKET_REPLIED
    assert shown(staff_client, action=replied) == {replied}
    assert shown(staff_client, actor__id__exact=staff_client.user.pk) == {
        IncidentAction.UPDATE_PUBLISHED,
        TicketAction.TICKET_REPLIED,
        AccountAction.PASSWORD_RESET_FORCED,
    }
    assert shown(staff_client, q="person@example.com") == {AccountAction.PASSWORD_RESET_FORCED}
    html = staff_client.get(CHANGELIST).content.decode()
    assert "By action" in html and "By who" in html  # the filters
    assert 'class="toplinks"' in html  # the date hierarchy


def test_a_change_of_access_reads_from_and_to(staff_client):
    person = User.objects.create_user("new-hire@example.com", None)
    before = account_services.user_access(user=person)
    person.is_staff = True
    person.save()
    account_services.user_access_audit(user=person, before=before, actor=staff_client.user)

    html = staff_client.get(CHANGELIST).content.decode()

    assert "staff: no → yes" in html


def test_nobody_adds_changes_or_deletes_an_event_not_even_a_superuser(staff_client, trail):
    event = trail.get(action=TicketAction.TICKET_REPLIED)
    count = trail.count()

    add = staff_client.get(reverse("admin:audit_auditevent_add"))
    change = staff_client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]), {"actor_label": "someone"}
    )
    delete = staff_client.post(
        reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    bulk_delete = staff_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )

    assert add.status_code == HTTPStatus.FORBIDDEN
    assert change.status_code == HTTPStatus.FORBIDDEN
    assert delete.status_code == HTTPStatus.FORBIDDEN
    assert bulk_delete.status_code == HTTPStatus.OK  # no such action: the list again
    event.refresh_from_db()
    assert event.actor_label == "comms@example.com"
    assert AuditEvent.objects.count() == count


def test_an_event_page_is_read_only(staff_client, trail):
    event = AuditEvent.objects.get(action=TicketAction.TICKET_REPLIED)

    html = staff_client.get(
        reverse("admin:audit_auditevent_change", args=[event.pk])
    ).content.decode()

    assert "comms@example.com" in html
    assert 'name="_save"' not in html
    assert "Delete" not in html


def test_the_comms_team_reads_the_trail_of_incidents_only(role_client, trail):
    actions = shown(role_client("Comms team"))

    assert IncidentAction.UPDATE_PUBLISHED in actions
    assert all(a.startswith(("incident.", "update.", "faq.", "category.")) for a in actions)


def test_support_agents_read_the_trail_of_questions_only(role_client, trail):
    assert shown(role_client("Support agents")) == {TicketAction.TICKET_REPLIED}


def test_staff_without_a_role_cannot_read_the_trail(client, django_user_model, trail):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = django_user_model.objects.create_user("nobody@example.com", None, is_staff=True)
    TOTP.activate(user, generate_totp_secret())
    sign_in(client, user, "password", "mfa")

    assert client.get(CHANGELIST).status_code == HTTPStatus.FORBIDDEN


def test_the_incident_page_links_to_its_trail(staff_client, incident):
    html = staff_client.get(
        reverse("admin:incidents_incident_change", args=[incident.pk])
    ).content.decode()

    assert f"{CHANGELIST}?q=Customer+data+breach" in html


def test_an_event_about_a_deleted_record_keeps_its_label(staff_client, incident):
    audit_record(actor=staff_client.user, action=IncidentAction.INCIDENT_EDITED, target=incident)
    incident.delete()

    html = staff_client.get(CHANGELIST).content.decode()

    assert "Customer data breach" in html
