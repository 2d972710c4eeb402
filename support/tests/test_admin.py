"""The agents' inbox in the Django admin, used by a member of the Support agents group."""

import datetime as dt
import re
from http import HTTPStatus

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import override

from notifications.models import Notification
from support import admin_rows, services
from support.admin import preview
from support.models import CannedResponse, Category, Message, Priority, Ticket, TicketStatus
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:support_ticket_changelist")


def change_url(ticket):
    return reverse("admin:support_ticket_change", args=[ticket.pk])


def listed(client, **params):
    """The references the inbox lists for these query parameters, in order."""
    response = client.get(INBOX, params)
    assert response.status_code == HTTPStatus.OK
    return [ticket.reference for ticket in response.context["cl"].result_list]


def answer_form(ticket, **overrides):
    return {
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": ticket.assignee_id or "",
        "canned": "",
        "reply": "",
    } | overrides


@pytest.fixture
def overdue(make_ticket):
    with time_machine.travel(timezone.now() - dt.timedelta(days=2)):
        return make_ticket(subject="Nobody answered me").ticket


# --- The list ---------------------------------------------------------------------


def test_inbox_shows_what_an_agent_triages_by(agent_client, ticket):
    html = agent_client.get(INBOX).content.decode()

    for column in ["Reference", "Subject", "Requester", "Priority", "Status", "Assignee", "Age"]:
        assert column in html
    assert "Answer due" in html
    assert ticket.reference in html
    assert "Was my password leaked?" in html
    assert '<td class="field-requester_address">alice<wbr>@example.com</td>' in html
    assert "Normal" in html
    # When the answer is due, in words ("due in 23 hours"), the exact time on hover.
    assert re.search(r"due in \d+\xa0hours?", html)
    assert ticket.first_response_due_at.strftime("%-d %b %Y, %H:%M UTC") in html


def test_inbox_shows_the_address_of_someone_who_asked_without_an_account(
    agent_client, make_ticket
):
    make_ticket(email="anon@example.com")

    html = agent_client.get(INBOX).content.decode()

    assert '<td class="field-requester_address">anon<wbr>@example.com</td>' in html


def test_inbox_shows_who_is_assigned(agent_client, ticket, agent):
    services.tickets_assign(tickets=Ticket.objects.all(), agent=agent)

    html = agent_client.get(INBOX).content.decode()

    assert '<td class="field-assignee_address">agent<wbr>@example.com</td>' in html


def test_overdue_question_is_highlighted(agent_client, overdue):
    html = agent_client.get(INBOX).content.decode()

    assert 'class="sla-overdue"' in html
    assert "OVERDUE by 1\xa0day" in html


def test_question_on_time_is_not_highlighted(agent_client, ticket):
    assert "sla-overdue" not in agent_client.get(INBOX).content.decode()


def test_answered_question_shows_it_was_answered(agent_client, ticket, agent):
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="Answer.")

    html = agent_client.get(INBOX).content.decode()

    assert "answered" in html


def test_inbox_lists_the_most_urgent_first_then_the_soonest_due(
    agent_client, make_ticket, make_customer, affected
):
    affected("vip@example.com", tier="priority")
    low = make_ticket(category=Category.OTHER).ticket
    normal_later = make_ticket().ticket
    with time_machine.travel(timezone.now() - dt.timedelta(hours=1)):
        normal_sooner = make_ticket().ticket
    urgent = make_ticket(user=make_customer("vip@example.com")).ticket

    assert listed(agent_client) == [
        urgent.reference,
        normal_sooner.reference,
        normal_later.reference,
        low.reference,
    ]


def test_inbox_is_titled_for_agents(agent_client):
    assert "<h1>Support inbox</h1>" in agent_client.get(INBOX).content.decode()


def test_priority_column_sorts_by_urgency_not_alphabet(agent_client, make_ticket):
    low = make_ticket(category=Category.OTHER).ticket
    high = make_ticket(category=Category.SUSPICIOUS_EMAIL).ticket
    normal = make_ticket().ticket

    # The "priority" column (the 3rd), least urgent first.
    assert listed(agent_client, o="-3") == [low.reference, normal.reference, high.reference]


def test_inbox_still_sorts_by_a_chosen_column(agent_client, make_ticket):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=1)):
        older = make_ticket(category=Category.OTHER).ticket
    newer = make_ticket().ticket

    # The "age" column (the 9th), by when they were asked: the oldest first.
    assert listed(agent_client, o="9") == [older.reference, newer.reference]


