"""Never late in silence: questions nearly due alert the agents, overdue ones the leads."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification
from support import services
from support.models import Category, SlaAlert
from support.tasks import support_watch

pytestmark = pytest.mark.django_db

# A question about a suspicious email is high priority: due 4 hours after it is asked.
ASKED = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff(make_staff):
    reader_of_spanish = make_staff("agente@example.com", group="Support agents")
    reader_of_spanish.language = "es"
    reader_of_spanish.save()
    make_staff("lead@example.com", group="Support leads")


@pytest.fixture
def question(make_ticket, staff):
    with time_machine.travel(ASKED, tick=False):
        return make_ticket(email="ana@example.com", category=Category.SUSPICIOUS_EMAIL).ticket


def alerts():
    sent = Notification.objects.filter(kind__startswith="support-sla")
    return sorted((n.to_email, n.kind) for n in sent)


def check_at(moment):
    with time_machine.travel(moment, tick=False):
        support_watch()


def test_each_stage_alerts_its_group_once_in_each_ones_language(question, settings):
    settings.SUPPORT_SLA_WARNING_MINUTES = 60

    check_at(ASKED + dt.timedelta(hours=2))  # two hours to go: nothing yet
    assert alerts() == []

    for minutes in (0, 10, 50):  # the beat runs every few minutes
        check_at(ASKED + dt.timedelta(hours=3, minutes=minutes))
    assert alerts() == [("agente@example.com", "support-sla-approaching")]
    # In her language: the question's priority is written in Spanish.
    alert = Notification.objects.get(to_email="agente@example.com")
    assert f"{question.reference} · Alta ·" in alert.body_text

    for minutes in (1, 30, 90):
        check_at(ASKED + dt.timedelta(hours=4, minutes=minutes))
    assert alerts() == [
        ("agente@example.com", "support-sla-approaching"),
        ("lead@example.com", "support-sla-overdue"),
    ]
    escalation = Notification.objects.get(to_email="lead@example.com")
    assert escalation.subject == "1 question is overdue for its first answer"
    assert f"{question.reference} · High ·" in escalation.body_text
    assert SlaAlert.objects.filter(ticket=question).count() == 2


def test_an_answered_question_never_alerts(question, agent):
    with time_machine.travel(ASKED + dt.timedelta(hours=1), tick=False):
        services.ticket_reply_by_agent(ticket=question, agent=agent, body="Here you are.")

    for hours in (3, 3.5, 5, 48):
        check_at(ASKED + dt.timedelta(hours=hours))

    assert alerts() == []


def test_a_question_someone_has_is_not_announced_to_agents_but_still_escalates(question, agent):
    question.assignee = agent
    question.save()

    check_at(ASKED + dt.timedelta(hours=3, minutes=30))
    assert alerts() == []

    check_at(ASKED + dt.timedelta(hours=5))
    assert [to for to, _ in alerts()] == ["lead@example.com"]


def test_the_database_refuses_a_second_alert_of_one_stage(question):
    from django.db import IntegrityError, transaction

    SlaAlert.objects.create(ticket=question, stage=SlaAlert.Stage.OVERDUE)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlaAlert.objects.create(ticket=question, stage=SlaAlert.Stage.OVERDUE)


def test_the_alert_names_the_question_and_links_to_it(question):
    check_at(ASKED + dt.timedelta(hours=30))

    email = Notification.objects.get(to_email="lead@example.com")
    assert question.reference in email.body_text
    assert f"/admin/support/ticket/{question.pk}/change/" in email.body_text
    assert "ana@example.com" not in email.body_text  # no customer's address in staff mail
    assert timezone.is_aware(email.created_at)
