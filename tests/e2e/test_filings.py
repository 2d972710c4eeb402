"""
A member of the comms team reports to a regulator: she imports the affected list with
where people live, is suggested GDPR and CERT-In, confirms GDPR, edits its prefilled
draft, downloads the PDF and marks it filed; the version she filed is recorded.
"""

import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from filings.models import Filing

from .a11y import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AFFECTED = """email,categories,tier,remedy_code,country,region
anna@example.com,password-hash,,,DE,
bernd@example.com,password-hash,,,DE,DE-BE
carla@example.com,password-hash,,,DE,
dora@example.com,password-hash,,,FR,
eve@example.com,password-hash,,,IN,IN-MH
fred@example.com,password-hash,,,US,US-CA
gina@example.com,password-hash,,,XX,
"""


@pytest.fixture
def comms_member(desktop_page, role_client, share_session):
    share_session(desktop_page, role_client("Comms team"))
    return desktop_page


def test_a_gdpr_report_is_suggested_drafted_exported_and_filed(
    comms_member, incident, celery_worker, tmp_path
):
    page = comms_member
    page.goto(reverse("admin:incidents_importbatch_add"))
    page.get_by_label("Incident:").select_option(label=incident.title)
    page.get_by_label("File:").set_input_files(
        files=[{"name": "affected.csv", "mimeType": "text/csv", "buffer": AFFECTED.encode()}]
    )
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("link", name="affected.csv").click()
    expect(page.locator("#import-progress")).to_contain_text("6 new", timeout=20_000)
    expect(page.locator("#import-progress")).to_contain_text("1 rejected")

    # The incident counts them by place; its regulators page suggests GDPR and CERT-In.
    page.goto(reverse("admin:incidents_incident_change", args=[incident.pk]))
    expect(page.get_by_role("cell", name="Germany", exact=True)).to_be_visible()
    page.get_by_role("link", name="Regulators to notify: suggestions and report drafts").click()
    suggestions = page.locator("ul.suggestions")
    expect(suggestions).to_contain_text("GDPR Art. 33")
    expect(suggestions).to_contain_text("India CERT-In")
    expect(suggestions).not_to_contain_text("California")  # one resident, not over 500
    assert_accessible(page)

    page.get_by_role("button", name="Confirm GDPR Art. 33").click()
    expect(page.locator(".messagelist")).to_contain_text("GDPR Art. 33 added")
    subjects = page.get_by_label("Categories and approximate number of data subjects concerned")
    expect(subjects).to_have_value(
        re.compile(r"^6 people affected in total\.\n- Germany \(DE\): 2\n")
    )
    expect(subjects).to_have_value(re.compile(r"- Germany, Berlin \(DE-BE\): 1"))
    assert_accessible(page)

    page.get_by_label("Likely consequences of the personal data breach").fill(
        "Targeted phishing of the people concerned."
    )
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF (A4)").click()
    pdf = tmp_path / "gdpr.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(
        [shutil.which("pdftotext"), pdf, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Targeted phishing of the people concerned." in text
    assert "Germany (DE): 2" in text
    assert "GDPR Art. 33(3)(c)" in text

    page.get_by_role("link", name="Mark filed…").click()
    assert_accessible(page)
    page.get_by_label("The regulator's reference for this filing (optional)").fill("DPC-7")
    page.get_by_role("button", name="Yes, mark it filed").click()
    expect(page.locator(".messagelist")).to_contain_text("Filed: version 2 is recorded")
    filing = Filing.objects.get()
    assert filing.version.values["consequences"] == "Targeted phishing of the people concerned."
    assert filing.draft.obligation.filed_at is not None

    # The deadline's own page (where deadline alerts link) leads to the draft.
    page.goto(reverse("admin:incidents_obligation_change", args=[filing.draft.obligation_id]))
    expect(page.get_by_role("link", name="Open the report draft")).to_be_visible()
    # What GDPR asks for is data she can read and edit: the report form's pages.
    page.goto(reverse("admin:filings_filingform_changelist"))
    assert_accessible(page)
    page.get_by_role("link", name="GDPR Art. 33", exact=True).click()
    expect(page.locator('input[value="GDPR Art. 33(3)(d)"]')).to_be_attached()
    assert_accessible(page)
