import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from incidents.models import Obligation, Regime
from incidents.selectors import obligation_clock
from incidents.services import clocks

pytestmark = pytest.mark.django_db

CONFIRMED = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # a Friday


@pytest.fixture
def confirmed_incident(make_incident):
    return make_incident(detected_at=CONFIRMED - dt.timedelta(hours=5), confirmed_at=CONFIRMED)


def obligation(incident, regime_name, **fields):
    return clocks.obligation_save(
        obligation=Obligation(
            incident=incident, regime=Regime.objects.get(name=regime_name), **fields
        )
    )


def test_the_common_regimes_are_there_from_the_start():
    names = set(Regime.objects.values_list("name", flat=True))

    expected = {
        "GDPR Art. 33",
        "NIS2 early warning",
        "NIS2 incident notification",
        "NIS2 final report",
        "India CERT-In",
        "RBI",
        "SEC Form 8-K Item 1.05",
        "HIPAA breach notification",
    }
    assert expected <= names


@pytest.mark.parametrize(
    ("regime", "due"),
    [
        ("GDPR Art. 33", CONFIRMED + dt.timedelta(hours=72)),
        ("NIS2 early warning", CONFIRMED + dt.timedelta(hours=24)),
        ("India CERT-In", CONFIRMED + dt.timedelta(hours=6)),
        ("NIS2 final report", CONFIRMED.replace(month=12)),
        ("HIPAA breach notification", CONFIRMED + dt.timedelta(days=60)),
    ],
)
def test_deadlines_count_from_awareness(confirmed_incident, regime, due):
    assert obligation(confirmed_incident, regime).due_at == due


def test_sec_counts_four_business_days_from_the_materiality_decision(confirmed_incident):
    sec = obligation(confirmed_incident, "SEC Form 8-K Item 1.05")
    assert sec.due_at is None
    assert obligation_clock(sec).state == "not-started"

    sec.clock_started_at = CONFIRMED  # decided on Friday
    clocks.obligation_save(obligation=sec)

    assert sec.due_at == CONFIRMED + dt.timedelta(days=6)  # the next Thursday


def test_the_clock_runs_then_is_overdue_across_the_deadline(confirmed_incident):
    gdpr = obligation(confirmed_incident, "GDPR Art. 33")

    with time_machine.travel(CONFIRMED + dt.timedelta(hours=60), tick=False):
        assert obligation_clock(gdpr).text == "12 h 00 min left"
        assert obligation_clock(gdpr).state == "running"
    with time_machine.travel(CONFIRMED + dt.timedelta(hours=70)):
        assert obligation_clock(gdpr).state == "soon"
    with time_machine.travel(CONFIRMED + dt.timedelta(hours=73, minutes=30), tick=False):
        clock = obligation_clock(gdpr)
        assert (clock.state, clock.text) == ("overdue", "OVERDUE by 1 h 30 min")


def test_filing_stops_the_clock_and_records_who(confirmed_incident, staff_client):
    gdpr = obligation(confirmed_incident, "GDPR Art. 33")

    with time_machine.travel(CONFIRMED + dt.timedelta(hours=10)):  # within its 72 hours
        staff_client.post(
            reverse("admin:incidents_obligation_changelist"),
            {"action": "file_now", "_selected_action": [gdpr.pk]},
        )

    gdpr.refresh_from_db()
    assert gdpr.filed_by == staff_client.user
    assert obligation_clock(gdpr).state == "filed"


def test_moving_the_confirmation_time_moves_the_deadlines(confirmed_incident):
    gdpr = obligation(confirmed_incident, "GDPR Art. 33")

    confirmed_incident.confirmed_at = CONFIRMED + dt.timedelta(hours=1)
    from incidents.services import incident_save

    incident_save(incident=confirmed_incident)

    gdpr.refresh_from_db()
    assert gdpr.due_at == CONFIRMED + dt.timedelta(hours=73)


def test_the_dashboard_lists_open_deadlines_soonest_first(confirmed_incident, staff_client):
    obligation(confirmed_incident, "GDPR Art. 33")
    obligation(confirmed_incident, "India CERT-In")
    obligation(confirmed_incident, "NIS2 early warning", filed_at=CONFIRMED)

    with time_machine.travel(CONFIRMED + dt.timedelta(hours=2), tick=False):
        page = staff_client.get(
            reverse("admin:incidents_obligation_changelist"), {"open": "yes"}
        ).content.decode()

    assert page.index("India CERT-In") < page.index("GDPR Art. 33")
    assert "4 h 00 min left" in page
    assert "2 regulatory deadlines" in page  # the filed one is not listed


def test_a_new_regime_can_be_added_in_the_admin(staff_client):
    staff_client.post(
        reverse("admin:incidents_regime_add"),
        {
            "name": "State AG notice",
            "authority": "Attorney General",
            "starts": "awareness",
            "hours": 720,
        },
    )

    assert Regime.objects.filter(name="State AG notice", hours=720).exists()


def test_a_regime_needs_exactly_one_way_to_count(staff_client):
    response = staff_client.post(
        reverse("admin:incidents_regime_add"),
        {
            "name": "Broken",
            "authority": "X",
            "starts": "awareness",
            "hours": 5,
            "business_days": 2,
        },
    )

    assert "Give the deadline in hours, business days or months." in response.content.decode()
