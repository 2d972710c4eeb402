"""Regulatory filings, staff access and staff second factors are in the trail too."""

import datetime as dt
from http import HTTPStatus

import pytest
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.audit_actions import Action as AccountAction
from accounts.models import User
from audit.models import AuditEvent
from incidents.audit_actions import Action as IncidentAction
from incidents.models import Obligation, Regime
from incidents.services import clocks

pytestmark = pytest.mark.django_db


def the_event(action):
    (event,) = AuditEvent.objects.filter(action=action)
    return event


@pytest.fixture
def gdpr(make_incident):
    incident = make_incident(confirmed_at=timezone.now() - dt.timedelta(hours=2))
    return clocks.obligation_save(
        obligation=Obligation(incident=incident, regime=Regime.objects.get(name="GDPR Art. 33"))
    )


def test_filing_a_deadline_with_the_admin_action_records_who(staff_client, gdpr):
    staff_client.post(
        reverse("admin:incidents_obligation_changelist"),
        {"action": "file_now", "_selected_action": [gdpr.pk]},
    )

    event = the_event(IncidentAction.OBLIGATION_FILED)
    assert (event.actor, event.target) == (staff_client.user, gdpr)
    gdpr.refresh_from_db()
    assert event.details["filed_at"] == gdpr.filed_at.isoformat()


def test_filing_a_deadline_on_its_page_records_who_and_the_reference(staff_client, gdpr):
    now = timezone.now()
    staff_client.post(
        reverse("admin:incidents_obligation_change", args=[gdpr.pk]),
        {
            "incident": gdpr.incident.pk,
            "regime": gdpr.regime.pk,
            "clock_started_at_0": "",
            "clock_started_at_1": "",
            "filed_at_0": now.strftime("%Y-%m-%d"),
            "filed_at_1": now.strftime("%H:%M:%S"),
            "reference": "DPA-2026-0042",
        },
    )
    staff_client.post(  # saved again, already filed: not a second filing
        reverse("admin:incidents_obligation_change", args=[gdpr.pk]),
        {
            "incident": gdpr.incident.pk,
            "regime": gdpr.regime.pk,
            "filed_at_0": now.strftime("%Y-%m-%d"),
            "filed_at_1": now.strftime("%H:%M:%S"),
            "reference": "DPA-2026-0042-A",
        },
    )

    event = the_event(IncidentAction.OBLIGATION_FILED)
    assert event.actor == staff_client.user
    assert event.details["reference"] == "DPA-2026-0042"


def user_form(user, **overrides):
    return {
        "email": user.email,
        "full_name": "",
        "is_active": "on",
        "must_change_password": "",
        "groups": [],
        "user_permissions": [],
        "password_changed_at_0": "",
        "password_changed_at_1": "",
    } | overrides


def test_making_someone_staff_in_a_role_records_who_and_what_changed(staff_client):
    person = User.objects.create_user("new-hire@example.com", None)
    comms = Group.objects.get(name="Comms team")

    response = staff_client.post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        user_form(person, is_staff="on", groups=[comms.pk]),
    )

    assert response.status_code == HTTPStatus.FOUND
    event = the_event(AccountAction.ACCESS_CHANGED)
    assert (event.actor, event.target) == (staff_client.user, person)
    assert event.details == {
        "staff": {"from": False, "to": True},
        "groups": {"from": [], "to": ["Comms team"]},
    }


def test_saving_a_person_unchanged_records_nothing(staff_client):
    person = User.objects.create_user("customer@example.com", None)

    staff_client.post(reverse("admin:accounts_user_change", args=[person.pk]), user_form(person))

    assert not AuditEvent.objects.filter(action=AccountAction.ACCESS_CHANGED).exists()


def authenticator(user, kind):
    return Authenticator(user=user, type=kind, data={})


def test_a_staff_member_removing_a_second_factor_is_recorded_without_its_secret(staff_client):
    totp = Authenticator.objects.get(user=staff_client.user, type=Authenticator.Type.TOTP)
    secret = totp.data["secret"]

    # What allauth sends when someone turns off their authenticator app.
    mfa_signals.authenticator_removed.send(
        sender=Authenticator, request=None, user=staff_client.user, authenticator=totp
    )

    event = the_event(AccountAction.MFA_REMOVED)
    assert (event.actor, event.target) == (staff_client.user, staff_client.user)
    assert event.details == {"kind": "totp"}
    assert secret not in str(event.details)


def test_a_customers_second_factor_is_not_staff_business(django_user_model):
    person = django_user_model.objects.create_user("carol@example.com", None)

    mfa_signals.authenticator_added.send(
        sender=Authenticator,
        request=None,
        user=person,
        authenticator=authenticator(person, Authenticator.Type.TOTP),
    )

    assert not AuditEvent.objects.exists()
