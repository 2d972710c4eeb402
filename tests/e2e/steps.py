"""
Steps that several browser journeys share, each done the way a person does it:
through links, labels and buttons, never by typing an address the person would not know.
"""

import re
import time

import pyotp
from playwright.sync_api import Page, expect

from tests.helpers import wait_for
from tests.smtp_sink import SmtpSink


def at(path: str) -> re.Pattern:
    """The page's URL ends in this path (after any language prefix), with any query string."""
    return re.compile(re.escape(path) + r"(\?.*)?$")


def code_from(app: pyotp.TOTP) -> str:
    """
    What an authenticator app shows now. The server takes a code in its own 30-second
    window only (MFA_TOTP_TOLERANCE = 0), so in a window's last seconds, wait for the next.
    """
    seconds_left = app.interval - time.time() % app.interval
    if seconds_left < 5:
        time.sleep(seconds_left)
    return app.now()


def emailed_code(sink: SmtpSink, address: str) -> str:
    """The sign-in code in the latest email to this address, as a person reads it."""
    text = SmtpSink.text(sink.last_to(address))
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", text, re.MULTILINE)
    assert match, f"no sign-in code in the email:\n{text}"
    return match.group(1)


def email_about(sink: SmtpSink, address: str, subject: str, *, seconds: float = 10):
    """
    The latest email to this address whose subject contains `subject`, waiting for it:
    with a real Celery worker (CI) the outbox sends after the page has answered.
    """

    def matching():
        return [m for m in sink.sent_to(address) if subject in m["Subject"]]

    got = [m["Subject"] for m in sink.sent_to(address)]
    assert wait_for(matching, seconds=seconds), f"no {subject!r} email to {address}: {got}"
    return matching()[-1]


def sign_in_with_password(page: Page, email: str, password: str) -> None:
    """From the sign-in page the site sent the person to."""
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()


def confirm_password_if_asked(page: Page, password: str) -> None:
    """Sensitive changes (2FA) may ask for the password again first (reauthentication)."""
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Confirm", exact=True).click()


def account_menu(page: Page):
    return page.get_by_role("navigation", name="Your account")


def type_subject(page: Page, subject: str) -> None:
    """
    A question's subject, then the answers the page suggests as one types (htmx). Waiting
    for them, as a reader does, also keeps that request from racing the form's submission.
    """
    with page.expect_response(lambda response: "hx-request" in response.request.headers):
        page.get_by_label("Subject").fill(subject)
    expect(page.get_by_role("heading", name="These answers may help")).to_be_visible()
