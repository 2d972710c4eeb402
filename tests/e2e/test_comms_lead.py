"""
The comms lead writes a campaign in the admin: a draft, saved, corrected, tested on
herself, then sent, as she clicks through it.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

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
