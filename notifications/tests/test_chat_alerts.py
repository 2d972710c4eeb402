"""Quiet incidents reach the chat endpoints that take them, once per quiet period."""

import datetime as dt
import json

import time_machine
from django.utils import timezone

from notifications.models import ChatEndpoint, Notification
from notifications.services.reminders import quiet_reminders_send


def test_a_quiet_incident_is_posted_once_to_the_endpoints_that_take_it(make_update):
    room = ChatEndpoint.objects.create(name="#breach-room", flavour="slack", url="https://e.org/a")
    ChatEndpoint.objects.create(
        name="#updates-only", flavour="teams", url="https://e.org/b", quiet_incidents=False
    )
    make_update(at=timezone.now() - dt.timedelta(hours=1))

    with time_machine.travel(timezone.now() + dt.timedelta(hours=30)):
        quiet_reminders_send()
        quiet_reminders_send()

    [post] = Notification.objects.filter(channel="chat")
    assert post.chat_endpoint == room
    assert "Gone quiet: Customer data breach" in json.loads(post.body_text)["text"]
