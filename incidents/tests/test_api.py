import datetime as dt
from http import HTTPStatus

import pytest
from django.urls import reverse

from incidents.models import Severity, Status

pytestmark = pytest.mark.django_db

INCIDENT_FIELDS = {
    "id", "name", "status", "impact", "created_at", "updated_at", "monitoring_at",
    "resolved_at", "shortlink", "incident_updates", "components",
}  # fmt: skip
UPDATE_FIELDS = {"id", "status", "body", "created_at", "updated_at", "display_at"}


def test_the_page_id_comes_from_candor_page_id(client, incident, settings):
    settings.CANDOR_PAGE_ID = "example-corp"

    data = client.get(reverse("api:summary")).json()

    assert data["page"]["id"] == "example-corp"
    assert data["incidents"][0]["page_id"] == "example-corp"


def test_summary_has_statuspage_fields(client, incident, make_update):
    make_update(body="We are on it.")

    data = client.get(reverse("api:summary")).json()

    assert set(data["page"]) >= {"id", "name", "url", "time_zone", "updated_at"}
    assert data["status"] == {"indicator": "major", "description": "Major security incident"}
    assert data["components"] == []
    [summary_incident] = data["incidents"]
    assert set(summary_incident) >= INCIDENT_FIELDS
    [update] = summary_incident["incident_updates"]
    assert set(update) >= UPDATE_FIELDS
    assert update["body"] == "We are on it."
    assert summary_incident["shortlink"].endswith(incident.get_absolute_url())


def test_summary_indicator_is_none_when_everything_is_resolved(client, incident, make_update):
    make_update(status=Status.RESOLVED)

    data = client.get(reverse("api:summary")).json()

    assert data["status"]["indicator"] == "none"
    assert data["incidents"] == []


def test_summary_indicator_is_the_worst_active_severity(client, make_incident, make_update):
    make_incident(slug="a", severity=Severity.MINOR)
    make_incident(slug="b", severity=Severity.CRITICAL)

    data = client.get(reverse("api:summary")).json()

    assert data["status"]["indicator"] == "critical"


def test_incidents_list_includes_resolved_ones_with_resolved_at(
    client, incident, make_update, now
):
    make_update(status=Status.RESOLVED, at=now - dt.timedelta(minutes=5))

    [data] = client.get(reverse("api:incidents")).json()["incidents"]

    assert data["status"] == "resolved"
    assert data["resolved_at"] is not None


def test_contained_is_sent_as_a_statuspage_status(client, incident, make_update):
    make_update(status=Status.CONTAINED)

    [data] = client.get(reverse("api:incidents")).json()["incidents"]

    assert data["status"] == "monitoring"
    assert data["candor_status"] == "contained"


def test_unknown_api_path_gets_a_json_404(client, db):
    response = client.get("/api/v2/components.json")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["error"] == "not_found"


def test_api_can_be_read_from_other_sites(client, db):
    response = client.get(reverse("api:summary"))

    assert response["Access-Control-Allow-Origin"] == "*"
