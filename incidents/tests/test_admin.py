import datetime as dt
from http import HTTPStatus

import pytest
from django.urls import reverse

from incidents.models import Incident, Update

pytestmark = pytest.mark.django_db


def test_comms_team_creates_an_incident_in_the_admin(staff_client, category, incident_form):
    response = staff_client.post(
        reverse("admin:incidents_incident_add"),
        incident_form(is_published="on", data_categories=[category.pk]),
    )

    assert response.status_code == HTTPStatus.FOUND
    incident = Incident.objects.get(slug="card-data")
    assert list(incident.data_categories.all()) == [category]
    assert staff_client.get(incident.get_absolute_url()).status_code == HTTPStatus.OK


def test_invalid_incident_gets_field_errors_and_keeps_the_input(staff_client, db, incident_form):
    response = staff_client.post(
        reverse("admin:incidents_incident_add"), incident_form(slug="bad slug!", summary_en="")
    )
    page = response.content.decode()

    assert response.status_code == HTTPStatus.OK
    assert "errorlist" in page
    assert "Card data exposure" in page  # what was typed is still there
    assert not Incident.objects.exists()


def test_update_added_in_the_admin_records_its_author(staff_client, incident, now):
    response = staff_client.post(
        reverse("admin:incidents_update_add"),
        {
            "incident": incident.pk,
            "status": "identified",
            "body_en": "We know the cause.",
            "publish_at_0": now.strftime("%Y-%m-%d"),
            "publish_at_1": now.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    assert Update.objects.get().author == staff_client.user


def test_admin_refuses_to_move_a_public_update_with_a_field_error(staff_client, make_update, now):
    update = make_update()
    later = now + dt.timedelta(days=2)

    response = staff_client.post(
        reverse("admin:incidents_update_change", args=[update.pk]),
        {
            "incident": update.incident.pk,
            "status": update.status,
            "body": update.body,
            "publish_at_0": later.strftime("%Y-%m-%d"),
            "publish_at_1": later.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert "already public" in response.content.decode()
    update.refresh_from_db()
    assert update.publish_at < now


def test_publish_now_action_publishes_drafts(staff_client, make_update):
    draft = make_update(at="draft")

    staff_client.post(
        reverse("admin:incidents_update_changelist"),
        {"action": "publish_now", "_selected_action": [draft.pk]},
    )

    draft.refresh_from_db()
    assert draft.is_public()


def test_update_list_filters_by_state(staff_client, make_update, now):
    make_update(body="Public one.")
    make_update(body="Scheduled one.", at=now + dt.timedelta(days=1))

    page = staff_client.get(
        reverse("admin:incidents_update_changelist"), {"state": "scheduled"}
    ).content.decode()

    assert "Scheduled" in page
    assert "1 update" in page
