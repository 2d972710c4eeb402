"""Regulatory deadline alerts: each stage once per channel (email, chat), none once filed."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse

from incidents.models import Obligation, Regime
from incidents.services import clocks
from notifications.models import ChatEndpoint, DeadlineAlert, Notification
from notifications.services.deadlines import deadline_alerts_send

pytestmark = pytest.mark.django_db

CONFIRMED = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
# GDPR Art. 33: 72 hours from awareness.
HALF = CONFIRMED + dt.timedelta(hours=36)
QUARTER = CONFIRMED + dt.timedelta(hours=54)
HOUR = CONFIRMED + dt.timedelta(hours=71)
DUE = CONFIRMED + dt.timedelta(hours=72)


@pytest.fixture
def gdpr_deadline(make_incident, make_person):
    make_person("lead@example.com", staff=True, group="Comms team")
    ChatEndpoint.objects.create(
        name="#breach-room", flavour="slack", url="https://hooks.example.com/services/T/B/x"
    )
    incident = make_incident(confirmed_at=CONFIRMED)
    return clocks.obligation_save(
        obligation=Obligation(incident=incident, regime=Regime.objects.get(name="GDPR Art. 33"))
    )


def run_at(moment):
    """The beat task, twice at the same moment (two runs, or a retried one)."""
    with time_machine.travel(moment, tick=False):
        deadline_alerts_send()
        deadline_alerts_send()


def alerts(channel):
    return list(Notification.objects.filter(kind="deadline-alert", channel=channel).order_by("id"))


def test_each_stage_alerts_once_by_email_and_on_chat(gdpr_deadline):
    run_at(HALF - MINUTE)
    assert alerts("email") == [] and alerts("chat") == []

    for count, moment in enumerate([HALF, QUARTER, HOUR, DUE], start=1):
        run_at(moment + MINUTE)
        run_at(moment + 10 * MINUTE)
        assert len(alerts("email")) == count
        assert len(alerts("chat")) == count

    assert [a.to_email for a in alerts("email")] == ["lead@example.com"] * 4
    subjects = [a.subject for a in alerts("email")]
    assert subjects[0].startswith("1 d 11 h left: GDPR Art. 33")
    assert subjects[2].startswith("0 h 59 min left")
    assert subjects[3].startswith("OVERDUE")


def test_an_alert_says_the_time_left_and_links_to_the_deadline(gdpr_deadline):
    run_at(QUARTER + MINUTE)

    email, chat = alerts("email")[0], alerts("chat")[0]
    link = reverse("admin:incidents_obligation_change", args=[gdpr_deadline.pk])
    assert "17 h 59 min left" in email.body_text
    assert link in email.body_text
    assert "17 h 59 min left" in chat.body_text and link in chat.body_text


def test_a_filed_deadline_alerts_no_more(gdpr_deadline, make_person):
    run_at(HALF + MINUTE)
    lead = make_person("filer@example.com", staff=True)
    with time_machine.travel(HALF + 2 * MINUTE, tick=False):
        clocks.obligations_file(
            obligations=Obligation.objects.filter(pk=gdpr_deadline.pk), user=lead
        )

    for moment in (QUARTER, HOUR, DUE):
        run_at(moment + MINUTE)

    assert len(alerts("email")) == 1 and len(alerts("chat")) == 1


def test_stages_missed_while_beat_was_down_send_only_the_latest(gdpr_deadline):
    run_at(HOUR + MINUTE)

    assert len(alerts("email")) == 1
    assert "0 h 59 min left" in alerts("email")[0].subject
    assert set(DeadlineAlert.objects.values_list("stage", flat=True)) == {
        "half",
        "quarter",
        "hour",
    }


def test_the_database_holds_a_stage_once(gdpr_deadline):
    DeadlineAlert.objects.create(obligation=gdpr_deadline, stage="half")

    with pytest.raises(IntegrityError):
        DeadlineAlert.objects.create(obligation=gdpr_deadline, stage="half")


def test_an_alert_still_waiting_when_the_deadline_is_filed_is_not_sent(gdpr_deadline, make_person):
    run_at(HALF + MINUTE)  # queued; the outbox has not sent it yet (no commit in this test)
    filer = make_person("filer@example.com", staff=True)
    clocks.obligations_file(obligations=Obligation.objects.filter(pk=gdpr_deadline.pk), user=filer)

    run_at(HALF + 2 * MINUTE)

    assert {a.status for a in alerts("email") + alerts("chat")} == {"failed"}
