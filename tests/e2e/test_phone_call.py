"""An agent on the phone: takes a caller's question down, then logs their next call."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from support.models import Channel, Ticket
from tests.helpers import sign_in

from .a11y import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_agent_takes_a_call_and_logs_the_next_one(desktop_page, demo, share_session):
    staff = Client()
    sign_in(staff, get_user_model().objects.get(email="staff@example.com"), "password", "mfa")
    share_session(desktop_page, staff)
    page = desktop_page
    page.goto(reverse("admin:support_ticket_changelist"))

    page.get_by_role("link", name="Take a phone call").click()
    assert_accessible(page)
    page.get_by_label("Caller's name (optional)").fill("Dan Caller")
    page.get_by_label("What is it about?").select_option("password")
    page.get_by_label("Subject").fill("Reset email never arrived")
    page.get_by_label("Notes of the call").fill("Called from his mobile, no email address.")
    page.get_by_role("button", name="Record the question").click()

    ticket = Ticket.objects.get(channel=Channel.PHONE)
    expect(page.locator(".messagelist")).to_contain_text(
        f"Question {ticket.reference} recorded. No email address: nothing was sent."
    )
    page.get_by_role("link", name="Log a phone call").click()
    assert_accessible(page)
    page.get_by_label("Notes of the call").fill("He called back: the reset worked.")
    page.get_by_role("button", name="Log the call").click()

    expect(page.locator(".messagelist")).to_contain_text(f"Call logged on {ticket.reference}.")
    expect(page.locator(".inbox-thread")).to_contain_text("Phone call: He called back")
