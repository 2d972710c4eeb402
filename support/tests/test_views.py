"""The customer's pages: asking, the list, a question's page, suggestions and limits."""

import datetime as dt
import re
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from incidents.models import FAQ
from incidents.services import faq_save
from support import services
from support.models import Category, Message, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

ASK = reverse("support:ticket-new")
LIST = reverse("support:ticket-list")
SUGGESTIONS = reverse("support:faq-suggestions")


def page(response):
    return response.content.decode()


def action(client, ticket_url, name, **data):
    return client.post(ticket_url, {"action": name, **data})


# --- Asking -----------------------------------------------------------------------


def test_signed_in_customer_asks_without_typing_an_address(customer_client):
    html = page(customer_client.get(ASK))

    assert 'name="email"' not in html
    assert 'name="subject"' in html


def test_anonymous_visitor_is_asked_for_an_address_and_offered_to_sign_in(client):
    html = page(client.get(ASK))

    assert 'name="email"' in html
    assert f"{reverse('account_login')}?next={ASK}" in html


def test_signed_in_question_opens_its_page_with_reference_and_response_time(customer_client, ask):
    response = ask(customer_client, follow=True)

    ticket = Ticket.objects.get()
    assert response.redirect_chain == [(ticket.get_absolute_url(), HTTPStatus.FOUND)]
    assert ticket.requester == customer_client.user
    html = page(response)
    assert ticket.reference in html
    assert "A person will answer within 24 hours" in html
    assert "Was my password leaked?" in html


def test_anonymous_question_opens_its_private_page(client, ask):
    response = ask(client, email="anon@example.com", name="Ann")

    ticket = Ticket.objects.get()
    assert ticket.requester is None
    assert ticket.requester_email == "anon@example.com"
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == ticket.get_absolute_url()  # no token in the address
    assert ticket.reference in page(client.get(response.url))


def test_private_link_opens_the_question_in_any_browser(make_ticket):
    asked = make_ticket(email="anon@example.com")
    private_url = reverse("support:ticket-private", args=[asked.token])

    response = Client().get(private_url, follow=True)

    assert response.status_code == HTTPStatus.OK
    assert "Was my password leaked?" in page(response)
    assert "private" in page(response)


def test_wrong_private_token_is_not_found(client, ask):
    ask(client, email="anon@example.com")

    response = client.get(reverse("support:ticket-private", args=["guessed-token"]))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_reply_to_a_private_link_itself_is_refused(client, ask):
    ask(client, email="anon@example.com")

    response = client.post(
        reverse("support:ticket-private", args=["guessed-token"]),
        {"action": "reply", "body": "Hello?"},
    )

    # The link only opens the question; replies go to the question's page.
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert Message.objects.count() == 1


def test_ask_page_lists_only_published_incidents(client, make_incident):
    make_incident(slug="public", title="Card data exposure")
    make_incident(slug="draft", title="Unannounced breach", is_published=False)

    html = page(client.get(ASK))

    assert "Card data exposure" in html
    assert "Unannounced breach" not in html


def test_question_can_name_the_incident(customer_client, ask, incident):
    ask(customer_client, incident=incident.pk)

    assert Ticket.objects.get().incident == incident


def test_empty_question_gets_an_error_on_every_required_field(client):
    response = client.post(ASK, {"email": "", "subject": "", "body": ""})

    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].errors
    assert set(errors) == {"email", "subject", "category", "body"}
    assert "Please check your question" in page(response)
    assert not Ticket.objects.exists()


def test_message_over_ten_thousand_characters_is_refused_and_kept(customer_client, ask):
    too_long = "word " * 2000 + "x"  # 10,001 characters

    response = ask(customer_client, subject="My long story", body=too_long)

    assert response.status_code == HTTPStatus.OK
    assert "at most 10000 characters" in str(response.context["form"].errors["body"])
    html = page(response)
    assert too_long in html
    assert 'value="My long story"' in html
    assert not Ticket.objects.exists()


def test_message_of_exactly_ten_thousand_characters_is_accepted(customer_client, ask):
    ask(customer_client, body="x" * 10_000)

    assert len(Ticket.objects.get().messages.get().body) == 10_000


def test_over_long_subject_is_refused_and_kept(customer_client, ask):
    response = ask(customer_client, subject="S" * 201, body="Kept body")

    assert "subject" in response.context["form"].errors
    html = page(response)
    assert 'value="' + "S" * 201 + '"' in html
    assert "Kept body" in html


