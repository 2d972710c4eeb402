"""What agents see of the support mailbox: every email received, robots' included."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from support import services
from support.mail import IncomingMail

pytestmark = pytest.mark.django_db

INBOUND = reverse("admin:support_inboundemail_changelist")


def test_agents_see_what_the_mailbox_received_and_what_became_of_it(agent_client):
    robot = IncomingMail(
        message_id="<away-1@example.net>",
        from_email="away@example.net",
        from_name="",
        subject="Out of office",
        body="I am away.",
        size=900,
        automated=True,
    )
    services.inbound_email_receive(mail=robot)

    response = agent_client.get(INBOUND, {"outcome__exact": "automated"})

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "away@example.net" in html
    assert "Automated mail (not answered)" in html


def test_the_comms_team_does_not_read_the_support_mailbox(comms_client):
    assert comms_client.get(INBOUND).status_code == HTTPStatus.FORBIDDEN