@pytest.mark.parametrize("params", [{}, {"work": "all", "q": "leaked?", "o": "-3"}])
def test_a_rows_links_keep_the_view_as_djangos_do(agent_client, ticket, params):
    # The inbox writes its rows' links itself (InboxChangeList): Django's, to the letter,
    # so that saving a question comes back to the same view.
    response = agent_client.get(INBOX, params)
    ticket_admin = admin.site._registry[Ticket]
    expected = add_preserved_filters(
        {
            "preserved_filters": ticket_admin.get_preserved_filters(response.wsgi_request),
            "opts": Ticket._meta,
        },
        change_url(ticket),
    )

    html = response.content.decode()

    assert ("_changelist_filters" in expected) == bool(params)
    assert f'<a href="{escape(expected)}">{ticket.reference}</a>' in html
    assert f'<a href="{escape(expected)}">Was my password leaked?</a>' in html


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_inbox_checkbox_is_djangos(make_ticket, language):
    # Written directly rather than through the form templates: the same <input>.
    asked = make_ticket(subject='<b>"Fish" & chips</b>').ticket
    ticket_admin = admin.site._registry[Ticket]

    with override(language):
        assert ticket_admin.action_checkbox(asked) == admin.ModelAdmin.action_checkbox(
            ticket_admin, asked
        )


def test_the_inbox_rows_name_each_priority_and_author(agent_client, make_ticket, agent):
    # Labels looked up by value, as get_priority_display() and the choices would.
    noted = make_ticket(category=Category.OTHER).ticket
    services.ticket_reply_by_agent(ticket=noted, agent=agent, body="Noted.", internal=True)
    answered = make_ticket().ticket
    services.ticket_reply_by_agent(ticket=answered, agent=agent, body="Hello.")
    agent_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    html = agent_client.get(INBOX).content.decode()

    assert 'inbox-priority--low">Baja</span>' in html
    assert 'inbox-priority--normal">Normal</span>' in html
    assert "<strong>Nota interna:</strong> Noted." in html
    assert "<strong>Soporte:</strong> Hello." in html


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_inbox_rows_are_djangos_cell_for_cell(
    agent_client, make_ticket, agent, overdue, language
):
    # admin_rows makes the rows with each column worked out once a page: the same cells
    # as Django's items_for_result, whatever the row holds.
    answered = make_ticket(subject="<i>Was I & my card affected?</i>").ticket
    services.ticket_reply_by_agent(ticket=answered, agent=agent, body="Yes, " + "long " * 40)
    noted = make_ticket(subject="   ", category=Category.OTHER).ticket
    services.ticket_reply_by_agent(ticket=noted, agent=agent, body="Callback.", internal=True)
    services.tickets_assign(tickets=Ticket.objects.filter(pk=noted.pk), agent=agent)
    Message.objects.filter(ticket=overdue).delete()  # no last message
    agent_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    with time_machine.travel(timezone.now(), tick=False):
        cl = agent_client.get(INBOX, {"work": "all", "o": "-9"}).context["cl"]
        with override(language):
            django_rows = [list(row) for row in admin_list.result_list(cl)["results"]]
            rows = [list(row) for row in admin_rows.result_list(cl)["results"]]

    assert admin_rows._columns(cl) is not None  # made by admin_rows, not left to Django
    assert len(rows) == 3
    assert (">Nueva</td>" in str(rows)) == (language == "es")
    assert rows == django_rows


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Short.",
        "a" * 79,
        "a" * 80,
        "a" * 81,
        "word " * 40,
        "a" * 81 + "e\u0301",
        "e\u0301" * 90,
        "Ma\u00f1ana " * 20,
        "a" * 78 + "\u00f1" + "b" * 20,
    ],
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_last_message_preview_is_truncators(text, language):
    with override(language):
        assert preview(text) == Truncator(text).chars(80)


# --- Filters and search -----------------------------------------------------------


def test_filter_mine(agent_client, make_ticket, agent):
    mine = make_ticket().ticket
    services.tickets_assign(tickets=Ticket.objects.filter(pk=mine.pk), agent=agent)
    make_ticket()

    assert listed(agent_client, assignee="me") == [mine.reference]


