"""
The inbox's search (selectors.ticket_search): full-text on PostgreSQL with the indexes
of migration 0007, icontains on SQLite; and the inbox's bounded number of queries.
"""

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from support import services
from support.models import Message, Ticket
from support.selectors import ticket_search

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:support_ticket_changelist")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)


def found(term):
    return sorted(ticket_search(tickets=Ticket.objects.all(), term=term).values_list(
        "reference", flat=True
    ))  # fmt: skip


def test_a_word_of_a_later_message_finds_the_question(make_ticket):
    wanted = make_ticket(body="My credit monitoring code does not work.").ticket
    make_ticket(body="Nothing to see.")
    services.ticket_reply_by_customer(ticket=wanted, body="Still BROKEN today.", user=None)

    assert found("broken") == [wanted.reference]
    assert found("monitoring") == [wanted.reference]


def test_the_reference_finds_exactly_its_question_whatever_the_case(make_ticket):
    wanted = make_ticket().ticket
    make_ticket()

    assert found(wanted.reference.lower()) == [wanted.reference]


def test_the_address_finds_exactly_its_question_whatever_the_case(make_ticket):
    wanted = make_ticket(email="Bob@Example.com").ticket
    make_ticket(email="bobby@example.com")

    assert found("bob@example.COM") == [wanted.reference]


def test_a_word_of_the_subject_finds_the_question(make_ticket):
    wanted = make_ticket(subject="Refund for the monitoring service").ticket
    make_ticket()

    assert found("refund") == [wanted.reference]


def test_a_question_matching_twice_is_listed_once(make_ticket):
    wanted = make_ticket(subject="Phishing email", body="A phishing email came.").ticket
    services.ticket_reply_by_customer(ticket=wanted, body="Another phishing one.", user=None)

    assert found("phishing") == [wanted.reference]


def test_a_nul_character_finds_nothing_and_fails_nothing(make_ticket):
    make_ticket()

    assert found("\x00") == sorted(Ticket.objects.values_list("reference", flat=True))


@on_postgresql
def test_all_words_are_needed_anywhere_in_the_conversation(make_ticket):
    wanted = make_ticket(body="The monitoring code is refused.").ticket
    make_ticket(body="The monitoring page is fine.")
    services.ticket_reply_by_customer(ticket=wanted, body="Still INVALID.", user=None)

    assert found("invalid monitoring") == [wanted.reference]


@on_postgresql
def test_messages_written_in_bulk_or_moved_by_a_merge_are_searched(make_ticket, agent, customer):
    kept = make_ticket(user=customer, body="First question.").ticket
    other = make_ticket(user=customer, body="About my zanzibar card.").ticket
    Message.objects.bulk_create(
        [Message(ticket=kept, author_kind="agent", body="Quokka answer {n}") for n in range(3)]
    )
    assert found("quokka") == [kept.reference]

    services.tickets_merge(tickets=Ticket.objects.filter(pk__in=[kept.pk, other.pk]), actor=agent)

    assert found("zanzibar") == [kept.reference]  # moved out of the other one
    assert Message.objects.get(body="About my zanzibar card.").ticket_id == kept.pk
    Message.objects.filter(body__contains="Quokka").delete()
    assert found("quokka") == []


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table: plan as for a big one
        try:
            return queryset.explain()
        finally:
            cursor.execute("RESET enable_seqscan")


@on_postgresql
def test_postgresql_searches_with_the_gin_index_and_the_address_index(make_ticket):
    make_ticket(body="The monitoring code is invalid.")

    searched = plan(ticket_search(tickets=Ticket.objects.order_by(), term="monitoring"))

    assert "support_ticket_search" in searched
    assert "support_ticket_email_upper" in searched


@on_postgresql
def test_the_inbox_order_is_read_from_its_index(make_ticket, rf, agent):
    make_ticket()
    request = rf.get(INBOX)
    request.user = agent
    ticket_admin = admin.site._registry[Ticket]
    listing = ticket_admin.get_changelist_instance(request).get_queryset(request)

    assert "support_ticket_inbox_order" in plan(listing[:50])


@pytest.mark.parametrize("per_page", [20, 200])
def test_the_inbox_runs_a_bounded_number_of_queries_whatever_the_page_size(
    agent_client, make_ticket, agent, per_page, monkeypatch, django_assert_max_num_queries
):
    tickets = [make_ticket(email=f"asker{n}@example.com").ticket for n in range(30)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[::2]]).update(assignee=agent)
    Message.objects.bulk_create(
        Message(ticket=t, author_kind="agent", author=agent, body="Hello") for t in tickets
    )
    monkeypatch.setattr(admin.site._registry[Ticket], "list_per_page", per_page)

    with django_assert_max_num_queries(20):
        response = agent_client.get(INBOX, {"q": "worried"})

    assert len(response.context["cl"].result_list) == min(30, per_page)
