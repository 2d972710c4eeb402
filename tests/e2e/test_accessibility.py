"""
What axe-core cannot check alone: the site used with the keyboard only, errors that
are announced, the page's language, and pages that reflow at a phone's width and at
200% zoom without scrolling sideways (WCAG 2.2: 1.4.10, 2.1.1, 2.4.1, 2.4.7, 3.1.1,
3.3.1). The journeys (test_journeys.py) run axe-core on every page they pass through.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from incidents.models import Update

from .a11y import assert_accessible, axe_violations, describe, overflows_horizontally
from .steps import sign_in_with_password

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BOB, BOB_PASSWORD = "bob@example.com", "demo-password-bob"

FOCUSED = "document.activeElement"


def focus_is_visible(page: Page) -> bool:
    """The focused element draws a ring: an outline or a box-shadow that is not none."""
    return page.evaluate(
        """() => {
          const style = getComputedStyle(document.activeElement);
          const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
          return outline || (style.boxShadow && style.boxShadow !== 'none');
        }"""
    )


def tab_to(page: Page, selector: str, *, limit: int = 30) -> None:
    """Press Tab until the element matching `selector` has focus, each stop visibly focused."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert focus_is_visible(page), f"no visible focus on {describe_focus(page)}"
        if page.evaluate(f"{FOCUSED}.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} not reached in {limit} presses of Tab")