def test_filter_unassigned(agent_client, make_ticket, agent):
    taken = make_ticket().ticket
    services.tickets_assign(tickets=Ticket.objects.filter(pk=taken.pk), agent=agent)
    free = make_ticket().ticket

    assert listed(agent_client, assignee="none") == [free.reference]


def test_filter_overdue(agent_client, overdue, ticket):
    assert listed(agent_client, sla="overdue") == [overdue.reference]


def test_filter_by_status(agent_client, make_ticket):
    resolved = make_ticket().ticket
    services.ticket_resolve_by_customer(ticket=resolved)
    make_ticket()

    assert listed(agent_client, status__exact=TicketStatus.RESOLVED) == [resolved.reference]


def test_filter_by_priority(agent_client, make_ticket):
    phishing = make_ticket(category=Category.SUSPICIOUS_EMAIL).ticket
    make_ticket()

    assert listed(agent_client, priority__exact=Priority.HIGH) == [phishing.reference]


def test_filter_by_incident(agent_client, make_ticket, incident):
    about = make_ticket(incident=incident).ticket
    make_ticket()

    assert listed(agent_client, incident__id__exact=incident.pk) == [about.reference]


def test_filter_by_category(agent_client, make_ticket):
    remedy = make_ticket(category=Category.REMEDY).ticket
    make_ticket()

    assert listed(agent_client, category__exact=Category.REMEDY) == [remedy.reference]


def test_search_by_reference(agent_client, make_ticket):
    wanted = make_ticket().ticket
    make_ticket()

    assert listed(agent_client, q=wanted.reference) == [wanted.reference]


def test_search_by_email_address(agent_client, make_ticket):
    wanted = make_ticket(email="bob@example.com").ticket
    make_ticket(email="carol@example.com")

    assert listed(agent_client, q="bob@example.com") == [wanted.reference]


def test_search_by_words_anywhere_in_the_conversation(agent_client, make_ticket, customer):
    wanted = make_ticket(body="My credit monitoring code does not work.").ticket
    make_ticket()
    services.ticket_reply_by_customer(ticket=wanted, body="Still broken.", user=None)

    assert listed(agent_client, q="monitoring") == [wanted.reference]
    assert listed(agent_client, q="broken") == [wanted.reference]


# --- Bulk actions -----------------------------------------------------------------


def test_bulk_assign_to_me(agent_client, make_ticket, agent):
    tickets = [make_ticket().ticket for _ in range(2)]

    response = agent_client.post(
        INBOX, {"action": "assign_to_me", "_selected_action": [t.pk for t in tickets]}
    )

    assert response.status_code == HTTPStatus.FOUND
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {agent.pk}


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("mark_open", TicketStatus.OPEN),
        ("mark_waiting", TicketStatus.WAITING),
        ("mark_resolved", TicketStatus.RESOLVED),
        ("mark_closed", TicketStatus.CLOSED),
    ],
)
def test_bulk_set_status(agent_client, make_ticket, action, status):
    chosen, other = make_ticket().ticket, make_ticket().ticket

    response = agent_client.post(INBOX, {"action": action, "_selected_action": [chosen.pk]})

    assert response.status_code == HTTPStatus.FOUND
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert (chosen.status, other.status) == (status, TicketStatus.NEW)


def test_questions_come_only_from_customers(agent_client):
    assert agent_client.get(reverse("admin:support_ticket_add")).status_code == (
        HTTPStatus.FORBIDDEN
    )


# --- A question's page ------------------------------------------------------------


def test_change_page_shows_the_whole_thread_with_internal_notes_marked(
    agent_client, ticket, agent
):
    services.ticket_reply_by_agent(
        ticket=ticket, agent=agent, body="Check the logs.", internal=True
    )

    html = agent_client.get(change_url(ticket)).content.decode()

    assert "I got your email and I am worried." in html
    assert "Check the logs." in html
    assert "inbox-thread__message--internal" in html
    assert "Internal note" in html


def test_change_page_shows_html_in_messages_as_text(agent_client, make_ticket):
    ticket = make_ticket(body="<script>alert(1)</script>").ticket

    html = agent_client.get(change_url(ticket)).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_change_page_shows_the_customers_affected_status_and_tier(
    agent_client, make_ticket, customer, affected
):
    affected("alice@example.com", tier="priority")
    ticket = make_ticket(user=customer).ticket

    html = agent_client.get(change_url(ticket)).content.decode()

    assert "Affected, priority tier" in html


