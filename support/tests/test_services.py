"""support/services.py and support/selectors.py, on the real database."""

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from incidents.models import FAQ
from incidents.services import faq_save
from notifications.models import Notification
from support import selectors, services
from support.models import CannedResponse, Category, Message, Priority, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

# C- and six characters without 0/O, 1/I/L: easy to read out on the phone.
REFERENCE = re.compile(r"^C-[2-9A-HJKMNP-Z]{6}$")


# --- Asking ---------------------------------------------------------------------------


def test_reference_is_short_readable_and_unique(make_ticket):
    references = {make_ticket().ticket.reference for _ in range(20)}

    assert len(references) == 20
    assert all(REFERENCE.match(reference) for reference in references)


def test_question_starts_the_conversation_with_the_customers_words(make_ticket):
    ticket = make_ticket(body="Is my card safe?").ticket

    message = ticket.messages.get()
    assert message.author_kind == Message.Author.CUSTOMER
    assert message.body == "Is my card safe?"
    assert not message.is_internal
    assert ticket.status == TicketStatus.NEW


def test_signed_in_question_belongs_to_the_account_and_has_no_private_link(make_ticket, customer):
    asked = make_ticket(user=customer)

    assert asked.token is None
    assert asked.ticket.requester == customer
    assert asked.ticket.requester_email == "alice@example.com"
    assert asked.ticket.requester_name == "Alice Liddell"
    assert asked.ticket.access_token_hash == ""


def test_anonymous_question_stores_only_a_hash_of_its_private_token(make_ticket):
    asked = make_ticket(email="anon@example.com", name="Ann")

    assert len(asked.token) >= 40
    assert asked.ticket.access_token_hash == hashlib.sha256(asked.token.encode()).hexdigest()
    stored = Ticket.objects.filter(pk=asked.ticket.pk).values().get()
    assert asked.token not in {str(value) for value in stored.values()}


def test_question_puts_its_acknowledgement_in_the_outbox(make_ticket):
    ticket = make_ticket(email="anon@example.com").ticket

    notification = Notification.objects.get()
    assert notification.kind == "support-acknowledgement"
    assert notification.to_email == "anon@example.com"
    assert ticket.reference in notification.subject


# --- Priority and the first-response promise --------------------------------------


def test_priority_tier_customer_is_urgent(make_ticket, customer, affected):
    affected("alice@example.com", tier="priority")

    assert make_ticket(user=customer).ticket.priority == Priority.URGENT


def test_affected_standard_tier_customer_is_high(make_ticket, customer, affected):
    affected("alice@example.com", tier="standard")

    assert make_ticket(user=customer).ticket.priority == Priority.HIGH


def test_unaffected_customer_is_normal(make_ticket, customer, affected):
    affected("somebody-else@example.com", tier="priority")

    assert make_ticket(user=customer).ticket.priority == Priority.NORMAL


def test_suspicious_email_is_high_for_anyone(make_ticket):
    ticket = make_ticket(category=Category.SUSPICIOUS_EMAIL).ticket

    assert ticket.priority == Priority.HIGH


def test_something_else_is_low(make_ticket):
    assert make_ticket(category=Category.OTHER).ticket.priority == Priority.LOW


def test_affected_customer_asking_about_something_else_still_comes_first(
    make_ticket, customer, affected
):
    affected("alice@example.com", tier="priority")

    assert make_ticket(user=customer, category=Category.OTHER).ticket.priority == Priority.URGENT


def test_typed_in_address_on_the_affected_list_does_not_raise_priority(make_ticket, affected):
    # Otherwise the promised response time would tell anyone who was affected.
    affected("victim@example.com", tier="priority")

    assert make_ticket(email="victim@example.com").ticket.priority == Priority.NORMAL


def test_unverified_address_on_the_affected_list_does_not_raise_priority(
    make_ticket, make_customer, affected
):
    affected("claimed@example.com", tier="priority")
    user = make_customer("claimed@example.com", verified=False)

    assert make_ticket(user=user).ticket.priority == Priority.NORMAL


