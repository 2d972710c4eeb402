"""Each staff action that matters leaves exactly one event: who, what, to which record."""

import datetime as dt
import io
import json
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from accounts.audit_actions import Action as AccountAction
from accounts.models import User
from audit.models import AuditEvent
from incidents import services
from incidents.audit_actions import Action as IncidentAction
from incidents.models import FAQ, DataCategory, ImportBatch, Incident, Status, Update
from notifications.audit_actions import Action as CampaignAction
from notifications.models import Campaign
from support import services as support_services
from support.audit_actions import Action as TicketAction
from support.models import Category, Ticket, TicketStatus
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def the_event(action):
    """The one event of this action; fails if there are none or several."""
    (event,) = AuditEvent.objects.filter(action=action)
    return event


def update_form(incident, *, body, at):
    return {
        "incident": incident.pk,
        "status": "identified",
        "body_en": body,
        "publish_at_0": at.strftime("%Y-%m-%d") if at else "",
        "publish_at_1": at.strftime("%H:%M:%S") if at else "",
    }


# --- The timeline -------------------------------------------------------------------


def test_publishing_an_update_in_the_admin_records_who(staff_client, incident, now):
    response = staff_client.post(
        reverse("admin:incidents_update_add"),
        update_form(incident, body="Cause known.", at=now - MINUTE),
    )

    assert response.status_code == HTTPStatus.FOUND
    event = the_event(IncidentAction.UPDATE_PUBLISHED)
    assert event.actor == staff_client.user
    assert event.actor_label == "comms@example.com"
    assert event.target == Update.objects.get()


def test_scheduling_and_drafting_are_told_apart(staff_client, incident, now):
    later = now + dt.timedelta(days=1)
    staff_client.post(
        reverse("admin:incidents_update_add"), update_form(incident, body="Later.", at=later)
    )
    staff_client.post(
        reverse("admin:incidents_update_add"), update_form(incident, body="Draft.", at=None)
    )

    assert (
        the_event(IncidentAction.UPDATE_SCHEDULED)
        .details["publish_at"]
        .startswith(later.strftime("%Y-%m-%d"))
    )
    assert the_event(IncidentAction.UPDATE_DRAFTED).target.body == "Draft."
    assert not AuditEvent.objects.filter(action=IncidentAction.UPDATE_PUBLISHED).exists()


def test_correcting_a_public_update_in_the_admin_records_who(staff_client, make_update, now):
    # Whole seconds, as the admin's form sends them.
    update = make_update(body="We are investigating.", at=(now - HOUR).replace(microsecond=0))
    form = update_form(update.incident, body="We are investigating a theft.", at=update.publish_at)

    staff_client.post(reverse("admin:incidents_update_change", args=[update.pk]), form)

    event = the_event(IncidentAction.UPDATE_EDITED)
    assert (event.actor, event.target) == (staff_client.user, update)


def test_saving_a_public_update_unchanged_records_no_edit(staff_client, make_update, now):
    # Whole seconds, as the admin's form sends them.
    update = make_update(body="We are investigating.", at=(now - HOUR).replace(microsecond=0))
    form = update_form(update.incident, body=update.body, at=update.publish_at)
    form["status"] = update.status

    staff_client.post(reverse("admin:incidents_update_change", args=[update.pk]), form)

    assert not AuditEvent.objects.filter(action=IncidentAction.UPDATE_EDITED).exists()


def test_the_publish_now_action_records_who_published(staff_client, make_update):
    draft = make_update(at="draft")

    staff_client.post(
        reverse("admin:incidents_update_changelist"),
        {"action": "publish_now", "_selected_action": [draft.pk]},
    )

    event = the_event(IncidentAction.UPDATE_PUBLISHED)
    assert (event.actor, event.target) == (staff_client.user, draft)


def test_an_action_rolled_back_leaves_no_record(incident, now, monkeypatch):
    def broken_cache():
        raise ConnectionError("cache down")

    monkeypatch.setattr(services, "public_pages_invalidate", broken_cache)

    with pytest.raises(ConnectionError):
        services.update_create(
            incident=incident, status=Status.IDENTIFIED, body="x", publish_at=now
        )

    assert not Update.objects.exists()
    assert not AuditEvent.objects.filter(action=IncidentAction.UPDATE_PUBLISHED).exists()


# --- Incidents ----------------------------------------------------------------------


def test_creating_an_incident_in_the_admin_records_who(incident_form, staff_client, category):
    staff_client.post(
        reverse("admin:incidents_incident_add"), incident_form(data_categories=[category.pk])
    )

    event = the_event(IncidentAction.INCIDENT_CREATED)
    assert (event.actor, event.target) == (staff_client.user, Incident.objects.get())
    assert event.details == {"published": False}


