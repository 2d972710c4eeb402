import csv
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.urls import reverse

from incidents.exports import csv_cell

pytestmark = pytest.mark.django_db

HOSTILE = (
    "email,categories,tier,remedy_code\r\n"
    "=sum@example.com,password-hash,standard,\r\n"
    "+call@example.com,password-hash,standard,\r\n"
    "alice@example.com,password-hash,priority,\r\n"
)


@pytest.fixture
def affected(import_affected):
    return import_affected(HOSTILE)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(value):
    assert csv_cell(value) == "'" + value


def test_ordinary_cells_are_kept():
    assert csv_cell("alice@example.com") == "alice@example.com"


def export(client, incident):
    return client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "export_affected", "_selected_action": [incident.pk]},
    )


def test_the_comms_team_exports_a_neutralised_csv_and_it_is_logged(
    role_client, incident, affected
):
    response = export(role_client("Comms team"), incident)

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["email", "tier"]
    # A spreadsheet shows these as text: the quote stops "=" and "+" running as formulas.
    assert sorted(rows[1:]) == [
        ["'+call@example.com", "standard"],
        ["'=sum@example.com", "standard"],
        ["alice@example.com", "priority"],
    ]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert LogEntry.objects.filter(change_message__contains="Exported the affected").exists()


def test_support_agents_cannot_export(role_client, incident, affected):
    response = export(role_client("Support agents"), incident)

    assert response.status_code == 403


def test_the_command_writes_the_csv(incident, affected, tmp_path):
    output = tmp_path / "suppress.csv"

    call_command("export_affected", incident.slug, "--output", str(output))

    assert "alice@example.com,priority" in output.read_text()


def test_the_command_writes_the_list_readable_by_its_owner_and_group_only(
    incident, affected, tmp_path
):
    output = tmp_path / "suppress.csv"
    output.write_text("an older list")
    output.chmod(0o644)

    call_command("export_affected", incident.slug, "--output", str(output))

    assert output.stat().st_mode & 0o777 == 0o640
    assert "an older list" not in output.read_text()
