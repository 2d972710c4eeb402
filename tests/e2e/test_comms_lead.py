"""
The comms lead's everyday steps in the admin, as she clicks through them: correcting a
published update, reading the incident's status, and writing a campaign (a draft,
saved, corrected, tested on herself, then sent).
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from incidents.models import Incident
from tests.helpers import sign_in
from tests.smtp_sink import SmtpSink

from .steps import email_about

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

STAFF = "staff@example.com"


@pytest.fixture
def comms_lead(desktop_page, demo, share_session):
    staff = Client()
    sign_in(staff, get_user_model().objects.get(email=STAFF), "password", "mfa")
    share_session(desktop_page, staff)
    return desktop_page


def test_a_draft_campaign_is_saved_corrected_tested_and_sent(comms_lead, smtp_sink, celery_worker):
    page = comms_lead
    page.goto(reverse("admin:index"))
    page.get_by_role("link", name="Campaigns").first.click()
    page.get_by_role("link", name="Add campaign").click()

    page.get_by_label("Incident:", exact=True).select_option(index=1)
    page.get_by_label("Name:", exact=True).fill("First notice")
    page.get_by_label("Subject:", exact=True).fill("About your account")
    page.get_by_label("Body:", exact=True).fill("Hello {{ incident }}, a first draft.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # A correction of the saved draft is saved: the "Save" buttons work on this page.
    page.get_by_label("Body:", exact=True).fill("Hello {{ incident }}, the corrected words.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.get_by_label("Body:", exact=True)).to_have_value(
        "Hello {{ incident }}, the corrected words."
    )

    # The test goes to her, with the corrected words, and nothing is refused.
    page.get_by_role("button", name="Send a test to me").click()
    expect(page.locator(".messagelist")).to_contain_text(f"A test was sent to {STAFF}.")
    expect(page.locator(".errorlist")).to_have_count(0)
    test = email_about(smtp_sink, STAFF, "[TEST] About your account")
    assert "the corrected words" in SmtpSink.text(test)

    # Then to everyone, after a confirmation that says how many.
    page.get_by_role("link", name="Send…").click()
    page.get_by_role("button", name=re.compile(r"^Yes, send \d+ emails?$")).click()
    expect(page.locator(".messagelist")).to_contain_text("Sending.")
    sent = email_about(smtp_sink, "alice@example.com", "About your account")
    assert "the corrected words" in SmtpSink.text(sent)


def test_a_published_update_is_corrected_and_readers_are_told(comms_lead):
    page = comms_lead
    page.goto(reverse("admin:index"))
    page.get_by_role("link", name="Updates").first.click()

    # Each row says what the update says; she opens the newest public one.
    rows = page.locator("#result_list tbody tr")
    public_row = rows.filter(has_text="Public").first
    excerpt = public_row.locator("th a").inner_text()
    public_row.locator("th a").click()

    body = page.get_by_label("Body:", exact=True)
    body.fill(body.input_value() + "\n\nCorrection: card numbers were not involved.")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text(
        "Published, and marked as edited for readers."
    )
    expect(page.locator(".errorlist")).to_have_count(0)
    row = page.locator("#result_list tbody tr").filter(has_text=excerpt[:40]).first
    expect(row.locator(".field-was_edited img")).to_have_attribute("alt", "True")
    page.goto(Incident.objects.get().get_absolute_url())
    expect(page.get_by_text("Correction: card numbers were not involved.")).to_be_visible()


def test_the_incident_list_and_the_public_page_show_one_status(comms_lead):
    page = comms_lead
    incident = Incident.objects.get()
    page.goto(incident.get_absolute_url())
    public_status = page.locator(".incident__status .badge").inner_text()

    page.goto(reverse("admin:index"))
    page.locator(".model-incident").get_by_role("link", name="Incidents").click()

    expect(page.locator("#result_list .field-shown_status").first).to_have_text(public_status)


def test_a_correction_in_english_warns_and_spanish_readers_get_the_corrected_english(
    comms_lead,
):
    page = comms_lead
    page.goto(reverse("admin:index"))
    page.get_by_role("link", name="Updates").first.click()
    # A public update the demo translated into Spanish.
    page.locator("#result_list tbody tr").filter(has_text="leaked contractor credential").locator(
        "th a"
    ).click()
    spanish = page.get_by_label("Body (Spanish):", exact=True).input_value()
    assert spanish  # the demo translated it

    body = page.get_by_label("Body:", exact=True)
    body.fill(body.input_value() + "\n\nCorrection: card numbers were not involved.")
    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.locator(".messagelist .warning")).to_contain_text(
        "The Spanish translation is now out of date"
    )
    expect(page.locator(".field-translation_state")).to_contain_text("Behind in Spanish")

    # The list of what is behind names it, one click from the admin's filter.
    page.goto(reverse("admin:incidents_update_changelist"))
    page.get_by_role("link", name="Behind in Spanish").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)

    # A Spanish reader gets the corrected English, told why, not the outdated Spanish.
    page.goto("/es" + Incident.objects.get().get_absolute_url().removeprefix("/en"))
    expect(page.get_by_text("Correction: card numbers were not involved.")).to_be_visible()
    expect(page.get_by_text("se corrigió después de traducirse").first).to_be_visible()
    expect(page.get_by_text(spanish.splitlines()[0][:60])).to_have_count(0)
