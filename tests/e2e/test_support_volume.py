"""
A support agent at crisis volume, clicking as she does: she answers one question with a
macro (preview, then apply) and every "Is my card affected?" with one bulk answer
(preview, a confirmation with the count, the progress bar reaching done). Every new page
passes axe.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from support import services
from support.models import Category, Macro, Priority
from tests.smtp_sink import SmtpSink

from .a11y import assert_accessible, overflows_horizontally
from .steps import email_about

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CARD = "Is my card affected?"


@pytest.fixture
def questions(db):
    asked = [
        services.ticket_create(subject=CARD, category=Category.REMEDY, body="My card?",
                               email=f"card{n}@example.com", language=language).ticket
        for n, language in enumerate(["en", "es", "en"])
    ]  # fmt: skip
    other = services.ticket_create(
        subject="Where do I change my password?",
        category=Category.PASSWORD_2FA,
        body="I cannot find the page.",
        email="pw@example.com",
    ).ticket
    Macro.objects.create(
        title="Password: where to change it",
        body_en="Hello, open Your account, then Security, to set a new password ({reference}).",
        set_priority=Priority.LOW,
        set_assignee=Macro.Assign.ME,
    )
    return asked, other


def test_an_agent_answers_by_macro_and_answers_many_at_once(
    agent_page, questions, smtp_sink, celery_worker
):
    page = agent_page
    _card_questions, other = questions
    page.goto(reverse("admin:index"))
    page.get_by_role("link", name="Tickets").click()

    # One question, by macro: preview first, then apply.
    page.get_by_role("link", name="Where do I change my password?").click()
    assert_accessible(page)  # the question's page, with its macro picker
    page.get_by_label("Macro").select_option(label="Password: where to change it")
    page.get_by_role("button", name="Preview macro").click()
    expect(page.get_by_role("heading", name=re.compile("Preview of the macro"))).to_be_visible()
    expect(page.locator(".campaign-preview__text")).to_contain_text(
        f"to set a new password ({other.reference})"
    )
    expect(page.get_by_role("row", name=re.compile("Priority"))).to_contain_text("Low")
    assert_accessible(page)
    page.get_by_role("button", name="Apply and send the reply").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"Macro “Password: where to change it” applied to {other.reference}."
    )
    email = email_about(smtp_sink, "pw@example.com", "An answer to your question")
    assert "Your account, then Security," in SmtpSink.text(email)

    # Every card question, in one answer: found by search, all chosen.
    page.goto(reverse("admin:support_ticket_changelist"))
    page.locator("#searchbar").fill(f'"{CARD}"')
    page.get_by_role("button", name="Search").click()
    page.locator("#action-toggle").check()
    page.get_by_label("Action:").select_option(label="Answer in one reply…")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("3 questions chosen.")
    expect(page.locator(".campaign-steps")).to_contain_text("This answer goes to 3 questions.")
    assert_accessible(page)
    page.locator("#id_body_en").fill("Hello {name}, card numbers were not in the data.")
    page.locator("#id_body_es").fill("Hola {name}: los números de tarjeta no estaban.")
    page.get_by_role("button", name="Save and preview").click()

    expect(page.get_by_role("heading", name="Preview of the answer")).to_be_visible()
    expect(page.get_by_text("2 in English · 1 in Español")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Send…").click()
    expect(page.get_by_text("This answers 3 questions")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, answer 3 questions").click()

    expect(page.locator(".messagelist")).to_contain_text("Sending.")
    done = page.get_by_role("heading", name="Done: every asker was answered")
    expect(done).to_be_visible(timeout=30_000)
    expect(page.locator("#bulk-progress progress")).to_have_attribute("value", "100")
    assert_accessible(page)
    spanish = email_about(smtp_sink, "card1@example.com", "Una respuesta a su pregunta")
    assert "los números de tarjeta no estaban" in SmtpSink.text(spanish)

    # The answer is listed with the others, and so are the macros she may use.
    page.get_by_role("link", name="Bulk answers").first.click()
    expect(page.get_by_role("row", name=re.compile(r"^Bulk answer \d+ Sent 3 "))).to_be_visible()
    assert_accessible(page)
    page.locator(".breadcrumbs").get_by_role("link", name="Support").click()
    page.get_by_role("link", name="Macros").first.click()
    expect(page.get_by_role("link", name="Password: where to change it")).to_be_visible()
    assert_accessible(page)


def test_the_support_report_passes_axe_and_fits_a_phone(agent_page, questions):
    page = agent_page
    page.goto(reverse("admin:index"))
    page.get_by_role("link", name="Support report").click()

    expect(page.get_by_role("heading", name="Support report")).to_be_visible()
    expect(page.get_by_role("img", name="Questions per day, by channel")).to_be_visible()
    expect(page.locator("caption", has_text="Questions per day, by channel")).to_be_visible()
    assert_accessible(page)

    page.set_viewport_size({"width": 390, "height": 844})
    assert not overflows_horizontally(page)
    assert_accessible(page)
