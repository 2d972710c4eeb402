from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import timezone

from notifications.models import Campaign, Notification
from notifications.services import campaigns
from notifications.services.outbox import notifications_send_due
from portal.funnel import incident_funnel
from support.models import TicketStatus
from support.services import ticket_create

pytestmark = pytest.mark.django_db

LIST = (
    "email,categories,tier,remedy_code\r\n"
    "ann@example.com,password-hash,standard,\r\n"
    "ben@example.com,password-hash,standard,\r\n"
    "cat@example.com,password-hash,standard,\r\n"
    "dan@example.com,password-hash,standard,\r\n"
    "vip@example.com,password-hash,priority,CM-1\r\n"
)


@pytest.fixture
def affected(import_affected):
    return import_affected(LIST)


def account(django_user_model, email):
    user = django_user_model.objects.create_user(email, "x" * 20)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def notify_everyone(incident):
    campaign = Campaign.objects.create(incident=incident, name="n", subject="s", body="b")
    campaigns.campaign_fanout(campaign=campaign)
    notifications_send_due()


def counts(funnel, tier):
    return {bar.key: bar.count for bar in funnel[tier]}


def test_the_funnel_counts_each_step_per_tier(incident, affected, django_user_model, mailoutbox):
    notify_everyone(incident)
    ann, ben = (
        account(django_user_model, "ann@example.com"),
        account(django_user_model, "ben@example.com"),
    )
    account(django_user_model, "unaffected@example.com")
    now = timezone.now()
    ann.last_login = ben.last_login = now
    ann.password_changed_at = now
    ann.save()
    ben.save()
    TOTP.activate(ann, generate_totp_secret())
    asked = ticket_create(subject="Help", category="password", body="?", user=ben).ticket
    asked.status = TicketStatus.RESOLVED
    asked.save()

    funnel = incident_funnel(incident=incident)

    assert counts(funnel, "standard") == {
        "affected": 4, "notified": 4, "signed_in": 2, "changed_password": 1,
        "two_factor": 1, "asked": 1, "resolved": 1,
    }  # fmt: skip
    assert counts(funnel, "priority")["affected"] == 1
    assert {bar.key: bar.percent for bar in funnel["standard"]}["signed_in"] == 50


def test_the_funnel_page_is_for_the_comms_team(incident, affected, staff_client):
    page = staff_client.get(reverse("admin-funnel", args=[incident.slug]))

    assert page.status_code == HTTPStatus.OK
    assert "Set a new password since the breach was confirmed" in page.content.decode()
    assert "<svg" in page.content.decode()


def test_a_follow_up_goes_only_to_those_who_kept_their_password(
    incident, affected, django_user_model, staff_client, smtp_sink
):
    ann = account(django_user_model, "ann@example.com")
    ann.password_changed_at = timezone.now()
    ann.save()

    response = staff_client.post(reverse("admin-funnel", args=[incident.slug]))
    campaign = Campaign.objects.get()
    campaigns.campaign_fanout(campaign=campaign)
    while notifications_send_due():
        pass

    assert response["Location"] == reverse(
        "admin:notifications_campaign_change", args=[campaign.pk]
    )
    assert campaign.audience == Campaign.Audience.PASSWORD_NOT_CHANGED
    assert sorted(m["To"] for m in smtp_sink.messages) == [
        "ben@example.com", "cat@example.com", "dan@example.com", "vip@example.com",
    ]  # fmt: skip
    assert Notification.objects.filter(to_email="ann@example.com").count() == 0


def test_notified_counts_only_the_emails_the_outbox_sent_about_this_incident(
    incident, affected, django_user_model, make_update
):
    from notifications.models import Subscription
    from notifications.services.subscriptions import updates_announce_due

    ann = account(django_user_model, "ann@example.com")
    ann.password_changed_at = timezone.now()
    ann.save()
    # The campaign to everyone was given up (SMTP refused it): nobody was notified by it.
    campaign = Campaign.objects.create(incident=incident, name="n", subject="s", body="b")
    campaigns.campaign_fanout(campaign=campaign)
    Notification.objects.filter(kind="campaign").update(status=Notification.Status.FAILED)
    # Ann follows the incident's updates by email, and one went out.
    Subscription.objects.create(
        email="ann@example.com", incident=incident, confirmed_at=timezone.now()
    )
    make_update(body="We are still investigating.")
    updates_announce_due()
    notifications_send_due()

    standard = counts(incident_funnel(incident=incident), "standard")

    assert standard["notified"] == 1  # Ann, by the update email; nobody by the failed campaign
    assert standard["changed_password"] == 1
