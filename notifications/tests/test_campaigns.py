from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import Campaign, Notification, Subscription
from notifications.services import campaigns
from notifications.services.outbox import notifications_send_due

pytestmark = pytest.mark.django_db

AFFECTED = (
    "email,categories,tier,remedy_code\r\n"
    "std1@example.com,password-hash,standard,\r\n"
    "std2@example.com,password-hash,standard,\r\n"
    "vip@example.com,password-hash,priority,CM-9999\r\n"
)


@pytest.fixture
def affected(import_affected):
    return import_affected(AFFECTED)


@pytest.fixture
def campaign(incident, affected):
    return Campaign.objects.create(
        incident=incident,
        name="First notice",
        subject="About {{ incident }}",
        body="Your {{ categories }} was involved.\n\n{{ advice }}\n\nType {{ site_url }}.",
        subject_priority="We are deeply sorry: {{ incident }}",
        body_priority="We are deeply sorry. Your code: {{ remedy_code }}.",
    )


def send_all(campaign):
    campaigns.campaign_send(campaign=campaign)
    campaigns.campaign_fanout(campaign=campaign)  # what the worker does
    while notifications_send_due():
        pass


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Hello {{ name }}", "Unknown placeholder “name”"),
        ("{% load static %}", "template error"),
        ("{% if incident %}x{% endif %}", "Unknown placeholder"),
        ("{% include 'base.html' %}", "Unknown placeholder"),
        ("{{ remedy_code|upper }}", "Unknown placeholder"),
    ],
)
def test_a_template_with_an_unknown_placeholder_or_an_error_is_refused(text, reason):
    with pytest.raises(ValidationError, match=reason):
        campaigns.campaign_template_check(text)


def test_each_tier_gets_its_own_words(campaign, smtp_sink):
    send_all(campaign)

    vip = smtp_sink.last_to("vip@example.com")
    std = smtp_sink.last_to("std1@example.com")
    assert vip["Subject"] == "We are deeply sorry: Customer data breach"
    assert "Your code: CM-9999." in smtp_sink.text(vip)
    assert std["Subject"] == "About Customer data breach"
    assert "Your Password (hashed) was involved." in smtp_sink.text(std)
    assert "Set a **new password** now." in smtp_sink.text(std)


def test_everyone_affected_gets_exactly_one_email_even_if_sent_twice(campaign, smtp_sink):
    send_all(campaign)
    send_all(campaign)

    assert sorted(m["To"] for m in smtp_sink.messages) == [
        "std1@example.com",
        "std2@example.com",
        "vip@example.com",
    ]


def test_emails_have_text_and_html_one_sender_no_links_no_attachments(
    campaign, smtp_sink, settings
):
    send_all(campaign)

    message = smtp_sink.last_to("std1@example.com")
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<a " not in html.lower()
    assert not list(message.iter_attachments())
    assert smtp_sink.text(message).strip()


def test_one_tier_can_be_the_audience(campaign, smtp_sink):
    campaign.audience = Campaign.Audience.PRIORITY
    campaign.save()

    send_all(campaign)

    assert [m["To"] for m in smtp_sink.messages] == ["vip@example.com"]


def test_subscribers_can_be_the_audience(campaign, incident, smtp_sink):
    from django.utils import timezone

    Subscription.objects.create(
        email="reader@example.com", incident=incident, confirmed_at=timezone.now()
    )
    Subscription.objects.create(email="unconfirmed@example.com", incident=incident)
    campaign.audience = Campaign.Audience.SUBSCRIBERS
    campaign.save()

    send_all(campaign)

    assert [m["To"] for m in smtp_sink.messages] == ["reader@example.com"]


def test_preview_shows_a_sample_email_of_each_tier(campaign, staff_client):
    page = staff_client.get(
        reverse("admin:notifications_campaign_preview", args=[campaign.pk])
    ).content.decode()

    assert "Your Password (hashed) was involved." in page
    assert "We are deeply sorry. Your code: CM-9999." in page
    assert "std1@example.com" not in page


