"""
A question by email, end to end: the customer's email is delivered into a real IMAP
mailbox (Dovecot), the intake takes it in as the beat task does, and the agent, in the
browser, finds it in the inbox (channel email), answers it with a macro (preview,
apply), then answers it with two other questions in one bulk answer. Each answer
reaches the customer once, through SMTP, threaded under their email; their reply to
the bulk answer comes back into the same question. Every new page passes axe.
"""

import re
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from support import services
from support.models import Category, Channel, Macro, Ticket
from support.tasks import support_mailbox_poll
from tests.dovecot import Dovecot, dovecot_available
from tests.helpers import wait_for
from tests.smtp_sink import SmtpSink

from .a11y import assert_accessible
from .steps import email_about

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not dovecot_available(), reason="Dovecot is not installed (apt-get install dovecot-imapd)"
    ),
]

CARD = "Is my card affected?"
CAROL = "carol@example.net"
ANSWER = "An answer to your question"


@pytest.fixture
def mailbox(settings):
    """The support mailbox on a Dovecot of its own, with the intake pointed at it."""
    server = Dovecot().start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


@pytest.fixture
def web_questions(db):
    """Two people who asked the same on the web form, and the agents' macro for it."""
    Macro.objects.create(
        title="Card: what we know",
        body_en="Hello {name}, we are checking whether card data was copied ({reference}).",
    )
    return [
        services.ticket_create(subject=CARD, category=Category.REMEDY, body="My card?",
                               email=f"web{n}@example.com", language="en").ticket
        for n in range(2)
    ]  # fmt: skip


def customers_email(*, subject, body, headers=()) -> tuple[bytes, str]:
    """An email from Carol's mail program, and its Message-ID."""
    message = EmailMessage()
    message["From"] = f"Carol Customer <{CAROL}>"
    message["To"] = "help@example.com"
    message["Subject"] = subject
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="mail.example.net")
    for name, value in headers:
        message[name] = value
    message.set_content(body)
    return message.as_bytes(), message["Message-ID"]


def intake(mailbox, raw: bytes) -> None:
    """Deliver an email into the mailbox, and run the intake as beat queues it."""
    mailbox.deliver(raw)
    support_mailbox_poll.delay()
    assert wait_for(lambda: mailbox.unread() == 0, seconds=20), "the intake left it unread"


def answers_to_carol(sink: SmtpSink) -> list[EmailMessage]:
    return [m for m in sink.sent_to(CAROL) if m["Subject"].startswith(ANSWER)]


def test_an_emailed_question_is_answered_by_macro_then_in_bulk_and_the_reply_joins_it(
    agent_page, web_questions, mailbox, smtp_sink, celery_worker
):
    page = agent_page
    raw, asked_id = customers_email(subject=CARD, body="Hello, was my card in the breach?")
    intake(mailbox, raw)
    ticket = Ticket.objects.get(requester_email=CAROL)
    assert ticket.channel == Channel.EMAIL
    ack = email_about(smtp_sink, CAROL, "We received your")
    assert ack["In-Reply-To"] == asked_id

    # The inbox, questions by email only: hers is there.
    page.goto(reverse("admin:index"))
    page.get_by_role("link", name="Tickets").click()
    page.locator("#changelist-filter").get_by_role("link", name="Email", exact=True).click()
    expect(page.get_by_role("link", name=CARD)).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name=CARD).click()
    expect(page.locator(".field-channel")).to_contain_text("Email")
    expect(page.locator(".field-thread")).to_contain_text("Hello, was my card in the breach?")
    assert_accessible(page)

    # By macro: preview, then apply.
    page.get_by_label("Macro").select_option(label="Card: what we know")
    page.get_by_role("button", name="Preview macro").click()
    expect(page.get_by_role("heading", name=re.compile("Preview of the macro"))).to_be_visible()
    expect(page.locator(".campaign-preview__text")).to_contain_text(
        f"whether card data was copied ({ticket.reference})"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Apply and send the reply").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"Macro “Card: what we know” applied to {ticket.reference}."
    )
    by_macro = email_about(smtp_sink, CAROL, ANSWER)
    assert "whether card data was copied" in SmtpSink.text(by_macro)
    # Her mail program files it under her email.
    assert by_macro["In-Reply-To"] == asked_id
    assert by_macro["References"].split()[0] == asked_id

    # In bulk, with the two asked on the web: found by search, all chosen.
    page.goto(reverse("admin:support_ticket_changelist"))
    page.locator("#searchbar").fill(f'"{CARD}"')
    page.get_by_role("button", name="Search").click()
    page.locator("#action-toggle").check()
    page.get_by_label("Action:").select_option(label="Answer in one reply…")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".campaign-steps")).to_contain_text("This answer goes to 3 questions.")
    assert_accessible(page)
    page.locator("#id_body_en").fill("Hello {name}, card numbers were not in the data.")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_role("heading", name="Preview of the answer")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Send…").click()
    expect(page.get_by_text("This answers 3 questions")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, answer 3 questions").click()
    done = page.get_by_role("heading", name="Done: every asker was answered")
    expect(done).to_be_visible(timeout=30_000)
    assert_accessible(page)
    assert wait_for(lambda: len(answers_to_carol(smtp_sink)) == 2, seconds=20)
    in_bulk = answers_to_carol(smtp_sink)[-1]
    assert "card numbers were not in the data" in SmtpSink.text(in_bulk)
    assert in_bulk["In-Reply-To"] == asked_id
    assert in_bulk["References"].split()[0] == asked_id
    for web in web_questions:
        email_about(smtp_sink, web.requester_email, ANSWER)

    # Carol answers the bulk answer from her mail program: it joins her question.
    raw, _reply_id = customers_email(
        subject=f"Re: {in_bulk['Subject']}",
        body=f"Thank you. And my address?\n\nOn Sunday, Candor wrote:\n> {CARD}\n",
        headers=[
            ("In-Reply-To", in_bulk["Message-ID"]),
            ("References", f"{in_bulk['References']} {in_bulk['Message-ID']}"),
        ],
    )
    intake(mailbox, raw)
    assert wait_for(lambda: ticket.messages.filter(body="Thank you. And my address?").exists())
    assert Ticket.objects.filter(requester_email=CAROL).count() == 1
    page.goto(reverse("admin:support_ticket_change", args=[ticket.pk]))
    expect(page.locator(".field-thread")).to_contain_text("Thank you. And my address?")
    assert_accessible(page)

    # Each answer reached her once; her reply was not acknowledged again.
    answers = answers_to_carol(smtp_sink)
    assert len(answers) == 2
    assert len({m["Message-ID"] for m in answers}) == 2
    assert len([m for m in smtp_sink.sent_to(CAROL) if "We received your" in m["Subject"]]) == 1
