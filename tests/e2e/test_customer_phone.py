"""
Alice, affected, on her phone after the forced new password: what she reads first, the
steps she can and cannot take yet, and where she is signed in, as she taps through them.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from incidents.models import Incident

from .a11y import assert_accessible, overflows_horizontally

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ALICE = "alice@example.com"


@pytest.fixture
def alice_on_her_phone(demo, django_user_model, phone_page, share_session):
    """Alice has already set her new password (the journeys walk that) and is signed in."""
    alice = django_user_model.objects.get(email=ALICE)
    alice.must_change_password = False
    alice.password_changed_at = timezone.now()
    alice.save()
    client = Client()
    client.force_login(alice)
    share_session(phone_page, client)
    return phone_page


@pytest.mark.parametrize(("language", "name"), [("en", "Was I affected?"), ("es", "¿Me afectó?")])
def test_the_verdict_is_the_first_thing_she_reads_under_one_name(
    alice_on_her_phone, language, name
):
    page = alice_on_her_phone
    with translation.override(language):
        page.goto(reverse("home"))

    page.get_by_role("navigation", name=re.compile("Main|Principal")).get_by_role(
        "link", name=name
    ).click()

    expect(page).to_have_title(re.compile("^" + re.escape(name)))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    verdict = page.locator(".personal--affected h2").first
    checklist = page.locator(".checklist-summary")
    # On a 390 by 844 phone the verdict is on the first screen, above the checklist.
    assert verdict.bounding_box()["y"] < 844
    assert verdict.bounding_box()["y"] < checklist.bounding_box()["y"]
    assert_accessible(page)


def test_ask_us_starts_a_question_about_her_incident(alice_on_her_phone):
    page = alice_on_her_phone
    page.goto(reverse("accounts:me"))

    page.get_by_role("link", name="Ask us a question").click()

    incident = Incident.objects.get()
    expect(page.get_by_label("Which incident? (optional)")).to_have_value(str(incident.pk))


def test_steps_she_cannot_take_yet_say_why_and_done_means_done(alice_on_her_phone):
    page = alice_on_her_phone
    page.goto(reverse("accounts:me-security"))

    codes = page.locator("#step-recovery-codes")
    expect(codes).to_contain_text("They come with two-factor authentication: turn that on first.")
    expect(codes.get_by_role("link")).to_have_count(0)  # no "Page not found" behind it

    remedy = page.locator("#step-remedy")
    expect(remedy).to_contain_text("To do")
    expect(remedy).to_contain_text("is waiting for you")
    remedy.get_by_role("button", name="I have enrolled").click()
    remedy = page.locator("#step-remedy")
    expect(remedy).to_contain_text("Done")
    expect(remedy).to_contain_text("You told us you enrolled with your code.")
    expect(remedy).not_to_contain_text("waiting")
    assert_accessible(page)


def test_where_she_is_signed_in_fits_her_phone_and_names_the_browser(alice_on_her_phone):
    page = alice_on_her_phone
    page.goto(reverse("accounts:me"))
    page.get_by_role("link", name="Your email addresses").click()
    page.get_by_role("link", name="Devices").click()

    expect(page.get_by_role("heading", name="Where you are signed in")).to_be_visible()
    expect(page.locator(".sessions__device").first).to_contain_text(re.compile(r"Chrome .* on "))
    expect(page.get_by_text("This device")).to_be_visible()
    assert not overflows_horizontally(page)
    assert_accessible(page)