def test_invalid_address_gets_an_error_and_keeps_the_question(client, ask):
    response = ask(client, email="not-an-address", body="Please answer me.")

    assert list(response.context["form"].errors) == ["email"]
    assert "Please answer me." in page(response)
    assert not Ticket.objects.exists()


def test_html_in_a_question_is_shown_as_text(customer_client, ask):
    response = ask(
        customer_client,
        subject="<i>Help</i>",
        body='<script>alert("x")</script><b>bold?</b>',
        follow=True,
    )

    html = page(response)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "<script>alert" not in html
    assert "&lt;i&gt;Help&lt;/i&gt;" in html


# --- FAQ suggestions --------------------------------------------------------------


@pytest.fixture
def password_faq(db):
    return faq_save(faq=FAQ(question="Should I change my password?", answer="Yes, **now**."))


def test_ask_page_suggests_answers_as_the_subject_is_typed(client):
    html = page(client.get(ASK))

    subject = re.search(r"<input[^>]*name=\"subject\"[^>]*>", html).group(0)
    assert f'hx-get="{SUGGESTIONS}"' in subject
    assert 'hx-target="#suggestions"' in subject
    # Without JavaScript, a button shows the same page with suggestions.
    assert 'name="action" value="lookup"' in html


def test_looking_for_answers_without_javascript_keeps_what_was_typed(client, password_faq):
    response = client.post(
        ASK,
        {
            "action": "lookup",
            "email": "ann@example.com",
            "subject": "new password",
            "body": "My long question stays here.",
        },
    )

    html = page(response)
    assert "Should I change my password?" in html
    assert "My long question stays here." in html
    assert 'value="ann@example.com"' in html
    assert "body=" not in response.request["QUERY_STRING"]


def test_a_stranger_cannot_flood_one_address_with_questions(client, settings):
    for n in range(4):
        response = client.post(
            ASK,
            {"email": "victim@example.com", "subject": f"Question {n}", "category": "other",
             "body": "Hello"},
            REMOTE_ADDR=f"10.0.0.{n}",
        )  # fmt: skip

    assert response.status_code == 429


def test_suggestions_for_htmx_are_only_the_list(client, password_faq):
    response = client.get(SUGGESTIONS, {"subject": "new password"}, headers={"HX-Request": "true"})

    html = page(response)
    assert "Should I change my password?" in html
    assert password_faq.get_absolute_url() in html
    assert "<html" not in html


def test_suggestions_for_htmx_are_empty_when_nothing_matches(client, password_faq):
    response = client.get(SUGGESTIONS, {"subject": "refund"}, headers={"HX-Request": "true"})

    assert page(response).strip() == ""


def test_suggestions_without_javascript_are_a_whole_page_that_leads_back(client, password_faq):
    response = client.get(SUGGESTIONS, {"subject": "new password"})

    html = page(response)
    assert "<html" in html
    assert "Should I change my password?" in html
    assert "<strong>now</strong>" in html  # the answer itself, rendered
    assert f"{ASK}?subject=new%20password" in html


def test_suggestions_page_says_when_nothing_matches(client, password_faq):
    html = page(client.get(SUGGESTIONS, {"subject": "refund please"}))

    assert "We found no published answer" in html
    assert "refund please" in html


def test_ask_page_keeps_the_subject_it_was_sent_back_with(client):
    html = page(client.get(ASK, {"subject": "new password"}))

    assert 'value="new password"' in html


# --- My questions -----------------------------------------------------------------


def test_question_list_needs_signing_in(client):
    response = client.get(LIST)

    assert response.status_code == HTTPStatus.FOUND
    assert reverse("account_login") in response.url


def test_question_list_shows_my_questions_and_their_status(
    customer_client, make_ticket, make_customer
):
    mine = make_ticket(user=customer_client.user, subject="About my card").ticket
    make_ticket(user=make_customer("eve@example.com"), subject="Eve's secret question")

    html = page(customer_client.get(LIST))

    assert "About my card" in html
    assert mine.reference in html
    assert mine.get_absolute_url() in html
    assert "Received" in html
    assert "Eve's secret question" not in html


def test_empty_question_list_says_so(customer_client):
    assert "You have not asked us anything yet." in page(customer_client.get(LIST))


# --- A question's page ------------------------------------------------------------


def test_someone_elses_question_is_not_found_rather_than_forbidden(
    customer_client, make_ticket, make_customer
):
    theirs = make_ticket(user=make_customer("eve@example.com")).ticket

    response = customer_client.get(theirs.get_absolute_url())

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_replying_to_someone_elses_question_is_not_found(
    customer_client, make_ticket, make_customer
):
    theirs = make_ticket(user=make_customer("eve@example.com")).ticket

    response = action(customer_client, theirs.get_absolute_url(), "reply", body="Hijack")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not theirs.messages.filter(body="Hijack").exists()