def test_changing_an_incidents_data_categories_in_the_admin_is_an_edit(
    incident_form, staff_client, category
):
    staff_client.post(
        reverse("admin:incidents_incident_add"), incident_form(data_categories=[category.pk])
    )
    phone = DataCategory.objects.create(slug="phone", name="Phone number", advice="Beware.")
    incident = Incident.objects.get()

    staff_client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        incident_form(data_categories=[category.pk, phone.pk]),
    )

    event = the_event(IncidentAction.INCIDENT_EDITED)
    assert (event.actor, event.details) == (staff_client.user, {"fields": ["data_categories"]})
    assert set(incident.data_categories.all()) == {category, phone}


def test_publishing_and_editing_an_incident_are_recorded_with_what_changed(
    make_incident, staff_client
):
    incident = make_incident(is_published=False)
    incident.is_published = True
    services.incident_save(incident=incident, actor=staff_client.user)
    incident.summary = "A clearer summary."
    services.incident_save(incident=incident, actor=staff_client.user)

    assert the_event(IncidentAction.INCIDENT_PUBLISHED).details == {"fields": ["is_published"]}
    assert the_event(IncidentAction.INCIDENT_EDITED).details == {"fields": ["summary_en"]}


def test_deleting_an_incident_in_the_admin_records_who_and_its_name(staff_client, incident):
    staff_client.post(
        reverse("admin:incidents_incident_delete", args=[incident.pk]), {"post": "yes"}
    )

    event = the_event(IncidentAction.CONTENT_DELETED)
    assert not Incident.objects.exists()
    assert (event.actor, event.target_label) == (staff_client.user, "Customer data breach")


