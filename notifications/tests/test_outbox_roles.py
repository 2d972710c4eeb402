"""
The outbox in admin follows the staff roles: each role reads only the emails about
what it may already read (agents: questions; the comms team: campaigns, updates,
subscriptions), and the emails holding a secret (a private question link, a remedy
code) are never shown to anyone and are erased once sent.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from notifications.models import Campaign, Notification
from notifications.services import campaigns
from notifications.services.outbox import notification_enqueue, notifications_send_due
from support import services as support

pytestmark = pytest.mark.django_db

AGENTS = "Support agents"
COMMS = "Comms team"
SUPERUSER = "superuser"

# Every kind of email the outbox holds, and who may read it.
KINDS = {
    "account": {SUPERUSER},
    "campaign": {COMMS, SUPERUSER},
    "campaign-test": {COMMS, SUPERUSER},
    "update": {COMMS, SUPERUSER},
    "confirm_subscription": {COMMS, SUPERUSER},
    "already_subscribed": {COMMS, SUPERUSER},
    "quiet-reminder": {COMMS, SUPERUSER},
    "support-acknowledgement": {AGENTS, SUPERUSER},
    "support-reply": {AGENTS, SUPERUSER},
    # A kind nobody has mapped yet is nobody's but the superusers'.
    "something-new": {SUPERUSER},
}
CASES = [
    (role, kind, role in readers)
    for kind, readers in KINDS.items()
    for role in (AGENTS, COMMS, SUPERUSER)
]


def address(kind):
    return f"{kind.replace('_', '-')}@example.com"


@pytest.fixture
def outbox():
    """One waiting email of every kind, each to its own address (account mail is secret)."""
    return {
        kind: notification_enqueue(
            dedupe_key=f"test:{kind}",
            kind=kind,
            to_email=address(kind),
            subject=f"About {kind}",
            body_text=f"The words of a {kind} email.",
            secret=kind == "account",
        )
        for kind in KINDS
    }


@pytest.fixture
def as_role(role_client, staff_client):
    def client(role):
        return staff_client if role == SUPERUSER else role_client(role)

    return client


def listed(response):
    return {row.to_email for row in response.context["cl"].result_list}


@pytest.mark.parametrize(("role", "kind", "allowed"), CASES)
def test_the_outbox_list_shows_a_role_only_the_emails_it_may_read(
    as_role, outbox, role, kind, allowed
):
    response = as_role(role).get(reverse("admin:notifications_notification_changelist"))

    assert response.status_code == HTTPStatus.OK
    assert (address(kind) in listed(response)) is allowed


@pytest.mark.parametrize(("role", "kind", "allowed"), CASES)
def test_searching_the_outbox_by_address_finds_only_what_the_role_may_read(
    as_role, outbox, role, kind, allowed
):
    response = as_role(role).get(
        reverse("admin:notifications_notification_changelist"), {"q": address(kind)}
    )

    assert listed(response) == ({address(kind)} if allowed else set())


@pytest.mark.parametrize(("role", "kind", "allowed"), CASES)
def test_an_outbox_email_opened_by_its_address_shows_only_if_the_role_may_read_it(
    as_role, outbox, role, kind, allowed
):
    response = as_role(role).get(
        reverse("admin:notifications_notification_change", args=[outbox[kind].pk]), follow=True
    )

    page = response.content.decode()
    assert (f"The words of a {kind} email." in page) is (allowed and kind != "account")
    assert (address(kind) in page) is allowed


@pytest.mark.parametrize("role", [AGENTS, COMMS])
def test_an_outbox_email_the_role_may_not_read_looks_like_one_that_does_not_exist(
    as_role, outbox, role
):
    # Not a 403 that would say the email is there: the same answer as for a made-up id.
    client = as_role(role)
    hidden = outbox["account"].pk

    hidden_page = client.get(reverse("admin:notifications_notification_change", args=[hidden]))
    missing_page = client.get(reverse("admin:notifications_notification_change", args=[99999]))

    assert hidden_page.status_code == missing_page.status_code == HTTPStatus.FOUND
    assert hidden_page.url == missing_page.url == reverse("admin:index")


# --- Emails with a secret in them ---------------------------------------------------


@pytest.fixture
def anonymous_question(db):
    """A question asked without an account: its acknowledgement holds the private link."""
    return support.ticket_create(
        subject="Was my password leaked?",
        category="affected",
        body="I am worried.",
        email="anon@example.com",
    )


@pytest.fixture
def make_ticket_for_customer(make_customer):
    """A question asked while signed in: its acknowledgement has no private link."""
    return support.ticket_create(
        subject="Was my password leaked?",
        category="affected",
        body="I am worried.",
        user=make_customer("alice@example.com", "alice-password-123456"),
    )


def acknowledgement(asked):
    return Notification.objects.get(dedupe_key=f"support-ack:{asked.ticket.pk}")


def test_an_acknowledgement_with_the_private_link_is_erased_once_sent(anonymous_question):
    notifications_send_due()

    sent = acknowledgement(anonymous_question)
    assert sent.status == Notification.Status.SENT
    assert sent.to_email == "anon@example.com" and sent.subject  # who and what stay
    assert sent.body_text == sent.body_html == ""
    assert anonymous_question.token not in str(Notification.objects.values().get(pk=sent.pk))


@pytest.mark.parametrize("role", [AGENTS, SUPERUSER])
def test_a_waiting_acknowledgement_shows_nobody_the_private_link(
    as_role, anonymous_question, role
):
    waiting = acknowledgement(anonymous_question)
    assert anonymous_question.token in waiting.body_text  # it is still to be sent

    page = (
        as_role(role)
        .get(reverse("admin:notifications_notification_change", args=[waiting.pk]))
        .content.decode()
    )

    assert "anon@example.com" in page
    assert anonymous_question.token not in page
    assert "/support/t/" not in page


AFFECTED = (
    "email,categories,tier,remedy_code\r\n"
    "std@example.com,password-hash,standard,\r\n"
    "vip@example.com,password-hash,priority,CM-9999\r\n"
)


@pytest.fixture
def campaign(incident, import_affected):
    import_affected(AFFECTED)
    return Campaign.objects.create(
        incident=incident,
        name="First notice",
        subject="About {{ incident }}",
        body="Your {{ categories }} was involved.",
        body_priority="We are deeply sorry. Your code: {{ remedy_code }}.",
    )


def fan_out(campaign):
    campaigns.campaign_send(campaign=campaign)
    campaigns.campaign_fanout(campaign=campaign)  # what the worker does


def test_a_campaign_email_with_a_remedy_code_is_erased_once_sent(campaign, smtp_sink):
    fan_out(campaign)
    notifications_send_due()

    vip = Notification.objects.get(to_email="vip@example.com")
    std = Notification.objects.get(to_email="std@example.com")
    assert "Your code: CM-9999." in smtp_sink.text(smtp_sink.last_to("vip@example.com"))
    assert vip.status == Notification.Status.SENT
    assert vip.body_text == vip.body_html == ""
    assert "Your Password (hashed) was involved." in std.body_text  # no secret: kept


def test_a_waiting_campaign_email_shows_nobody_the_remedy_code(campaign, role_client):
    fan_out(campaign)
    waiting = Notification.objects.get(to_email="vip@example.com")

    page = (
        role_client(COMMS)
        .get(reverse("admin:notifications_notification_change", args=[waiting.pk]))
        .content.decode()
    )

    assert "vip@example.com" in page
    assert "CM-9999" not in page


def test_a_campaign_body_that_spells_out_a_code_is_a_secret_too(campaign):
    campaign.body_priority = "We are deeply sorry. Your code: CM-9999."
    campaign.save()

    fan_out(campaign)

    assert Notification.objects.get(to_email="vip@example.com").secret


def test_a_test_email_with_a_remedy_code_is_a_secret(campaign, staff_client):
    campaign.audience = Campaign.Audience.PRIORITY
    campaign.save()

    test_email = campaigns.campaign_send_test(campaign=campaign, user=staff_client.user)

    assert "CM-9999" in test_email.body_text
    assert test_email.secret


def test_a_campaign_subject_cannot_hold_the_remedy_code(campaign, staff_client):
    response = staff_client.post(
        reverse("admin:notifications_campaign_change", args=[campaign.pk]),
        {
            "incident": campaign.incident.pk,
            "name": campaign.name,
            "audience": campaign.audience,
            "subject_en": campaign.subject_en,
            "body_en": campaign.body_en,
            "subject_priority_en": "",
            "subject_priority_es": "Su código es {{ remedy_code }}",  # in any language
            "body_priority_en": campaign.body_priority_en or "",
        },
    )

    assert response.status_code == HTTPStatus.OK  # the form again, with the reason
    assert "subject" in response.context["adminform"].form.errors["subject_priority_es"][0]
    campaign.refresh_from_db()
    assert not campaign.subject_priority_es


# --- Emails written before they counted as secrets ----------------------------------


def mark_old_secrets():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("notifications.migrations.0008_secret_rows_already_in_the_outbox")
    migration.mark_secrets(apps, None)


def sent_as_before():
    """The outbox as sending left it before: nothing secret, every body kept."""
    Notification.objects.update(secret=False, status=Notification.Status.SENT)


def test_old_sent_acknowledgements_with_the_private_link_are_erased(
    anonymous_question, make_ticket_for_customer
):
    sent_as_before()
    assert anonymous_question.token in acknowledgement(anonymous_question).body_text

    mark_old_secrets()

    ack = acknowledgement(anonymous_question)
    assert ack.secret and ack.body_text == ack.body_html == ""
    kept = acknowledgement(make_ticket_for_customer)  # no link in it
    assert not kept.secret and kept.body_text


def test_old_campaign_emails_naming_the_remedy_code_are_erased_once_sent(campaign, outbox):
    fan_out(campaign)
    sent_as_before()
    waiting = Notification.objects.create(
        dedupe_key=f"{campaign.group}:late@example.com",
        kind="campaign",
        group=campaign.group,
        to_email="late@example.com",
        subject="About it",
        body_text="Your code: CM-1234.",
    )

    mark_old_secrets()

    campaign_rows = Notification.objects.filter(group=campaign.group).exclude(pk=waiting.pk)
    assert {row.to_email for row in campaign_rows} == {"std@example.com", "vip@example.com"}
    assert all(row.secret and row.body_text == "" for row in campaign_rows)
    waiting.refresh_from_db()
    assert waiting.secret and waiting.body_text == "Your code: CM-1234."  # still to be sent
    assert not Notification.objects.get(kind="update").secret  # other emails as they were


def test_a_confirmation_request_shows_the_comms_team_no_link_that_acts_for_the_subscriber(
    role_client,
):
    from notifications.services.subscriptions import subscription_request

    subscription_request(email="sub@example.com")
    waiting = Notification.objects.get(to_email="sub@example.com")
    assert "/subscriptions/" in waiting.body_text or "/unsubscribe/" in str(waiting.headers)

    page = (
        role_client(COMMS)
        .get(reverse("admin:notifications_notification_change", args=[waiting.pk]))
        .content.decode()
    )

    assert "sub@example.com" in page
    assert "/unsubscribe/" not in page
    assert waiting.headers["List-Unsubscribe"].strip("<>") not in page


def test_a_sent_confirmation_request_keeps_neither_its_links_nor_its_headers():
    from notifications.services.subscriptions import subscription_request

    subscription_request(email="sub@example.com")
    notifications_send_due()

    sent = Notification.objects.get(to_email="sub@example.com")
    assert sent.status == Notification.Status.SENT
    assert sent.body_text == sent.body_html == ""
    assert sent.headers == {}
