"""Drafts: prefilled, edited in versions, exported (PDF, text), filed; the comms team's only."""

import shutil
import subprocess
from http import HTTPStatus

import pytest
from django.urls import reverse

from filings.models import Draft
from filings.selectors import draft_versions
from filings.services import draft_file, draft_save, draft_start
from incidents.models import Obligation, Regime
from incidents.services import clocks

pytestmark = pytest.mark.django_db

# poppler-utils: installed by .ci/run.
PDFINFO, PDFTOTEXT = shutil.which("pdfinfo"), shutil.which("pdftotext")


@pytest.fixture
def obligation(incident):
    def make(name="GDPR Art. 33"):
        regime = Regime.objects.get(name=name)
        return clocks.obligation_save(obligation=Obligation(incident=incident, regime=regime))

    return make


@pytest.fixture
def gdpr_draft(obligation, affected, admin_user):
    affected(2, "IE")
    return draft_start(obligation=obligation(), user=admin_user)


def test_each_save_is_a_version_saying_who_changed_which_field(gdpr_draft, admin_user):
    draft_save(draft=gdpr_draft, values={"consequences": "Phishing."}, user=admin_user)
    draft_save(draft=gdpr_draft, values={"consequences": "Phishing."}, user=admin_user)

    latest, first = draft_versions(draft=gdpr_draft)

    assert (latest.number, latest.by) == (2, admin_user.email)
    assert latest.changed == ["Likely consequences of the personal data breach"]
    assert first.number == 1  # the prefill; the unchanged second save made no version


def test_filing_records_the_version_filed_and_files_the_deadline(gdpr_draft, admin_user):
    draft_save(draft=gdpr_draft, values={"consequences": "Phishing."}, user=admin_user)

    filing = draft_file(draft=gdpr_draft, user=admin_user, reference="DPC-1")
    draft_save(draft=gdpr_draft, values={"to_follow": "Root cause."}, user=admin_user)

    assert filing.version_number == 2
    assert filing.version.values["consequences"] == "Phishing."
    gdpr_draft.obligation.refresh_from_db()
    assert gdpr_draft.obligation.filed_at == filing.filed_at
    assert gdpr_draft.obligation.reference == "DPC-1"
    assert [v.filed for v in draft_versions(draft=gdpr_draft)] == [False, True, False]


def test_a_later_phase_starts_from_what_was_filed_for_the_earlier(obligation, admin_user):
    early = draft_start(obligation=obligation("NIS2 early warning"), user=admin_user)
    draft_save(draft=early, values={"malicious": "Yes: ransomware."}, user=admin_user)
    draft_file(draft=early, user=admin_user)
    draft_save(draft=early, values={"malicious": "Edited after filing."}, user=admin_user)

    later = draft_start(obligation=obligation("NIS2 incident notification"), user=admin_user)

    assert later.values["malicious"] == "Yes: ransomware."


def test_the_pdf_holds_the_draft_on_a4_or_letter(gdpr_draft, role_client, tmp_path):
    comms = role_client("Comms team")
    url = reverse("admin:filings_draft_pdf", args=[gdpr_draft.pk])
    sizes = {}
    for size in ["a4", "letter"]:
        response = comms.get(url, {"size": size})
        assert response["Content-Type"] == "application/pdf"
        pdf = tmp_path / f"{size}.pdf"
        pdf.write_bytes(response.content)
        info = subprocess.run([PDFINFO, pdf], capture_output=True, text=True).stdout
        sizes[size] = next(line for line in info.splitlines() if line.startswith("Page size"))
        text = subprocess.run([PDFTOTEXT, pdf, "-"], capture_output=True, text=True).stdout
        assert "GDPR Art. 33(3)(a)" in text
        assert "2 people affected in total." in text
    assert "A4" in sizes["a4"]
    assert "letter" in sizes["letter"]


def test_the_plain_text_gives_each_field_with_its_source(gdpr_draft, role_client):
    response = role_client("Comms team").get(
        reverse("admin:filings_draft_text", args=[gdpr_draft.pk])
    )

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "== Nature of the personal data breach (GDPR Art. 33(3)(a))" in text
    assert "An attacker used a stolen credential." in text


def test_the_comms_team_edits_a_draft_in_the_admin(gdpr_draft, role_client):
    comms = role_client("Comms team")
    url = reverse("admin:filings_draft_change", args=[gdpr_draft.pk])
    form = {key: value for key, value in gdpr_draft.values.items()}

    response = comms.post(url, form | {"consequences": "Targeted phishing."})

    assert response.status_code == HTTPStatus.FOUND
    gdpr_draft.refresh_from_db()
    assert gdpr_draft.values["consequences"] == "Targeted phishing."
    assert draft_versions(draft=gdpr_draft)[0].by == comms.user.email


@pytest.mark.parametrize(
    "name",
    ["filings_draft_change", "filings_draft_pdf", "filings_draft_text", "filings_draft_file"],
)
def test_support_agents_cannot_see_drafts(gdpr_draft, role_client, name):
    response = role_client("Support agents").get(reverse(f"admin:{name}", args=[gdpr_draft.pk]))

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_support_agents_cannot_see_or_confirm_suggestions(incident, affected, role_client):
    affected(1, "DE")
    agent = role_client("Support agents")
    url = reverse("admin:filings_regulators", args=[incident.pk])

    assert agent.get(url).status_code == HTTPStatus.FORBIDDEN
    assert agent.post(url, {"rule": 1}).status_code == HTTPStatus.FORBIDDEN
    assert not Draft.objects.exists()


def test_a_deadline_filed_from_its_list_records_its_drafts_version(gdpr_draft, role_client):
    comms = role_client("Comms team")
    draft_save(draft=gdpr_draft, values={"consequences": "Phishing."}, user=comms.user)

    comms.post(
        reverse("admin:incidents_obligation_changelist"),
        {"action": "file_now", "_selected_action": [gdpr_draft.obligation_id]},
    )

    (filing,) = gdpr_draft.filings.all()
    assert (filing.version_number, filing.filed_by) == (2, comms.user)
    gdpr_draft.obligation.refresh_from_db()
    assert filing.filed_at == gdpr_draft.obligation.filed_at


def test_the_deadlines_page_leads_to_its_draft_for_the_comms_team(gdpr_draft, role_client):
    page = role_client("Comms team").get(
        reverse("admin:incidents_obligation_change", args=[gdpr_draft.obligation_id])
    )

    assert reverse("admin:filings_draft_change", args=[gdpr_draft.pk]) in page.content.decode()
