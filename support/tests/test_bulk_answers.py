"""One answer to many questions: chosen in the inbox, previewed, confirmed, sent by a worker."""

from http import HTTPStatus

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import Notification
from notifications.services import outbox
from support import services
from support.models import BulkAnswer, BulkAnswerItem, Message, Ticket, TicketStatus
from support.tasks import bulk_answer_deliver
from tests.helpers import wait_for
from tests.smtp_sink import SmtpSink

INBOX = reverse("admin:support_ticket_changelist")
CARD = "Is my card affected?"


@pytest.fixture
def card_questions(make_ticket, make_customer):
    """Six people asking about their card (three in Spanish, some signed in), and one other."""
    asked = []
    for n in range(6):
        language = "es" if n % 2 else "en"
        if n < 2:
            user = make_customer(f"signed{n}@example.com", full_name=f"Signed {n}")
            asked.append(make_ticket(user=user, subject=CARD, language=language).ticket)
        else:
            email = f"asker{n}@example.com"
            asked.append(make_ticket(email=email, subject=CARD, language=language).ticket)
    make_ticket(email="other@example.com", subject="How do I reset my password?")
    return asked


def choose_by_search(client, search: str):
    """The inbox action on every question the search finds (all pages), as an agent does it."""
    found = client.get(INBOX, {"q": search}).context["cl"].result_list
    data = {"action": "bulk_answer", "select_across": "1", "index": "0",
            "_selected_action": [found[0].pk]}  # fmt: skip
    response = client.post(f"{INBOX}?q={search}", data)
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]
    return BulkAnswer.objects.latest("pk")


def write(client, bulk, **fields):
    data = {
        "body_en": "Hello {name}: card numbers were not in the data ({reference}).",
        "body_es": "Hola {name}: los números de tarjeta no estaban en los datos ({reference}).",
        "set_status": TicketStatus.RESOLVED,
        "_preview": "1",
    } | fields
    return client.post(reverse("admin:support_bulkanswer_change", args=[bulk.pk]), data)


@pytest.mark.django_db
def test_choosing_by_search_drafts_an_answer_to_every_match(agent_client, card_questions):
    bulk = choose_by_search(agent_client, "card")

    assert {item.ticket_id for item in bulk.items.all()} == {t.pk for t in card_questions}
    page = agent_client.get(reverse("admin:support_bulkanswer_change", args=[bulk.pk]))
    assert "This answer goes to <strong>6</strong> questions." in page.content.decode()


@pytest.mark.django_db
def test_the_preview_shows_the_answer_in_each_language_and_the_confirmation_the_count(
    agent_client, card_questions
):
    bulk = choose_by_search(agent_client, "card")

    response = write(agent_client, bulk)
    assert response.url == reverse("admin:support_bulkanswer_preview", args=[bulk.pk])

    preview = agent_client.get(response.url).content.decode()
    assert "3 in English · 3 in Español" in preview
    assert "Hello Signed 0: card numbers were not in the data (" in preview
    assert "Hola Signed 1: los números de tarjeta no estaban en los datos (" in preview
    confirm = agent_client.get(reverse("admin:support_bulkanswer_send", args=[bulk.pk]))
    assert "This answers <strong>6</strong> questions" in confirm.content.decode()
    assert 'value="Yes, answer 6 questions"' in confirm.content.decode()
    assert not Message.objects.filter(author_kind=Message.Author.AGENT).exists()


@pytest.mark.django_db
def test_an_answer_without_english_is_not_sent(agent_client, card_questions):
    bulk = choose_by_search(agent_client, "card")

    response = write(agent_client, bulk, body_en="")

    assert response.status_code == HTTPStatus.OK  # the form again, with its error
    agent_client.post(reverse("admin:support_bulkanswer_send", args=[bulk.pk]))
    assert BulkAnswer.objects.get(pk=bulk.pk).state == BulkAnswer.State.DRAFT


@pytest.mark.django_db
def test_the_comms_team_cannot_answer_questions_in_bulk(comms_client, card_questions):
    response = comms_client.post(
        INBOX, {"action": "bulk_answer", "_selected_action": [card_questions[0].pk]}
    )

    assert response.status_code in {HTTPStatus.FORBIDDEN, HTTPStatus.FOUND}
    assert not BulkAnswer.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_second_item_for_one_question(agent, card_questions):
    bulk = BulkAnswer.objects.create(created_by=agent)
    BulkAnswerItem.objects.create(bulk_answer=bulk, ticket=card_questions[0])

    with pytest.raises(IntegrityError), transaction.atomic():
        BulkAnswerItem.objects.create(bulk_answer=bulk, ticket=card_questions[0])