def test_change_page_says_an_unaffected_customer_was_checked(agent_client, ticket):
    html = agent_client.get(change_url(ticket)).content.decode()

    assert "Not affected (verified addresses checked)" in html


def test_change_page_does_not_look_up_a_typed_in_address(agent_client, make_ticket, affected):
    affected("anon@example.com", tier="priority")
    ticket = make_ticket(email="anon@example.com").ticket

    html = agent_client.get(change_url(ticket)).content.decode()

    assert "not verified, so not looked up" in html
    assert "Affected, priority tier" not in html


def test_change_page_offers_canned_responses_that_fill_the_reply_box(agent_client, ticket):
    canned = CannedResponse.objects.create(title="Not affected", body="Hello {name}.")
    CannedResponse.objects.create(title="Retired", body="Old.", is_active=False)

    html = agent_client.get(change_url(ticket)).content.decode()

    assert f'<option value="{canned.pk}">Not affected</option>' in html
    assert "Retired" not in html
    canned_url = reverse("admin:support_ticket_canned", args=[ticket.pk])
    assert f'hx-get="{canned_url}"' in html
    assert 'hx-target="#id_reply"' in html
    assert "htmx" in html  # the script that makes it work


def test_canned_response_comes_back_as_a_filled_reply_box(agent_client, ticket):
    canned = CannedResponse.objects.create(title="Hi", body="Hello {name}, about {reference}.")

    response = agent_client.get(
        reverse("admin:support_ticket_canned", args=[ticket.pk]),
        {"canned": canned.pk},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.strip().startswith("<textarea")
    assert 'id="id_reply"' in html
    assert 'name="reply"' in html
    assert f"Hello Alice Liddell, about {ticket.reference}." in html


def test_no_canned_response_chosen_empties_the_reply_box(agent_client, ticket):
    response = agent_client.get(
        reverse("admin:support_ticket_canned", args=[ticket.pk]), {"canned": ""}
    )

    assert response.status_code == HTTPStatus.OK
    assert re.search(r'<textarea [^>]*id="id_reply">\s*</textarea>', response.content.decode())


def test_reply_from_the_change_page_waits_on_the_customer(agent_client, ticket, agent):
    response = agent_client.post(change_url(ticket), answer_form(ticket, reply="Not affected."))

    assert response.status_code == HTTPStatus.FOUND
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.first_responded_at is not None
    assert ticket.assignee == agent
    message = ticket.messages.last()
    assert (message.author_kind, message.author, message.body) == (
        Message.Author.AGENT,
        agent,
        "Not affected.",
    )
    assert Notification.objects.filter(kind="support-reply", to_email="alice@example.com").exists()


def test_reply_that_also_resolves_keeps_the_chosen_status(agent_client, ticket):
    agent_client.post(
        change_url(ticket),
        answer_form(ticket, reply="All done, closing.", status=TicketStatus.RESOLVED),
    )

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.resolved_at is not None


def test_internal_note_from_the_change_page_is_not_sent(agent_client, ticket):
    agent_client.post(change_url(ticket), answer_form(ticket, reply="Escalate.", internal="on"))

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert ticket.messages.last().is_internal
    assert not Notification.objects.filter(kind="support-reply").exists()


def test_saving_triage_without_a_reply_sends_nothing(agent_client, ticket, agent):
    agent_client.post(
        change_url(ticket), answer_form(ticket, assignee=agent.pk, priority=Priority.URGENT)
    )

    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.priority) == (agent, Priority.URGENT)
    assert ticket.messages.count() == 1
    assert not Notification.objects.filter(kind="support-reply").exists()


def test_only_staff_can_be_assigned(agent_client, ticket, customer):
    response = agent_client.post(change_url(ticket), answer_form(ticket, assignee=customer.pk))

    assert response.status_code == HTTPStatus.OK
    assert "assignee" in response.context["adminform"].form.errors


def test_change_page_shows_that_the_first_answer_is_overdue(agent_client, overdue):
    html = agent_client.get(change_url(overdue)).content.decode()

    assert 'class="sla-overdue"' in html
    assert "OVERDUE by 1\xa0day" in html


def test_change_page_does_not_link_to_the_customers_own_page(agent_client, ticket):
    # Staff would get a 404 there: a question's page is its asker's alone.
    html = agent_client.get(change_url(ticket)).content.decode()

    assert ticket.get_absolute_url() not in html