def test_preview_of_a_broken_campaign_says_why(campaign, staff_client):
    Campaign.objects.filter(pk=campaign.pk).update(body="Dear {{ name }}")

    page = staff_client.get(reverse("admin:notifications_campaign_preview", args=[campaign.pk]))

    assert "Unknown placeholder “name”" in page.content.decode()


def test_the_form_refuses_an_unknown_placeholder(staff_client, incident):
    response = staff_client.post(
        reverse("admin:notifications_campaign_add"),
        {
            "incident": incident.pk,
            "name": "x",
            "audience": "affected",
            "subject_en": "Hi {{ nme }}",
            "body_en": "b",
            "subject_es": "Hola {{ nombre }}",  # each language's words are checked
        },
    )

    assert "Unknown placeholder “nme”" in response.content.decode()
    assert "Unknown placeholder “nombre”" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_test_goes_to_the_staff_member_only(campaign, staff_client, smtp_sink):
    staff_client.post(reverse("admin:notifications_campaign_test", args=[campaign.pk]))
    notifications_send_due()

    [message] = smtp_sink.wait_for(1)
    assert message["To"] == "comms@example.com"
    assert message["Subject"].startswith("[TEST]")


def test_sending_asks_for_confirmation_with_the_number_of_recipients(campaign, staff_client):
    page = staff_client.get(reverse("admin:notifications_campaign_send", args=[campaign.pk]))

    assert "This sends <strong>3</strong> emails" in page.content.decode()
    assert campaign.state == Campaign.State.DRAFT


def test_the_progress_bar_counts_sent_and_failed(campaign, staff_client, smtp_sink):
    send_all(campaign)

    fragment = staff_client.get(
        reverse("admin:notifications_campaign_progress", args=[campaign.pk]),
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "<strong>3 sent</strong>" in fragment
    assert "100% of 3" in fragment
    assert Notification.objects.filter(group=campaign.group).count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_confirming_sends_through_the_worker(campaign, staff_client, smtp_sink, celery_worker):
    response = staff_client.post(reverse("admin:notifications_campaign_send", args=[campaign.pk]))

    assert response.status_code == HTTPStatus.FOUND
    assert len(smtp_sink.wait_for(3, timeout=20)) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(("group", "allowed"), [("Comms team", True), ("Support agents", False)])
def test_the_comms_team_writes_campaigns_and_support_agents_do_not(role_client, group, allowed):
    response = role_client(group).get(reverse("admin:notifications_campaign_add"))

    assert (response.status_code == 200) is allowed


def test_each_recipient_gets_the_campaign_in_their_language(
    campaign, smtp_sink, django_user_model, incident
):
    from allauth.account.models import EmailAddress

    from tests.smtp_sink import SmtpSink

    campaign.subject_es = "Sobre {{ incident }}"
    campaign.body_es = "Su {{ categories }} estaba entre los datos."
    campaign.subject_priority_es = ""  # the priority tier's Spanish words are not written yet
    campaign.save()
    incident.title_es = "Acceso no autorizado"
    incident.save()
    reader = django_user_model.objects.create_user("std2@example.com", "x" * 20, language="es")
    EmailAddress.objects.create(user=reader, email="std2@example.com", verified=True)
    send_all(campaign)

    spanish, english = smtp_sink.last_to("std2@example.com"), smtp_sink.last_to("std1@example.com")
    assert spanish["Subject"] == "Sobre Acceso no autorizado"
    assert SmtpSink.text(spanish).startswith("Su Password (hashed) estaba entre los datos.")
    assert english["Subject"] == f"About {incident.title_en}"
    # The priority tier's own English words (its apology and remedy), not the Spanish
    # standard ones, until its Spanish is written.
    assert smtp_sink.last_to("vip@example.com")["Subject"].startswith("We are deeply sorry")


def test_a_campaign_is_previewed_in_each_language_it_is_written_in(campaign, staff_client):
    campaign.subject_es = "Sobre {{ incident }}"
    campaign.body_es = "Hola."
    campaign.save()

    page = staff_client.get(
        reverse("admin:notifications_campaign_preview", args=[campaign.pk])
    ).content.decode()

    assert "reading English receives" in page
    assert "reading Español receives · Subject: Sobre" in page