def press_enter_to_go(page: Page) -> None:
    """Enter on a link or a submit button, then the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def describe_focus(page: Page) -> str:
    return page.evaluate(f"{FOCUSED}.outerHTML.slice(0, 120)")


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(phone_page, demo):
    phone_page.goto(reverse("home"))

    phone_page.keyboard.press("Tab")
    assert phone_page.evaluate(f"{FOCUSED}.textContent.trim()") == "Skip to main content"
    assert focus_is_visible(phone_page)
    expect(phone_page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()
    phone_page.keyboard.press("Enter")

    assert phone_page.evaluate(f"{FOCUSED}.id") == "main"
    assert phone_page.evaluate("document.documentElement.lang") == "en"


def test_signing_in_and_working_the_checklist_with_the_keyboard_only(
    phone_page, new_phone_page, demo
):
    other_device = new_phone_page()
    other_device.goto(reverse("account_login"))
    sign_in_with_password(other_device, BOB, BOB_PASSWORD)
    page = phone_page
    page.goto(reverse("home"))

    tab_to(page, "a.nav__account")  # "Was I affected?", which asks to sign in first
    press_enter_to_go(page)
    tab_to(page, "input[name=login]")
    page.keyboard.type(BOB)
    tab_to(page, "input[name=password]")
    page.keyboard.type(BOB_PASSWORD)
    tab_to(page, "button[type=submit]")
    press_enter_to_go(page)
    expect(page.get_by_role("heading", name="Was I affected?")).to_be_visible()

    tab_to(page, "a[href$='/me/security/']")
    press_enter_to_go(page)
    expect(page.get_by_role("heading", name="Make your account safe")).to_be_visible()
    tab_to(page, "#step-sessions button")
    page.keyboard.press("Enter")

    expect(page.locator("#step-sessions").get_by_text("Done")).to_be_visible()
    # The button is gone with the step done: focus goes to the new count, which is read out.
    expect(page.locator("#checklist-progress")).to_be_focused()
    expect(page.locator("#checklist-progress")).to_have_text(re.compile(r"\d+ of \d+ done"))
    other_device.reload()
    expect(other_device.get_by_label("Password", exact=True)).to_be_visible()


def test_errors_are_announced_and_tied_to_their_fields(phone_page, demo):
    phone_page.goto(reverse("account_login"))
    sign_in_with_password(phone_page, BOB, "not bob's password at all")

    expect(phone_page.get_by_role("alert")).to_contain_text("Please check the form")
    assert_accessible(phone_page)

    phone_page.goto(reverse("support:ticket-new"))
    phone_page.get_by_label("Your email address").fill("not an address")
    phone_page.get_by_role("button", name="Send my question").click()

    expect(phone_page.get_by_role("alert")).to_contain_text("Please check your question")
    email = phone_page.get_by_label("Your email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address"))
    expect(phone_page.get_by_label("Subject")).to_have_attribute("aria-invalid", "true")
    assert_accessible(phone_page)


PUBLIC_PAGES = [
    ("home", {}),
    ("incidents:incident-detail", {"slug": "2026-11-customer-data-breach"}),
    ("incidents:faq-list", {}),
    ("account_login", {}),
    ("support:ticket-new", {}),
    ("notifications:subscribe", {}),
    ("notifications:webhook-subscribe", {}),
]
PRIVATE_PAGES = [
    ("accounts:me", {}),
    ("accounts:me-security", {}),
    ("support:ticket-list", {}),
    ("mfa_index", {}),
]


# 360 CSS px: a small phone. 640 CSS px: a 1280-px window zoomed to 200% (WCAG 1.4.10).
@pytest.mark.parametrize("width", [360, 640])
def test_main_pages_reflow_and_pass_axe_at_narrow_widths(browser, live_server, demo, width):
    context = browser.new_context(
        viewport={"width": width, "height": 720}, base_url=live_server.url
    )
    page = context.new_page()
    too_wide, broken = [], []

    def check() -> None:
        if overflows_horizontally(page):
            too_wide.append(page.url)
        if violations := axe_violations(page):
            broken.append(f"{page.url}:\n{describe(violations)}")

    for name, kwargs in PUBLIC_PAGES:
        page.goto(reverse(name, kwargs=kwargs))
        check()
    corrected = Update.objects.get(body__contains="corrected from")
    page.goto(reverse("incidents:update-history", args=[corrected.incident.slug, corrected.pk]))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check()
    page.goto(reverse("account_login"))
    sign_in_with_password(page, BOB, BOB_PASSWORD)
    for name, kwargs in PRIVATE_PAGES:
        page.goto(reverse(name, kwargs=kwargs))
        check()
    page.goto(reverse("support:ticket-list"))
    page.get_by_role("link", name="I got an email asking me to confirm my card").click()
    check()
    context.close()

    assert not too_wide, f"wider than {width} CSS px: {too_wide}"
    assert not broken, "WCAG rules broken:\n" + "\n".join(broken)


def test_a_page_in_spanish_says_so(phone_page, demo):
    phone_page.goto(reverse("home"))
    phone_page.get_by_role("link", name="Español").click()

    expect(phone_page.locator("html")).to_have_attribute("lang", "es")
    assert_accessible(phone_page)


def test_the_admin_pages_staff_work_in_all_day_pass_axe(desktop_page, demo, share_session):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from incidents.models import Incident
    from notifications.models import Campaign, ChatEndpoint, Notification, WebhookSubscription
    from support.models import Ticket
    from tests.helpers import sign_in

    staff = Client()
    sign_in(staff, get_user_model().objects.get(email="staff@example.com"), "password", "mfa")
    share_session(desktop_page, staff)
    incident = Incident.objects.get()
    campaign = Campaign.objects.create(
        incident=incident, name="First notice", subject="About {{ company }}", body="Hello."
    )
    chat = ChatEndpoint.objects.create(
        name="#breach-room", flavour="slack", url="https://hooks.example.com/services/T/B/x"
    )
    hook = WebhookSubscription.objects.create(
        url="https://hooks.example.org/status", email="ops@example.org", incident=incident
    )
    for channel, endpoint in (("chat", {"chat_endpoint": chat}), ("webhook", {"webhook": hook})):
        Notification.objects.create(
            dedupe_key=f"a11y:{channel}", kind="webhook-update", channel=channel,
            subject="An update", status="failed", attempts=3, last_error="HTTP 503", **endpoint,
        )  # fmt: skip
    pages = [
        reverse("admin:index"),
        reverse("admin:notifications_chatendpoint_changelist"),
        reverse("admin:notifications_chatendpoint_change", args=[chat.pk]),
        reverse("admin:notifications_webhooksubscription_changelist"),
        reverse("admin:notifications_webhooksubscription_change", args=[hook.pk]),
        reverse("admin:notifications_notification_changelist") + "?channel__exact=webhook",
        reverse("admin:support_ticket_changelist"),
        reverse("admin:support_ticket_change", args=[Ticket.objects.first().pk]),
        reverse("admin:support_cannedresponse_changelist"),
        reverse("admin:support_inboundemail_changelist"),
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        reverse("admin:incidents_update_add"),
        reverse("admin:incidents_importbatch_add"),
        reverse("admin:incidents_obligation_changelist"),
        reverse("admin-funnel", args=[incident.slug]),
        reverse("admin:notifications_campaign_change", args=[campaign.pk]),
        reverse("admin:notifications_campaign_preview", args=[campaign.pk]),
        reverse("admin:audit_auditevent_changelist"),
    ]
    broken = []
    for url in pages:
        response = desktop_page.goto(url)
        assert response.ok and "/login/" not in desktop_page.url, url
        if violations := axe_violations(desktop_page):
            broken.append(f"{desktop_page.url}:\n{describe(violations)}")

    assert not broken, "WCAG rules broken:\n" + "\n".join(broken)
