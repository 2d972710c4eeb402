import datetime as dt
import re
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications.models import Subscription
from notifications.services.outbox import notifications_send_due
from notifications.services.subscriptions import updates_announce_due

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+")


def subscribe(client, email="reader@example.com", incident=None):
    data = {"email": email} | ({"incident": incident.slug} if incident else {})
    return client.post(reverse("notifications:subscribe"), data)


def unsubscribe_link(message):
    return re.search(r"<([^>]+)>", str(message["List-Unsubscribe"])).group(1)


def deliver():
    """What the worker does: announce due updates, then send the outbox."""
    updates_announce_due()
    return notifications_send_due()


def confirm(client, sink, email="reader@example.com"):
    deliver()
    link = LINK.search(sink.text(sink.last_to(email))).group(0)
    return client.post(urlsplit(link).path)


def test_public_pages_offer_updates_by_a_get_form(client, incident):
    page = client.get(incident.get_absolute_url()).content.decode()

    assert f'action="{reverse("notifications:subscribe")}"' in page
    assert 'method="get"' in page
    assert "csrfmiddlewaretoken" not in page


def test_the_subscribe_page_keeps_the_typed_address(client, incident):
    page = client.get(reverse("notifications:subscribe"), {"email": "reader@example.com"})

    assert 'value="reader@example.com"' in page.content.decode()


def test_subscribing_sends_a_confirmation_and_nothing_before_it(client, incident, smtp_sink):
    response = subscribe(client, incident=incident)

    assert response["Location"] == reverse("notifications:subscribe-sent")
    deliver()
    message = smtp_sink.last_to("reader@example.com")
    assert "confirm" in message["Subject"].lower()
    assert not Subscription.objects.get().is_active


def test_opening_the_link_asks_before_confirming(client, incident, smtp_sink):
    subscribe(client)
    deliver()
    link = LINK.search(smtp_sink.text(smtp_sink.last_to("reader@example.com"))).group(0)

    client.get(urlsplit(link).path)  # a mail scanner following the link
    assert not Subscription.objects.get().is_active

    client.post(urlsplit(link).path)
    assert Subscription.objects.get().is_active


def test_a_published_update_reaches_each_confirmed_subscriber_once(
    client, incident, make_update, smtp_sink
):
    subscribe(client, "a@example.com", incident=incident)
    confirm(client, smtp_sink, "a@example.com")
    subscribe(client, "a@example.com")  # also to every incident: still one email
    confirm(client, smtp_sink, "a@example.com")
    subscribe(client, "b@example.com")
    confirm(client, smtp_sink, "b@example.com")
    subscribe(client, "unconfirmed@example.com")
    before = len(smtp_sink.messages)

    make_update(body="The attacker's access is closed.", at=timezone.now())
    deliver()
    deliver()

    news = smtp_sink.messages[before:]
    assert sorted(m["To"] for m in news if "Update:" in m["Subject"]) == [
        "a@example.com",
        "b@example.com",
    ]
    assert "The attacker's access is closed." in smtp_sink.text(smtp_sink.last_to("b@example.com"))


def test_a_scheduled_update_is_mailed_when_its_time_comes(
    client, incident, make_update, smtp_sink
):
    subscribe(client)
    confirm(client, smtp_sink)
    at = timezone.now() + dt.timedelta(hours=2)
    make_update(body="Scheduled words.", at=at)

    deliver()
    assert not any("Update:" in m["Subject"] for m in smtp_sink.messages)

    with time_machine.travel(at + dt.timedelta(minutes=1)):
        deliver()
    assert "Scheduled words." in smtp_sink.text(smtp_sink.last_to("reader@example.com"))


def test_update_emails_have_one_click_unsubscribe_headers(
    client, incident, make_update, smtp_sink
):
    subscribe(client)
    confirm(client, smtp_sink)
    make_update(at=timezone.now())
    deliver()
    message = smtp_sink.last_to("reader@example.com")

    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = unsubscribe_link(message)
    assert unsubscribe in smtp_sink.text(message)  # and a link in the text itself

    # What a mail client does for "one click": a POST with no session or CSRF token.
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        urlsplit(unsubscribe).path, {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == HTTPStatus.OK
    assert Subscription.objects.get().unsubscribed_at is not None


def test_no_update_reaches_someone_who_unsubscribed(client, incident, make_update, smtp_sink):
    subscribe(client)
    confirm(client, smtp_sink)
    make_update(at=timezone.now())
    deliver()
    unsubscribe = unsubscribe_link(smtp_sink.last_to("reader@example.com"))
    client.post(urlsplit(unsubscribe).path)
    count = len(smtp_sink.messages)

    make_update(body="Later news.", at=timezone.now())
    deliver()

    assert len(smtp_sink.messages) == count


def test_asking_again_looks_the_same_whether_or_not_subscribed(client, incident, smtp_sink):
    first = subscribe(client, "new@example.com")
    subscribe(client, "old@example.com")
    confirm(client, smtp_sink, "old@example.com")

    again = subscribe(client, "old@example.com")

    assert (first.status_code, first["Location"]) == (again.status_code, again["Location"])


def test_a_bad_link_gets_a_clear_page(client, db):
    for name in ("notifications:confirm", "notifications:unsubscribe"):
        response = client.get(reverse(name, args=["not-a-real-token"]))
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "This link does not work" in response.content.decode()


def test_an_old_confirmation_link_does_not_work(client, incident, smtp_sink):
    subscribe(client)
    deliver()
    link = LINK.search(smtp_sink.text(smtp_sink.last_to("reader@example.com"))).group(0)

    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        response = client.post(urlsplit(link).path)

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_subscription_flood_is_rate_limited(client, db):
    responses = [subscribe(client, f"flood{n}@example.com") for n in range(8)]

    assert responses[-1].status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_a_bad_address_keeps_what_was_typed(client, db):
    response = subscribe(client, "not-an-address")

    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert 'value="not-an-address"' in page
    assert "Enter a valid email address" in page