def test_first_response_is_due_after_the_hours_in_settings(make_ticket, settings):
    settings.SUPPORT_HOURS_NORMAL = 7
    settings.SUPPORT_HOURS_LOW = 50
    with time_machine.travel(dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        normal = make_ticket().ticket
        low = make_ticket(category=Category.OTHER).ticket

    assert normal.first_response_due_at == dt.datetime(2025, 3, 1, 16, 0, tzinfo=dt.UTC)
    assert low.first_response_due_at == dt.datetime(2025, 3, 3, 11, 0, tzinfo=dt.UTC)


def test_first_response_hours_left_unset_are_the_defaults(make_ticket, settings):
    # What settings.py passes on when the environment has no SUPPORT_HOURS_*: None.
    settings.SUPPORT_HOURS_NORMAL = settings.SUPPORT_HOURS_LOW = None
    with time_machine.travel(dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        normal = make_ticket().ticket
        low = make_ticket(category=Category.OTHER).ticket

    assert normal.first_response_due_at == dt.datetime(2025, 3, 2, 9, 0, tzinfo=dt.UTC)  # 24 h
    assert low.first_response_due_at == dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.UTC)  # 72 h


def test_unanswered_question_past_its_due_time_is_overdue(make_ticket):
    ticket = make_ticket().ticket

    assert not ticket.is_overdue()
    assert ticket.is_overdue(now=ticket.first_response_due_at + dt.timedelta(minutes=1))


def test_answered_question_is_never_overdue(make_ticket, agent):
    ticket = make_ticket().ticket
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Here is the answer.")

    assert not ticket.is_overdue(now=ticket.first_response_due_at + dt.timedelta(days=3))


# --- The customer's side of the conversation --------------------------------------


def test_customer_reply_reopens_a_resolved_question(ticket):
    services.ticket_resolve_by_customer(ticket=ticket)

    services.ticket_reply_by_customer(ticket=ticket, body="Actually, one more thing.")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.resolved_at is None
    assert ticket.messages.last().body == "Actually, one more thing."


def test_customer_reply_to_a_waiting_question_puts_it_back_to_support(ticket, agent):
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Which email did you get?")

    services.ticket_reply_by_customer(ticket=ticket, body="The one from Monday.")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_resolving_twice_records_it_once(ticket):
    services.ticket_resolve_by_customer(ticket=ticket)
    services.ticket_resolve_by_customer(ticket=ticket)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.resolved_at is not None
    assert ticket.messages.filter(author_kind=Message.Author.SYSTEM).count() == 1


def test_rating_is_kept_with_its_comment(ticket):
    services.ticket_resolve_by_customer(ticket=ticket)

    services.ticket_rate(ticket=ticket, rating=4, comment="Quick and clear.")

    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (4, "Quick and clear.")


def test_rating_before_the_question_is_resolved_is_refused(ticket):
    with pytest.raises(ValidationError):
        services.ticket_rate(ticket=ticket, rating=5)

    ticket.refresh_from_db()
    assert ticket.rating is None


@pytest.mark.parametrize("rating", [0, 6])
def test_rating_outside_one_to_five_is_refused(ticket, rating):
    services.ticket_resolve_by_customer(ticket=ticket)

    with pytest.raises(ValidationError):
        services.ticket_rate(ticket=ticket, rating=rating)


# --- Agents -----------------------------------------------------------------------


def test_agent_reply_waits_on_the_customer_and_records_the_first_response(ticket, agent):
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="You were not affected.")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.first_responded_at is not None
    assert ticket.messages.last().author_kind == Message.Author.AGENT


def test_later_agent_replies_keep_the_first_response_time(ticket, agent):
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="First answer.")
    ticket.refresh_from_db()
    first = ticket.first_responded_at

    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Second answer.")

    ticket.refresh_from_db()
    assert ticket.first_responded_at == first


def test_agent_reply_assigns_an_unassigned_question_to_the_agent(ticket, agent):
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="On it.")

    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_agent_reply_is_queued_as_an_email_to_the_customer(ticket, agent):
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="You were not affected.")

    reply = Notification.objects.get(kind="support-reply")
    assert reply.to_email == "alice@example.com"
    assert "You were not affected." in reply.body_text


def test_internal_note_changes_nothing_for_the_customer(ticket, agent):
    services.ticket_reply_by_agent(
        ticket=ticket, agent=agent, body="VIP, be gentle.", internal=True
    )

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert ticket.first_responded_at is None
    assert not Notification.objects.filter(kind="support-reply").exists()


def test_bulk_assign_gives_every_question_to_the_agent(make_ticket, agent):
    tickets = [make_ticket().ticket for _ in range(3)]

    count = services.tickets_assign(
        tickets=Ticket.objects.filter(pk__in=[t.pk for t in tickets]), agent=agent
    )

    assert count == 3
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {agent.pk}


def test_bulk_resolve_records_when(ticket):
    services.tickets_set_status(tickets=Ticket.objects.all(), status=TicketStatus.RESOLVED)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.resolved_at is not None


def test_bulk_reopen_forgets_the_resolution(ticket):
    services.ticket_resolve_by_customer(ticket=ticket)

    services.tickets_set_status(tickets=Ticket.objects.all(), status=TicketStatus.OPEN)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.resolved_at is None


