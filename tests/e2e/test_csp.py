"""
The strict Content-Security-Policy breaks nothing: pages load with no violation
reported by the browser, htmx still works, and content cannot run script.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Records every violation the browser reports, from the very start of each page.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${where}`);
});
"""


@pytest.fixture
def browser_page(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url
    )
    context.add_init_script(RECORD_VIOLATIONS)
    yield context.new_page()
    context.close()


def violations(page):
    page.wait_for_load_state("load")
    return page.evaluate("window.__csp")


def test_public_pages_load_with_no_csp_violation(browser_page, incident, make_update):
    make_update(body="We **reset** every password.")
    pages = [
        reverse("home"),
        incident.get_absolute_url(),
        reverse("incidents:faq-list"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("notifications:subscribe"),
    ]
    for url in pages:
        browser_page.goto(url)
        assert violations(browser_page) == [], url


def test_htmx_works_under_the_policy(browser_page, incident):
    from incidents import services
    from incidents.models import FAQ

    services.faq_save(faq=FAQ(question="Is my card safe?", answer="Yes."))
    services.faq_save(faq=FAQ(question="How do I reset my password?", answer="Sign in."))

    browser_page.goto(reverse("incidents:faq-list"))
    browser_page.get_by_label("Search the questions").press_sequentially("card", delay=30)

    expect(browser_page.get_by_text("How do I reset my password?")).to_have_count(0)
    assert violations(browser_page) == []


def test_account_and_admin_pages_load_with_no_csp_violation(
    browser_page, staff_client, share_session, incident
):
    share_session(browser_page, staff_client)
    pages = [
        reverse("accounts:me"),
        reverse("accounts:me-security"),
        reverse("mfa_index"),
        reverse("account_email"),
        reverse("admin:index"),
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        reverse("admin:support_ticket_changelist"),
        reverse("admin:notifications_campaign_add"),
    ]
    for url in pages:
        response = browser_page.goto(url)
        assert response.ok, url
        assert violations(browser_page) == [], url