def test_deleting_updates_in_bulk_records_each(staff_client, make_update):
    updates = [make_update(at="draft"), make_update(at="draft", body="Another.")]

    staff_client.post(
        reverse("admin:incidents_update_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in updates], "post": "yes"},
    )

    events = AuditEvent.objects.filter(action=IncidentAction.CONTENT_DELETED)
    assert sorted(int(e.target_id) for e in events) == sorted(u.pk for u in updates)
    assert not Update.objects.exists()


# --- FAQs and data categories ------------------------------------------------------


def faq_form(**overrides):
    return {
        "incident": "",
        "question_en": "Was my card taken?",
        "question_es": "",
        "answer_en": "No.",
        "answer_es": "",
        "order": 0,
        "is_published": "on",
    } | overrides


def test_creating_an_faq_in_the_admin_records_who_and_which(staff_client):
    response = staff_client.post(reverse("admin:incidents_faq_add"), faq_form())

    assert response.status_code == HTTPStatus.FOUND
    event = the_event(IncidentAction.FAQ_CREATED)
    assert (event.actor, event.target) == (staff_client.user, FAQ.objects.get())
    assert (event.actor_label, event.target_label) == ("comms@example.com", "Was my card taken?")


def test_editing_an_faq_in_the_admin_records_which_fields_changed(staff_client):
    faq = services.faq_save(faq=FAQ(question="Was my card taken?", answer="No."))

    staff_client.post(
        reverse("admin:incidents_faq_change", args=[faq.pk]),
        faq_form(answer_en="No: cards were not in the copied records.", answer_es="No."),
    )

    event = the_event(IncidentAction.FAQ_EDITED)
    assert (event.actor, event.target) == (staff_client.user, faq)
    assert event.details == {"fields": ["answer_en", "answer_es"]}


def test_saving_an_faq_unchanged_records_no_edit(staff_client):
    faq = services.faq_save(faq=FAQ(question="Was my card taken?", answer="No."))

    response = staff_client.post(reverse("admin:incidents_faq_change", args=[faq.pk]), faq_form())

    assert response.status_code == HTTPStatus.FOUND
    assert not AuditEvent.objects.filter(action=IncidentAction.FAQ_EDITED).exists()


def test_reordering_faqs_in_the_list_records_the_edit(staff_client):
    faq = services.faq_save(faq=FAQ(question="Was my card taken?", answer="No."))

    staff_client.post(
        reverse("admin:incidents_faq_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": faq.pk,
            "form-0-order": "5",
            "form-0-is_published": "on",
            "_save": "Save",
        },
    )

    event = the_event(IncidentAction.FAQ_EDITED)
    assert (event.actor, event.details) == (staff_client.user, {"fields": ["order"]})


def test_creating_and_editing_a_data_category_in_the_admin_records_who(staff_client):
    form = {"slug": "phone", "name_en": "Phone number", "name_es": "",
            "advice_en": "Beware of calls.", "advice_es": "", "order": 0}  # fmt: skip
    staff_client.post(reverse("admin:incidents_datacategory_add"), form)
    phone = DataCategory.objects.get(slug="phone")
    staff_client.post(
        reverse("admin:incidents_datacategory_change", args=[phone.pk]),
        form | {"requires_password_reset": "on"},
    )

    created, edited = (
        the_event(IncidentAction.CATEGORY_CREATED),
        the_event(IncidentAction.CATEGORY_EDITED),
    )
    assert (created.actor, created.target, created.target_label) == (
        staff_client.user, phone, "Phone number",
    )  # fmt: skip
    assert (edited.actor, edited.details) == (
        staff_client.user, {"fields": ["requires_password_reset"]},
    )  # fmt: skip


# --- Imports, campaigns, exports -----------------------------------------------------


def test_an_upload_records_who_started_it_and_its_outcome_with_counts(
    celery_worker, staff_client, incident
):
    content = (
        b"email,categories,tier,remedy_code\r\n"
        b"alice@example.com,password-hash,priority,CODE-1\r\n"
        b"bob@,password-hash,standard,\r\n"
    )
    staff_client.post(
        reverse("admin:incidents_importbatch_add"),
        {"incident": incident.pk, "file": SimpleUploadedFile("list.csv", content)},
    )

    # The import runs on the worker (a real one in CI), as in production.
    batch = ImportBatch.objects.get()
    assert wait_for(
        lambda: AuditEvent.objects.filter(action=IncidentAction.IMPORT_FINISHED).exists()
    )
    started, finished = (
        the_event(IncidentAction.IMPORT_STARTED),
        the_event(IncidentAction.IMPORT_FINISHED),
    )
    assert (started.actor, started.target, started.details) == (
        staff_client.user, batch, {"rows": 2},
    )  # fmt: skip
    assert finished.actor == staff_client.user
    assert finished.details == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert "alice" not in json.dumps([started.details, finished.details])


def test_the_import_command_records_where_it_was_run(incident, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("email,categories,tier,remedy_code\r\nalice@example.com,password-hash,,\r\n")

    call_command("import_exposures", incident.slug, str(path), stdout=io.StringIO())

    started = the_event(IncidentAction.IMPORT_STARTED)
    assert started.actor is None
    assert "import_exposures command (OS user" in started.actor_label
    assert the_event(IncidentAction.IMPORT_FINISHED).details["created"] == 1


def test_sending_a_campaign_records_who_and_how_many(staff_client, incident, affected):
    campaign = Campaign.objects.create(
        incident=incident, name="First notice", subject="About {{ incident }}", body="Hello."
    )

    staff_client.post(reverse("admin:notifications_campaign_send", args=[campaign.pk]))

    event = the_event(CampaignAction.CAMPAIGN_SENT)
    assert (event.actor, event.target) == (staff_client.user, campaign)
    assert event.details == {"audience": "affected", "recipients": 2}


def test_a_test_send_records_who_asked_and_the_sample_tier(staff_client, incident, affected):
    campaign = Campaign.objects.create(
        incident=incident, name="First notice", subject="About {{ incident }}", body="Hello."
    )

    response = staff_client.post(reverse("admin:notifications_campaign_test", args=[campaign.pk]))

    assert response.status_code == HTTPStatus.FOUND
    event = the_event(CampaignAction.CAMPAIGN_TEST_SENT)
    assert (event.actor, event.target, event.target_label) == (
        staff_client.user, campaign, "First notice",
    )  # fmt: skip
    assert event.details == {"tier": "standard"}
    assert not AuditEvent.objects.filter(action=CampaignAction.CAMPAIGN_SENT).exists()


def test_an_export_records_who_and_the_count_never_the_addresses(role_client, incident, affected):
    client = role_client("Comms team")

    response = client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "export_affected", "_selected_action": [incident.pk]},
    )
    b"".join(response.streaming_content)

    event = the_event(IncidentAction.EXPORT_AFFECTED)
    assert (event.actor, event.target) == (client.user, incident)
    assert event.details == {"count": 2, "complete": True}
    assert "@" not in json.dumps(event.details) + event.target_label


def test_an_export_is_recorded_even_if_never_downloaded(role_client, incident, affected):
    client = role_client("Comms team")

    client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "export_affected", "_selected_action": [incident.pk]},
    )

    assert the_event(IncidentAction.EXPORT_AFFECTED).details == {"count": None, "complete": False}


