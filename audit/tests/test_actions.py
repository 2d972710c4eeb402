"""Each app registers the actions it records: a new one needs no migration of audit."""

from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from audit import actions
from audit.models import AuditEvent
from audit.services import audit_record

pytestmark = pytest.mark.django_db


class RefundAction(models.TextChoices):
    """What an app that does not exist yet would declare in its audit_actions.py."""

    REFUND_ISSUED = "refund.issued", "Refund issued"


@pytest.fixture
def refunds_registered(monkeypatch):
    """RefundAction registered as an app's ready() would, for this test only."""
    monkeypatch.setattr(actions, "_labels", dict(actions._labels))
    actions.actions_register(RefundAction)


def test_an_action_a_new_app_registers_needs_no_migration_of_audit(refunds_registered):
    # Exits with an error if the model's state no longer matches audit's migrations.
    call_command("makemigrations", "audit", "--check", "--dry-run", verbosity=0)

    event = audit_record(actor=None, action=RefundAction.REFUND_ISSUED)

    assert AuditEvent.objects.get() == event
    assert str(event) == "system · Refund issued · "


def test_an_action_no_app_registered_is_refused():
    with pytest.raises(ValidationError, match="not an action any app registered"):
        audit_record(actor=None, action="refund.issued")

    assert not AuditEvent.objects.exists()


def test_the_admin_filters_and_shows_each_action_by_the_label_its_app_gave(
    staff_client, refunds_registered
):
    audit_record(actor=staff_client.user, action=RefundAction.REFUND_ISSUED)
    changelist = reverse("admin:audit_auditevent_changelist")

    every = staff_client.get(changelist)
    refunds = staff_client.get(changelist, {"action": RefundAction.REFUND_ISSUED})

    assert every.status_code == refunds.status_code == HTTPStatus.OK
    assert "?action=refund.issued" in every.content.decode()  # a choice in the filter
    assert "Question answered" in every.content.decode()  # one that support registers
    assert [e.action for e in refunds.context["cl"].result_list] == ["refund.issued"]
    assert '<td class="field-action_display">Refund issued</td>' in refunds.content.decode()
