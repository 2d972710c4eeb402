"""
Every person's journey through Candor in a real browser, from the demo's data (seed_demo),
with mail going over SMTP to a real server (the sink) and every page checked by axe-core.

- an affected customer: sign in with an emailed code, the forced new password, what of
  theirs was involved, 2FA and recovery codes, other sessions ended, a question asked;
- a support agent and a customer: the question in the inbox, a canned reply, the reply by
  email and on the site, resolved and rated;
- the comms team and a subscriber: an update published in the admin reaches a confirmed
  subscriber once, and the Atom feed and the JSON API;
- an unaffected customer: told so, and still given the safety advice.
"""

import json
import re
import xml.etree.ElementTree as ET

import pyotp
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from notifications.models import Notification
from portal.demo import DEMO_STAFF_TOTP_SECRET
from tests.helpers import wait_for
from tests.smtp_sink import SmtpSink

from .a11y import assert_accessible
from .steps import (
    code_from,
    confirm_password_if_asked,
    email_about,
    emailed_code,
    sign_in_with_password,
    type_subject,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ALICE = "alice@example.com"
STAFF, STAFF_PASSWORD = "staff@example.com", "demo-password-staff"
# In the demo's affected list, standard tier, password not involved (no forced new password).
DANA, DANA_PASSWORD = "customer003@example.net", "my phone is not my password"
ALICE_NEW_PASSWORD = "a long walk by the quiet harbour"


def admin_sign_in(page: Page) -> None:
    """The demo's staff member opens the admin: a password, then the authenticator app's code."""
    page.goto(reverse("admin:index"))
    sign_in_with_password(page, STAFF, STAFF_PASSWORD)
    page.get_by_label("Code", exact=True).fill(code_from(pyotp.TOTP(DEMO_STAFF_TOTP_SECRET)))
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", name="Incidents, customers and questions")).to_be_visible()


def run_as_beat_does(schedule_name: str):
    """Run a periodic task as Celery beat has a worker run it: by the name in its schedule."""
    from portal.celery import app

    task_name = django_settings.CELERY_BEAT_SCHEDULE[schedule_name]["task"]
    return app.tasks[task_name].apply().get()


def open_status_page(page: Page) -> None:
    """Home page, then "Was I affected?" in the main menu (which asks to sign in first)."""
    page.goto(reverse("home"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Was I affected?").click()


def test_affected_customer_is_walked_to_a_safe_account(
    phone_page, new_phone_page, demo, smtp_sink, celery_worker, tmp_path
):
    page = phone_page
    page.goto(reverse("home"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    # Signing in with a code sent by email.
    open_status_page(page)
    expect(page).to_have_url(re.compile(r"/login/"))
    assert_accessible(page)
    page.get_by_role("link", name="Send me a sign-in code").click()
    assert_accessible(page)
    page.get_by_label("Email", exact=True).fill(ALICE)
    page.get_by_role("button", name="Request Code").click()
    code = emailed_code(smtp_sink, ALICE)
    assert_accessible(page)
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Confirm", exact=True).click()

    # Her password was in the copied data: nothing else until she sets a new one.
    expect(page.get_by_text("Your password was among the data involved")).to_be_visible()
    assert_accessible(page)
    # The code proved the address is hers: the old password is not asked for.
    page.get_by_label("New Password", exact=True).fill(ALICE_NEW_PASSWORD)
    page.get_by_label("New Password (again)", exact=True).fill(ALICE_NEW_PASSWORD)
    page.get_by_role("button", name="Save my new password").click()
    expect(page.get_by_text("Password successfully changed.")).to_be_visible()

    # What of hers was involved, privately: her status page, where the new password led.
    expect(page.get_by_role("heading", name="Your information was involved")).to_be_visible()
    exposed = page.locator(".exposed__item > strong")
    expect(exposed).to_have_text(["Email address", "Password (hashed)", "Phone number"])
    expect(page.get_by_text("DEMO-CM-7Q4K-2X9P")).to_be_visible()
    assert_accessible(page)

    # Meanwhile she is signed in on another device too.
    laptop = new_phone_page()
    laptop.goto(reverse("accounts:me"))
    sign_in_with_password(laptop, ALICE, ALICE_NEW_PASSWORD)
    expect(laptop.get_by_role("heading", name="Your information was involved")).to_be_visible()

    # Two-factor authentication, from the checklist.
    page.get_by_role("link", name="Continue your checklist").click()
    assert_accessible(page)
    page.locator("#step-two-factor").get_by_role("link", name="Turn it on").click()
    confirm_password_if_asked(page, ALICE_NEW_PASSWORD)
    assert_accessible(page)
    app = pyotp.TOTP(page.get_by_label("Authenticator secret").input_value())
    page.get_by_label("Authenticator code").fill(code_from(app))
    page.get_by_role("button", name="Activate", exact=True).click()
    expect(page.get_by_text("Authenticator app activated.")).to_be_visible()
    assert_accessible(page)

    # The recovery codes, shown once and downloaded.
    shown = page.get_by_label("Unused codes").input_value().split()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download codes").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert re.findall(r"^\d{8}$", saved.read_text(), re.MULTILINE) == shown
    page.get_by_label("I have saved my recovery codes").check()

    # Every other session signed out, from the checklist.
    page.goto(reverse("accounts:me-security"))
    sessions_step = page.locator("#step-sessions")
    sessions_step.get_by_role("button", name="Sign out all other sessions").click()
    expect(sessions_step.get_by_text("Done")).to_be_visible()
    expect(page.locator("#step-two-factor").get_by_text("Done")).to_be_visible()
    assert_accessible(page)
    laptop.reload()
    expect(laptop).to_have_url(re.compile(r"/login/"))
    expect(laptop.get_by_label("Password", exact=True)).to_be_visible()

    # A question, asked while signed in.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Get help").click()
    page.get_by_role("link", name="Ask us a question").click()
    assert_accessible(page)
    type_subject(page, "Do I need to cancel my card?")
    page.get_by_label("Remedy or compensation").check()
    page.get_by_label("Your question").fill("My phone number was involved too. What should I do?")
    page.get_by_role("button", name="Send my question").click()
    expect(page.get_by_text("We received your question")).to_be_visible()
    expect(page.get_by_role("heading", name="Do I need to cancel my card?")).to_be_visible()
    assert_accessible(page)


def test_agent_answers_an_affected_customers_question_which_the_customer_resolves_and_rates(
    phone_page, desktop_page, demo, smtp_sink, celery_worker, django_user_model
):
    dana = django_user_model.objects.create_user(DANA, DANA_PASSWORD, full_name="Dana")
    EmailAddress.objects.create(user=dana, email=DANA, verified=True, primary=True)

    # Dana asks, signing in first so that her question is answered as an affected customer's.
    customer = phone_page
    customer.goto(reverse("home"))
    customer.get_by_role("link", name="Ask us a question").click()
    customer.get_by_role("link", name="Sign in first").click()
    sign_in_with_password(customer, DANA, DANA_PASSWORD)
    expect(customer.get_by_role("heading", name="Ask us a question")).to_be_visible()
    type_subject(customer, "Which of my details were copied?")
    customer.get_by_label("Was I affected?").check()
    customer.get_by_label("Your question").fill("I read the news. Was my date of birth in it?")
    customer.get_by_role("button", name="Send my question").click()
    expect(customer.get_by_text("We received your question")).to_be_visible()

    # The agent signs in to the admin with a password and a code from the authenticator app.
    agent = desktop_page
    admin_sign_in(agent)
    agent.get_by_role("link", name="Tickets").click()
    expect(agent.get_by_role("heading", name="Support inbox")).to_be_visible()
    assert_accessible(agent)

    # High priority: the asker is on the affected list (standard tier).
    row = agent.get_by_role("row").filter(has_text="Which of my details were copied?")
    expect(row.locator(".inbox-priority")).to_have_text("High")
    row.get_by_role("link", name="Which of my details were copied?").click()
    expect(agent.get_by_text("Affected, standard tier")).to_be_visible()
    assert_accessible(agent)
    agent.get_by_label("Canned response").select_option(label="Were you affected? (how to check)")
    reply = agent.get_by_label("Reply:", exact=True)
    expect(reply).to_have_value(re.compile(r"^Hello Dana,"))
    agent.get_by_role("button", name="Save", exact=True).click()
    expect(agent.get_by_text(f"Reply sent to {DANA}.")).to_be_visible()

    # The reply reaches Dana by email and on her question's page.
    email = email_about(smtp_sink, DANA, "An answer to your question")
    assert "only you can see it there" in SmtpSink.text(email).lower()
    customer.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Was I affected?"
    ).click()
    customer.get_by_role("link", name="Your questions").click()
    assert_accessible(customer)
    customer.get_by_role("link", name="Which of my details were copied?").click()
    expect(customer.locator(".thread__message--agent")).to_contain_text(
        "Only you can see it there"
    )
    assert_accessible(customer)

    customer.get_by_role("button", name="My question is answered: mark it resolved").click()
    expect(customer.get_by_text("Marked as resolved.")).to_be_visible()
    assert_accessible(customer)
    customer.get_by_label("5", exact=True).check()
    customer.get_by_label("Anything to add? (optional)").fill("Clear and quick, thank you.")
    customer.get_by_role("button", name="Send my rating").click()
    expect(customer.get_by_text("You rated our help 5 out of 5.")).to_be_visible()


def test_update_published_in_the_admin_reaches_a_subscriber_once_and_the_feed_and_api(
    phone_page, desktop_page, demo, smtp_sink, celery_worker, live_server, settings
):
    settings.SITE_URL = live_server.url  # the address emails tell people to open
    run_as_beat_does("updates-announce")  # beat has been announcing the demo's updates

    # Erin subscribes from the home page and confirms with the link emailed to her.
    reader = phone_page
    reader.goto(reverse("home"))
    subscribe_box = reader.get_by_role("complementary", name="Get updates by email")
    subscribe_box.get_by_label("Your email address").fill("erin@example.org")
    subscribe_box.get_by_role("button", name="Continue").click()
    assert_accessible(reader)
    reader.get_by_role("button", name="Subscribe").click()
    assert_accessible(reader)
    confirmation = email_about(smtp_sink, "erin@example.org", "Please confirm")
    confirm_url = re.search(r"^http\S+$", SmtpSink.text(confirmation), re.M)
    reader.goto(confirm_url.group(0))
    assert_accessible(reader)
    reader.get_by_role("button", name="Confirm").click()
    expect(reader.get_by_role("heading", name="You will receive our updates")).to_be_visible()
    assert_accessible(reader)

    # The comms team posts an update, to be public at once.
    comms = desktop_page
    admin_sign_in(comms)
    comms.get_by_role("link", name="Updates").click()
    comms.get_by_role("link", name="Add update").click()
    comms.get_by_label("Incident:").select_option(
        label="Unauthorised access to customer account data"
    )
    comms.get_by_label("Status:").select_option(label="Monitoring")
    comms.get_by_label("Body:").fill("We have found and closed a second, older access path.")
    comms.get_by_role("link", name="Today").click()
    comms.get_by_role("link", name="Now").click()
    comms.get_by_role("button", name="Save", exact=True).click()
    expect(comms.get_by_text("was added successfully")).to_be_visible()

    # Beat's next two runs: the subscriber is emailed once.
    assert run_as_beat_does("updates-announce") == 1
    email = email_about(smtp_sink, "erin@example.org", "Update:")
    assert email["Subject"].endswith(
        "Update: Unauthorised access to customer account data (Monitoring)"
    )
    assert "a second, older access path" in SmtpSink.text(email)
    assert run_as_beat_does("updates-announce") == 0
    run_as_beat_does("notifications-sweep")
    outbox = Notification.objects.filter(to_email="erin@example.org", subject__contains="Update:")
    assert wait_for(lambda: outbox.filter(status=Notification.Status.SENT).count() == 1)
    assert outbox.count() == 1
    updates = [m for m in smtp_sink.sent_to("erin@example.org") if "Update:" in m["Subject"]]
    assert len(updates) == 1

    # Software reads it from the links in the page footer: the Atom feed and the JSON API.
    # (The home page may come from the browser's cache, for up to CANDOR_PUBLIC_MAX_AGE.)
    reader.goto(reverse("home"))
    reader.get_by_role("link", name="Read the full notice and timeline").click()
    expect(reader.get_by_text("a second, older access path")).to_be_visible()
    footer = reader.get_by_role("contentinfo")
    feed_url = footer.get_by_role("link", name="Atom feed").get_attribute("href")
    feed = ET.fromstring(reader.request.get(feed_url).body())  # noqa: S314 - our own feed
    atom = "{http://www.w3.org/2005/Atom}"
    latest = feed.find(f"{atom}entry")
    assert "a second, older access path" in ET.tostring(latest, encoding="unicode")
    api_url = footer.get_by_role("link", name="Status API (JSON)").get_attribute("href")
    summary = json.loads(reader.request.get(api_url).body())
    [incident] = summary["incidents"]
    assert incident["incident_updates"][0]["body"].startswith("We have found and closed")


def test_unaffected_customer_is_told_so_and_still_finds_the_safety_advice(phone_page, demo):
    page = phone_page
    page.goto(reverse("home"))
    page.get_by_role("link", name="Was I affected?").first.click()
    sign_in_with_password(page, "bob@example.com", "demo-password-bob")

    expect(
        page.get_by_role("heading", name="Your account was not in the affected data")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Your information was involved")).to_have_count(0)
    safety = page.get_by_role("region", name="Stay safe")
    expect(safety).to_contain_text("We will never ask for your password")
    assert_accessible(page)

    # The incident's own advice, and the checklist's phishing guide, are his too.
    page.get_by_role("link", name="Unauthorised access to customer account data").click()
    expect(page.get_by_role("heading", name="What You Can Do")).to_be_visible()
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Continue your checklist").click()
    page.get_by_role("link", name="Read the two-minute guide").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Was I affected?").first.click()
    page.get_by_role("link", name="Continue your checklist").click()
    expect(page.locator("#step-phishing").get_by_text("Done")).to_be_visible()