def test_canned_response_fills_in_name_reference_incident_and_site(
    make_ticket, customer, incident, settings
):
    settings.SITE_URL = "https://status.example.com"
    ticket = make_ticket(user=customer, incident=incident).ticket
    canned = CannedResponse.objects.create(
        title="Not affected", body="Hi {name}, about {reference} ({incident}): see {site_url}."
    )

    text = services.canned_response_render(canned=canned, ticket=ticket)

    assert text == (
        f"Hi Alice Liddell, about {ticket.reference} (Customer data breach): "
        "see https://status.example.com."
    )


def test_canned_response_leaves_other_braces_as_typed(ticket):
    canned = CannedResponse.objects.create(title="Braces", body="Use {code} or {} as {name}.")

    text = services.canned_response_render(canned=canned, ticket=ticket)

    assert text == "Use {code} or {} as Alice Liddell."


# --- Reads ------------------------------------------------------------------------


def test_customer_thread_never_includes_internal_notes(ticket, agent):
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Internal.", internal=True)
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Public answer.")

    bodies = [m.body for m in selectors.ticket_thread_public(ticket=ticket)]

    assert bodies == ["I got your email and I am worried.", "Public answer."]


def test_customers_own_question_is_found_by_reference_in_any_case(ticket, customer):
    found = selectors.ticket_get_for_user(user=customer, reference=ticket.reference.lower())

    assert found == ticket


def test_someone_elses_question_is_not_found(ticket, make_customer):
    with pytest.raises(Http404):
        selectors.ticket_get_for_user(
            user=make_customer("eve@example.com"), reference=ticket.reference
        )


def test_private_token_finds_its_question(make_ticket):
    asked = make_ticket()

    assert selectors.ticket_get_by_token(token=asked.token) == asked.ticket


@pytest.mark.parametrize("token", ["", "not-the-token"])
def test_wrong_private_token_finds_nothing(make_ticket, token):
    make_ticket()

    with pytest.raises(Http404):
        selectors.ticket_get_by_token(token=token)


def test_question_list_holds_only_the_customers_own_questions_newest_first(
    make_ticket, customer, make_customer
):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=1)):
        older = make_ticket(user=customer).ticket
    newer = make_ticket(user=customer).ticket
    make_ticket(user=make_customer("eve@example.com"))
    make_ticket(email="alice@example.com")  # the same address, but not signed in

    assert list(selectors.ticket_list_for_user(user=customer)) == [newer, older]


@pytest.fixture
def faqs(incident):
    def add(question, **fields):
        return faq_save(faq=FAQ(question=question, answer="An answer.", **fields))

    return add


def test_faq_suggestions_match_words_of_the_subject(faqs):
    password = faqs("Should I change my password?")
    faqs("Was my card exposed?")

    assert selectors.faq_suggestions(subject="Password question") == [password]


def test_faq_suggestions_ignore_short_words(faqs):
    faqs("Is my data safe?")

    assert selectors.faq_suggestions(subject="is my") == []


def test_faq_suggestions_leave_out_unpublished_answers(faqs, make_incident):
    faqs("Password draft", is_published=False)
    faqs("Password for a hidden incident", incident=make_incident(slug="x", is_published=False))

    assert selectors.faq_suggestions(subject="password") == []


def test_faq_suggestions_find_an_answer_in_the_readers_language(faqs, client):
    from django.urls import reverse
    from django.utils.translation import override

    exposed = faqs(
        "Was my password exposed?",
        question_es="¿Quedó expuesta mi contraseña?",
        answer_es="Su contraseña estaba cifrada, pero elija una nueva.",
    )
    faqs("Was my card exposed?", question_es="¿Quedó expuesta mi tarjeta?")

    # Both were exposed; the one that also speaks of her password comes first.
    assert selectors.faq_suggestions(subject="contraseña expuesta")[0] == exposed
    with override("es"):
        page = client.get(reverse("support:faq-suggestions"), {"subject": "mi contraseña"})
    assert "¿Quedó expuesta mi contraseña?" in page.content.decode()


def test_a_canned_reply_is_filled_in_the_language_the_question_was_asked_in(make_ticket):
    from django.utils.translation import override

    canned = CannedResponse.objects.create(
        title="Check", body_en="Hello {name}, about {reference}.",
        body_es="Hola, {name}, sobre {reference}.",
    )  # fmt: skip
    english_only = CannedResponse.objects.create(title="Thanks", body_en="Thank you, {name}.")
    with override("es"):
        spanish = make_ticket(name="Ana").ticket
    english = make_ticket(name="Bo").ticket

    assert services.canned_response_render(canned=canned, ticket=spanish) == (
        f"Hola, Ana, sobre {spanish.reference}."
    )
    assert services.canned_response_render(canned=canned, ticket=english) == (
        f"Hello Bo, about {english.reference}."
    )
    # Not written in Spanish yet: the English text, for the agent to translate.
    assert services.canned_response_render(canned=english_only, ticket=spanish) == (
        "Thank you, Ana."
    )