def test_the_export_command_records_where_it_was_run(incident, affected, tmp_path):
    call_command("export_affected", incident.slug, "--output", str(tmp_path / "out.csv"))

    event = the_event(IncidentAction.EXPORT_AFFECTED)
    assert event.actor is None
    assert event.ip is None
    assert "export_affected command (OS user" in event.actor_label
    assert event.details == {"count": 2, "complete": True}


# --- People and questions -----------------------------------------------------------


def test_forcing_a_new_password_records_each_account_and_no_secret(staff_client):
    people = [
        User.objects.create_user(f"p{i}@example.com", "a-password-of-sixteen") for i in (1, 2)
    ]

    staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "force_password_change", "_selected_action": [p.pk for p in people]},
    )

    events = AuditEvent.objects.filter(action=AccountAction.PASSWORD_RESET_FORCED)
    assert sorted(e.target_label for e in events) == ["p1@example.com", "p2@example.com"]
    assert {e.actor for e in events} == {staff_client.user}
    assert all(e.details == {} for e in events)
    assert "a-password-of-sixteen" not in json.dumps([e.details for e in events])


def password_form(password, **overrides):
    return {"usable_password": "true", "password1": password, "password2": password} | overrides


def test_setting_someones_password_in_the_admin_records_who_and_never_the_password(
    staff_client,
):
    person = User.objects.create_user("person@example.com", None)

    response = staff_client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        password_form("Correct-Horse-Battery-42"),
    )

    assert response.status_code == HTTPStatus.FOUND
    person.refresh_from_db()
    assert person.check_password("Correct-Horse-Battery-42")
    event = the_event(AccountAction.PASSWORD_SET)
    assert (event.actor, event.target, event.target_label) == (
        staff_client.user, person, "person@example.com",
    )  # fmt: skip
    assert event.details == {}
    recorded = json.dumps([str(event), event.details])
    assert "Correct-Horse-Battery-42" not in recorded
    assert person.password not in recorded


def test_turning_off_someones_password_in_the_admin_is_recorded_as_such(staff_client):
    person = User.objects.create_user("person@example.com", "a-password-of-sixteen")

    staff_client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"usable_password": "false", "unset-password": "1"},
    )

    person.refresh_from_db()
    assert not person.has_usable_password()
    event = the_event(AccountAction.PASSWORD_DISABLED)
    assert (event.actor, event.target) == (staff_client.user, person)
    assert not AuditEvent.objects.filter(action=AccountAction.PASSWORD_SET).exists()


def test_a_refused_password_records_nothing(staff_client):
    person = User.objects.create_user("person@example.com", None)

    response = staff_client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        password_form("Correct-Horse-Battery-42", password2="something-else-entirely"),
    )

    assert response.status_code == HTTPStatus.OK  # the form again, with the error
    assert not AuditEvent.objects.filter(
        action__in=[AccountAction.PASSWORD_SET, AccountAction.PASSWORD_DISABLED]
    ).exists()


@pytest.fixture
def ticket():
    return support_services.ticket_create(
        subject="Was my password leaked?",
        category=Category.WAS_I_AFFECTED,
        body="I am worried.",
        email="anon@example.com",
    ).ticket


def reply_form(ticket, **overrides):
    return {
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": "",
        "canned": "",
        "reply": "",
    } | overrides


def test_an_agent_reply_records_who_answered_not_the_words(role_client, ticket):
    client = role_client("Support agents")

    client.post(
        reverse("admin:support_ticket_change", args=[ticket.pk]),
        reply_form(ticket, reply="You were not affected."),
    )

    event = the_event(TicketAction.TICKET_REPLIED)
    assert (event.actor, event.target) == (client.user, ticket)
    # Named by its reference; the customer's subject and the answer are not copied.
    assert event.target_label == ticket.reference
    assert "not affected" not in json.dumps(event.details)
    assert not AuditEvent.objects.filter(action=TicketAction.TICKET_STATUS_CHANGED).exists()


def test_an_internal_note_is_recorded_as_a_note(role_client, ticket):
    client = role_client("Support agents")

    client.post(
        reverse("admin:support_ticket_change", args=[ticket.pk]),
        reply_form(ticket, reply="Escalate.", internal="on"),
    )

    assert the_event(TicketAction.TICKET_NOTED).actor == client.user
    assert not AuditEvent.objects.filter(action=TicketAction.TICKET_REPLIED).exists()