def test_unknown_reference_is_not_found(customer_client):
    response = customer_client.get(reverse("support:ticket-detail", args=["C-ZZZZZZ"]))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_question_page_shows_the_conversation_but_never_internal_notes(
    customer_client, make_ticket, agent
):
    ticket = make_ticket(user=customer_client.user).ticket
    services.ticket_reply_by_agent(
        ticket=ticket, agent=agent, body="Angry customer.", internal=True
    )
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="You were not affected.")

    html = page(customer_client.get(ticket.get_absolute_url()))

    assert "I got your email and I am worried." in html
    assert "You were not affected." in html
    assert "Example Corp support" in html
    assert "Angry customer." not in html


def test_question_page_promises_the_first_response_time(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket

    html = page(customer_client.get(ticket.get_absolute_url()))

    assert "A person will answer within 24 hours" in html


def test_overdue_question_page_says_the_answer_is_late(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket

    with time_machine.travel(ticket.first_response_due_at + dt.timedelta(hours=1)):
        customer_client.force_login(customer_client.user)  # hours later: a new session
        html = page(customer_client.get(ticket.get_absolute_url()))

    assert "taking longer than we promised" in html
    assert "A person will answer within" not in html


def test_answered_question_page_makes_no_more_promises(customer_client, make_ticket, agent):
    ticket = make_ticket(user=customer_client.user).ticket
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Done.")

    html = page(customer_client.get(ticket.get_absolute_url()))

    assert "A person will answer within" not in html
    assert "Answered" in html


def test_question_pages_are_never_cached(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket

    response = customer_client.get(ticket.get_absolute_url())

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_reply_is_added_to_the_conversation(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket

    response = action(customer_client, ticket.get_absolute_url(), "reply", body="More details.")

    assert response.status_code == HTTPStatus.FOUND
    assert ticket.messages.last().body == "More details."
    assert "More details." in page(customer_client.get(ticket.get_absolute_url()))


def test_reply_reopens_a_resolved_question(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket
    services.ticket_resolve_by_customer(ticket=ticket)

    response = customer_client.post(
        ticket.get_absolute_url(), {"action": "reply", "body": "It happened again."}, follow=True
    )

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert "Your question is open again." in page(response)


def test_empty_reply_gets_a_field_error(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket

    response = action(customer_client, ticket.get_absolute_url(), "reply", body="")

    assert response.status_code == HTTPStatus.OK
    assert "body" in response.context["reply_form"].errors
    assert ticket.messages.count() == 1


def test_over_long_reply_is_refused_and_kept(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket
    too_long = "y" * 10_001

    response = action(customer_client, ticket.get_absolute_url(), "reply", body=too_long)

    assert "at most 10000 characters" in str(response.context["reply_form"].errors["body"])
    assert too_long in page(response)
    assert ticket.messages.count() == 1


def test_html_in_a_reply_is_shown_as_text(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket

    action(
        customer_client, ticket.get_absolute_url(), "reply", body="<img src=x onerror=alert(1)>"
    )

    html = page(customer_client.get(ticket.get_absolute_url()))
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html


def test_private_link_lets_the_asker_reply(make_ticket):
    asked = make_ticket(email="anon@example.com")
    phone = Client()
    question_url = phone.get(reverse("support:ticket-private", args=[asked.token])).url

    response = phone.post(question_url, {"action": "reply", "body": "From my phone."})

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == question_url
    assert Ticket.objects.get().messages.last().body == "From my phone."


def test_customer_marks_the_question_resolved(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket

    response = customer_client.post(ticket.get_absolute_url(), {"action": "resolve"}, follow=True)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert "Marked as resolved." in page(response)


def test_rating_is_offered_only_once_resolved(customer_client, make_ticket, agent):
    ticket = make_ticket(user=customer_client.user).ticket
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Here is your answer.")
    url = ticket.get_absolute_url()

    assert "How did we do?" not in page(customer_client.get(url))
    services.ticket_resolve_by_customer(ticket=ticket)
    assert "How did we do?" in page(customer_client.get(url))


def test_no_rating_is_asked_for_a_question_nobody_answered(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket
    services.ticket_resolve_by_customer(ticket=ticket)

    assert "How did we do?" not in page(customer_client.get(ticket.get_absolute_url()))


def test_resolved_question_is_rated_with_a_comment(customer_client, make_ticket, agent):
    ticket = make_ticket(user=customer_client.user).ticket
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Here is your answer.")
    services.ticket_resolve_by_customer(ticket=ticket)

    response = customer_client.post(
        ticket.get_absolute_url(),
        {"action": "rate", "rating": "5", "comment": "Thanks!"},
        follow=True,
    )

    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (5, "Thanks!")
    assert "You rated our help 5 out of 5." in page(response)
    assert "How did we do?" not in page(response)


def test_a_question_reopened_after_rating_can_be_rated_again(customer_client, make_ticket, agent):
    ticket = make_ticket(user=customer_client.user).ticket
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Here is your answer.")
    services.ticket_resolve_by_customer(ticket=ticket)
    services.ticket_rate(ticket=ticket, rating=5)
    url = ticket.get_absolute_url()

    customer_client.post(url, {"action": "reply", "body": "It happened again."})
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Try this instead.")
    services.ticket_resolve_by_customer(ticket=ticket)
    html = page(customer_client.get(url))

    assert "How did we do?" in html
    assert "You rated our help 5 out of 5." not in html


@pytest.mark.parametrize("rating", ["", "0", "6", "five"])
def test_rating_must_be_one_to_five(customer_client, make_ticket, rating):
    ticket = make_ticket(user=customer_client.user).ticket
    services.ticket_resolve_by_customer(ticket=ticket)

    response = action(customer_client, ticket.get_absolute_url(), "rate", rating=rating)

    assert response.status_code == HTTPStatus.OK
    assert "rating" in response.context["rating_form"].errors
    ticket.refresh_from_db()
    assert ticket.rating is None


def test_rating_an_open_question_is_refused(customer_client, make_ticket):
    ticket = make_ticket(user=customer_client.user).ticket

    response = action(customer_client, ticket.get_absolute_url(), "rate", rating="1")

    assert response.status_code == HTTPStatus.OK
    assert "once your question is resolved" in page(response)
    ticket.refresh_from_db()
    assert ticket.rating is None


# --- Rate limits ------------------------------------------------------------------


def test_asking_is_limited_per_address_with_a_friendly_page(client, ask):
    for n in range(3):
        assert ask(client, email=f"anon{n}@example.com").status_code == HTTPStatus.FOUND

    response = ask(client, email="anon3@example.com")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Please wait a few minutes" in page(response)
    assert Ticket.objects.count() == 3


def test_questions_with_mistakes_do_not_count_towards_the_limit(client, ask):
    for _ in range(5):
        ask(client, email="not-an-address")

    assert ask(client, email="anon@example.com").status_code == HTTPStatus.FOUND


def test_the_limit_on_one_address_leaves_others_free(client, ask):
    for n in range(3):
        ask(client, email=f"anon{n}@example.com")

    response = ask(Client(REMOTE_ADDR="203.0.113.9"), email="other@example.com")

    assert response.status_code == HTTPStatus.FOUND


def test_asking_is_limited_per_account_whatever_the_address(customer, ask):
    for n in range(10):
        browser = Client(REMOTE_ADDR=f"203.0.113.{n}")
        browser.force_login(customer)
        assert ask(browser).status_code == HTTPStatus.FOUND

    browser = Client(REMOTE_ADDR="198.51.100.1")
    browser.force_login(customer)
    response = ask(browser)

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert Ticket.objects.count() == 10


def test_replying_is_limited_per_address(client, ask):
    private_url = ask(client, email="anon@example.com").url
    for n in range(10):
        client.post(private_url, {"action": "reply", "body": f"Reply {n}"})

    response = client.post(private_url, {"action": "reply", "body": "One too many"})

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not Message.objects.filter(body="One too many").exists()


def test_empty_replies_do_not_count_towards_the_limit(client, ask):
    private_url = ask(client, email="anon@example.com").url
    for _ in range(12):
        client.post(private_url, {"action": "reply", "body": ""})

    response = client.post(private_url, {"action": "reply", "body": "Now with words."})

    assert response.status_code == HTTPStatus.FOUND


def test_reading_is_never_limited(client, ask):
    private_url = ask(client, email="anon@example.com").url

    statuses = {client.get(private_url).status_code for _ in range(15)}

    assert statuses == {HTTPStatus.OK}


def test_something_else_is_answered_within_the_low_priority_time(customer_client, ask):
    response = ask(customer_client, category=Category.OTHER, follow=True)

    assert "A person will answer within 72 hours" in page(response)
