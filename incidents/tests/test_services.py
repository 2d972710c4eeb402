import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import Status, Update

pytestmark = pytest.mark.django_db


def test_correcting_a_public_update_marks_it_revised(make_update):
    update = make_update(body="Old.")

    update.body = "New."
    services.update_save(update=update)

    assert update.revised_at is not None
    assert update.history.count() == 2


def test_editing_a_draft_is_not_a_public_revision(make_update):
    update = make_update(body="Old.", at="draft")

    update.body = "New."
    services.update_save(update=update)

    assert update.revised_at is None


def test_a_public_update_cannot_be_withdrawn_or_moved(make_update, now):
    update = make_update()

    update.publish_at = now + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.update_save(update=update)

    assert "already public" in str(error.value.message_dict["publish_at"])


def test_a_scheduled_time_in_the_past_publishes_at_once(make_update, now):
    update = make_update(at=now - dt.timedelta(days=1))

    assert Update.objects.published().filter(pk=update.pk).exists()


def test_publish_now_publishes_a_scheduled_update(make_update, now):
    update = make_update(at=now + dt.timedelta(days=1))

    services.update_publish(update=update)

    assert update.is_public()


def test_publish_now_is_idempotent(make_update):
    update = make_update()
    published_at = update.publish_at

    services.update_publish(update=update)

    assert update.publish_at == published_at
    assert update.history.count() == 1


def test_an_update_needs_a_body(incident, now):
    with pytest.raises(ValidationError):
        services.update_create(
            incident=incident, status=Status.IDENTIFIED, body="", publish_at=now
        )


def test_incident_cannot_be_confirmed_before_it_was_detected(make_incident, now):
    with pytest.raises(ValidationError):
        make_incident(detected_at=now, confirmed_at=now - dt.timedelta(hours=1))