@pytest.mark.django_db
def test_a_name_typed_with_someone_elses_address_is_not_repeated_to_it(agent, make_ticket):
    # Anyone can type anyone's address, and nobody reads each answer before it goes.
    typed = make_ticket(email="victim@example.com", name="Call +1 555 0100 now").ticket
    bulk = services.bulk_answer_draft(tickets=Ticket.objects.filter(pk=typed.pk), agent=agent)
    BulkAnswer.objects.filter(pk=bulk.pk).update(body_en="Hello {name}, we checked.")
    bulk.refresh_from_db()

    services.bulk_answer_deliver(bulk=bulk)

    answer = Message.objects.get(ticket=typed, author_kind=Message.Author.AGENT)
    assert answer.body == "Hello there, we checked."
    email = Notification.objects.get(group=bulk.group)
    assert "555" not in email.body_text


def answers_in(sink: SmtpSink) -> list:
    return [m for m in sink.messages if m["Subject"].startswith(("An answer", "Una respuesta"))]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_emails_each_asker_once_in_their_language_however_often_it_runs(
    agent_client, card_questions, smtp_sink, celery_worker
):
    bulk = choose_by_search(agent_client, "card")
    write(agent_client, bulk)

    response = agent_client.post(reverse("admin:support_bulkanswer_send", args=[bulk.pk]))

    assert response.status_code == HTTPStatus.FOUND
    assert wait_for(lambda: len(answers_in(smtp_sink)) >= 6, seconds=30)
    received = {m["To"]: m for m in answers_in(smtp_sink)}
    assert sorted(received) == sorted(t.requester_email for t in card_questions)
    for ticket in card_questions:
        email = received[ticket.requester_email]
        text = SmtpSink.text(email)
        assert f"({ticket.reference})" in text
        if ticket.language == "es":
            assert email["Subject"] == f"Una respuesta a su pregunta ({ticket.reference})"
            assert "los números de tarjeta no estaban en los datos" in text
        else:
            assert email["Subject"] == f"An answer to your question ({ticket.reference})"
            assert "card numbers were not in the data" in text
    assert wait_for(lambda: BulkAnswer.objects.get(pk=bulk.pk).state == BulkAnswer.State.SENT)
    assert all(t.status == TicketStatus.RESOLVED for t in _fresh(card_questions))
    event = AuditEvent.objects.get(action="support.bulk_answer_sent")
    assert (event.actor, event.details["questions"]) == (agent_client.user, 6)

    # Sent again, by the button or by a worker running the task twice: nobody gets it twice.
    agent_client.post(reverse("admin:support_bulkanswer_send", args=[bulk.pk]))
    assert bulk_answer_deliver(bulk.pk) == 0
    assert outbox.notifications_send_due(limit=100) == 0
    assert Notification.objects.filter(group=bulk.group).count() == 6
    assert len(answers_in(smtp_sink)) == 6
    assert Message.objects.filter(author_kind=Message.Author.AGENT).count() == 6


def _fresh(tickets):
    return [type(t).objects.get(pk=t.pk) for t in tickets]


@pytest.mark.django_db
def test_a_bulk_answer_left_sending_by_a_dead_worker_is_found_by_the_watch(agent, card_questions):
    from datetime import timedelta

    from django.utils import timezone

    from support.selectors import bulk_answers_stalled

    bulk = services.bulk_answer_draft(tickets=Ticket.objects.filter(subject=CARD), agent=agent)
    started = timezone.now() - timedelta(minutes=10)
    BulkAnswer.objects.filter(pk=bulk.pk).update(state=BulkAnswer.State.SENDING, sent_at=started)
    just_started = services.bulk_answer_draft(tickets=Ticket.objects.all(), agent=agent)
    BulkAnswer.objects.filter(pk=just_started.pk).update(
        state=BulkAnswer.State.SENDING, sent_at=timezone.now()
    )

    assert bulk_answers_stalled() == [bulk.pk]
