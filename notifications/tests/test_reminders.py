import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import resolve

from incidents.models import Status
from notifications.models import Notification
from notifications.services.reminders import quiet_reminders_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def comms(django_user_model):
    user = django_user_model.objects.create_user("comms@example.com", "x" * 20, is_staff=True)
    user.groups.add(Group.objects.get(name="Comms team"))
    return user


def reminders():
    return Notification.objects.filter(kind="quiet-reminder")


def test_an_incident_quiet_for_too_long_reminds_the_comms_team_once(comms, incident, make_update):
    last = make_update()
    later = last.publish_at + dt.timedelta(hours=incident.quiet_hours, minutes=1)

    with time_machine.travel(later):
        quiet_reminders_send()
        quiet_reminders_send()

    assert reminders().count() == 1
    assert reminders().get().to_email == "comms@example.com"


def test_the_reminder_links_to_adding_an_update_at_the_site_address(
    comms, incident, make_update, settings
):
    settings.SITE_URL = "https://status.example.com/"
    last = make_update()

    with time_machine.travel(last.publish_at + dt.timedelta(hours=incident.quiet_hours + 1)):
        quiet_reminders_send()

    link = next(
        line for line in reminders().get().body_text.split() if line.startswith("https://")
    )
    assert link.startswith("https://status.example.com/admin/")
    assert resolve(urlsplit(link).path).url_name == "incidents_update_add"


def test_no_reminder_before_the_quiet_period_ends(comms, incident, make_update):
    last = make_update()

    with time_machine.travel(last.publish_at + dt.timedelta(hours=incident.quiet_hours - 1)):
        quiet_reminders_send()

    assert not reminders().exists()


def test_a_new_update_starts_a_new_quiet_period(comms, incident, make_update):
    first = make_update()
    with time_machine.travel(first.publish_at + dt.timedelta(hours=25)):
        quiet_reminders_send()
        second = make_update(at=first.publish_at + dt.timedelta(hours=25))
    with time_machine.travel(second.publish_at + dt.timedelta(hours=25)):
        quiet_reminders_send()

    assert reminders().count() == 2


def test_a_resolved_incident_needs_no_reminder(comms, incident, make_update):
    last = make_update(status=Status.RESOLVED)

    with time_machine.travel(last.publish_at + dt.timedelta(days=3)):
        quiet_reminders_send()

    assert not reminders().exists()