# --- Everyday work without a stumble ----------------------------------------------


def test_the_inbox_opens_on_the_work_not_on_resolved_questions(agent_client, make_ticket):
    done = make_ticket(subject="Already sorted").ticket
    services.ticket_resolve_by_customer(ticket=done)
    todo = make_ticket(subject="Still waiting").ticket

    assert listed(agent_client) == [todo.reference]
    assert set(listed(agent_client, work="all")) == {todo.reference, done.reference}
    assert listed(agent_client, work="done") == [done.reference]


def test_the_inbox_previews_the_last_message(agent_client, ticket, agent):
    services.ticket_reply_by_agent(ticket=ticket, agent=agent, body="We are looking into it.")

    html = agent_client.get(INBOX).content.decode()

    assert "<strong>Support:</strong> We are looking into it." in html


def test_only_a_superuser_deletes_a_question(agent_client, ticket, django_user_model):
    from django.contrib.auth.models import Permission

    # Even with Django's delete permission granted to the role: a question is a record.
    agent_client.user.user_permissions.add(Permission.objects.get(codename="delete_ticket"))
    delete = reverse("admin:support_ticket_delete", args=[ticket.pk])

    assert agent_client.get(delete).status_code == HTTPStatus.FORBIDDEN
    assert agent_client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert "delete_selected" not in agent_client.get(INBOX).content.decode()
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    boss = django_user_model.objects.create_superuser("boss@example.com", None)
    TOTP.activate(boss, generate_totp_secret())
    boss_client = Client()
    sign_in(boss_client, boss, "password", "mfa")
    assert boss_client.get(delete).status_code == HTTPStatus.OK


def test_the_ticket_shows_its_language_and_the_customers_account_safety(
    agent_client, make_ticket, customer
):
    with override("es"):
        asked = make_ticket(user=customer, subject="¿Me afectó?").ticket
    TOTP.activate(customer, generate_totp_secret())

    html = agent_client.get(change_url(asked)).content.decode()

    assert '<div class="readonly">Español</div>' in html[html.index("field-language") :][:800]
    safety = html[html.index("field-account_safety") :][:1000]
    assert "New password set: <strong>no</strong>" in safety
    assert "Two-factor on: <strong>yes</strong>" in safety


def test_canned_replies_of_the_questions_category_come_first(agent_client, make_ticket):
    CannedResponse.objects.create(title="A general thank you", body="Thanks, {name}.")
    CannedResponse.objects.create(
        title="Z: how to set a new password", body="Go to…", category=Category.PASSWORD_2FA
    )
    asked = make_ticket(category=Category.PASSWORD_2FA).ticket

    form = agent_client.get(change_url(asked)).context["adminform"].form
    titles = [c.title for c in form.fields["canned"].queryset]

    assert titles[0] == "Z: how to set a new password"


def test_send_and_next_lands_on_the_next_question_of_the_same_view(
    agent_client, make_ticket, mailoutbox
):
    first, second = make_ticket().ticket, make_ticket().ticket
    make_ticket(category=Category.OTHER)  # not in the view below
    view = f"category__exact={Category.WAS_I_AFFECTED}"

    response = agent_client.post(
        change_url(first) + "?" + urlencode({"_changelist_filters": view}),
        answer_form(first, reply="Here is what we know.", _sendnext="1",
                    _changelist_filters=view),
    )  # fmt: skip

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(change_url(second))
    assert "category__exact" in response["Location"]  # still the same view
    assert first.messages.filter(body="Here is what we know.").exists()


def test_an_agent_is_told_when_another_has_the_question_open(agent_client, ticket, make_staff):
    other = make_staff("bob-agent@example.com", group="Support agents")
    other_client = Client()
    sign_in(other_client, other, "password", "mfa")

    assert "opened this question" not in agent_client.get(change_url(ticket)).content.decode()
    html = other_client.get(change_url(ticket)).content.decode()

    assert "agent@example.com opened this question" in html


def test_the_ticket_page_writes_times_one_way(agent_client, ticket):
    html = agent_client.get(change_url(ticket)).content.decode()

    # "6 Dec 2026, 14:00", as the pages, emails and the conversation above write them.
    assert ticket.created_at.strftime("%-d %b %Y, %H:%M") in html
    assert "a.m." not in html and "p.m." not in html