def test_resolving_questions_in_bulk_records_each_with_who(role_client, ticket):
    client = role_client("Support agents")

    client.post(
        reverse("admin:support_ticket_changelist"),
        {"action": "mark_resolved", "_selected_action": [ticket.pk]},
    )

    event = the_event(TicketAction.TICKET_STATUS_CHANGED)
    assert (event.actor, event.target, event.target_label) == (
        client.user,
        ticket,
        ticket.reference,
    )
    assert event.details == {"status": TicketStatus.RESOLVED}
    assert Ticket.objects.get().status == TicketStatus.RESOLVED


def test_assigning_questions_to_oneself_in_bulk_records_each_from_and_to(role_client, ticket):
    client = role_client("Support agents")
    other = role_client("Support agents", email="other-agent@example.com").user
    taken = support_services.ticket_create(
        subject="Anything else?", category=Category.OTHER, body="Hi.", email="b@example.com"
    ).ticket
    support_services.tickets_assign(tickets=Ticket.objects.filter(pk=taken.pk), agent=other)

    client.post(
        reverse("admin:support_ticket_changelist"),
        {"action": "assign_to_me", "_selected_action": [ticket.pk, taken.pk]},
    )

    events = AuditEvent.objects.filter(action=TicketAction.TICKET_ASSIGNED, actor=client.user)
    assert {e.target_label: e.details["assignee"] for e in events} == {
        ticket.reference: {"from": None, "to": "support-agents@example.com"},
        taken.reference: {"from": "other-agent@example.com", "to": "support-agents@example.com"},
    }


def test_assigning_a_question_one_already_has_records_nothing(role_client, ticket):
    client = role_client("Support agents")
    support_services.tickets_assign(tickets=Ticket.objects.all(), agent=client.user)
    AuditEvent.objects.all().delete()

    response = client.post(
        reverse("admin:support_ticket_changelist"),
        {"action": "assign_to_me", "_selected_action": [ticket.pk]},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert not AuditEvent.objects.filter(action=TicketAction.TICKET_ASSIGNED).exists()


def test_choosing_an_assignee_on_the_question_records_who_gave_it_to_whom(role_client, ticket):
    client = role_client("Support agents")
    other = role_client("Support agents", email="other-agent@example.com").user

    client.post(
        reverse("admin:support_ticket_change", args=[ticket.pk]),
        reply_form(ticket, assignee=other.pk),
    )

    event = the_event(TicketAction.TICKET_ASSIGNED)
    assert (event.actor, event.target, event.target_label) == (
        client.user,
        ticket,
        ticket.reference,
    )
    assert event.details == {"assignee": {"from": None, "to": "other-agent@example.com"}}
    assert Ticket.objects.get().assignee == other
    assert "anon@example.com" not in json.dumps(event.details) + event.target_label


def test_unassigning_a_question_records_it(role_client, ticket):
    client = role_client("Support agents")
    support_services.tickets_assign(tickets=Ticket.objects.all(), agent=client.user)
    AuditEvent.objects.all().delete()

    client.post(
        reverse("admin:support_ticket_change", args=[ticket.pk]),
        reply_form(ticket, assignee=""),
    )

    event = the_event(TicketAction.TICKET_ASSIGNED)
    assert event.details == {"assignee": {"from": "support-agents@example.com", "to": None}}
    assert Ticket.objects.get().assignee is None


def test_saving_a_question_without_changing_its_assignee_records_no_assignment(
    role_client, ticket
):
    client = role_client("Support agents")

    client.post(
        reverse("admin:support_ticket_change", args=[ticket.pk]),
        reply_form(ticket, priority="urgent"),
    )

    assert Ticket.objects.get().priority == "urgent"
    assert not AuditEvent.objects.filter(action=TicketAction.TICKET_ASSIGNED).exists()


def test_the_record_keeps_the_address_the_request_came_from(staff_client, make_update):
    staff_client.post(
        reverse("admin:incidents_update_changelist"),
        {"action": "publish_now", "_selected_action": [make_update(at="draft").pk]},
        REMOTE_ADDR="203.0.113.7",
    )

    assert the_event(IncidentAction.UPDATE_PUBLISHED).ip == "203.0.113.7"


def test_the_record_outlives_the_person_who_acted(staff_client, make_update):
    staff_client.post(
        reverse("admin:incidents_update_changelist"),
        {"action": "publish_now", "_selected_action": [make_update(at="draft").pk]},
    )
    with transaction.atomic():
        staff_client.user.delete()

    event = the_event(IncidentAction.UPDATE_PUBLISHED)
    assert (event.actor, event.actor_label) == (None, "comms@example.com")
