"""Update emails in the language the reader subscribed in."""

import re
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from incidents import services
from notifications.models import Subscription
from notifications.services.outbox import notifications_send_due
from notifications.services.subscriptions import unsubscribe_url, updates_announce_due

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+")


def deliver():
    updates_announce_due()
    return notifications_send_due()


def subscribe_in(language, client, email):
    with translation.override(language):
        url = reverse("notifications:subscribe")
    return client.post(url, {"email": email})


def confirm(client, sink, email):
    deliver()
    link = LINK.search(sink.text(sink.last_to(email))).group(0)
    return client.post(urlsplit(link).path)


def test_a_spanish_subscriber_is_asked_to_confirm_in_spanish(client, incident, smtp_sink):
    subscribe_in("es", client, "lector@example.com")
    deliver()

    message = smtp_sink.last_to("lector@example.com")
    text = smtp_sink.text(message)
    assert message["Subject"].strip() == (
        "Confirme, por favor: actualizaciones por correo sobre nuestro incidente de seguridad"
    )
    assert "Para empezar a recibirlas" in text
    assert LINK.search(text).group(0).startswith(f"{_site()}/es/subscribe/confirm/")


def test_a_spanish_subscriber_gets_updates_in_spanish(client, incident, make_update, smtp_sink):
    incident.title_es = "Filtración de datos de clientes"
    services.incident_save(incident=incident)
    subscribe_in("es", client, "lector@example.com")
    confirm(client, smtp_sink, "lector@example.com")
    update = make_update(body="The access is closed.", at=timezone.now())
    update.body_es = "El acceso está cerrado."
    services.update_save(update=update)

    deliver()

    message = smtp_sink.last_to("lector@example.com")
    text = smtp_sink.text(message)
    subject = message["Subject"].strip()  # a long encoded subject is folded
    assert subject == "Actualización: Filtración de datos de clientes (En investigación)"
    assert "El acceso está cerrado." in text
    assert "The access is closed." not in text
    assert "Nunca le pediremos su contraseña" in text
    assert f"{_site()}/es/incidents/" in text
    assert 'lang="es"' in message.get_body(preferencelist=("html",)).get_content()


def test_an_untranslated_update_reaches_a_spanish_subscriber_in_english_with_a_note(
    client, incident, make_update, smtp_sink
):
    subscribe_in("es", client, "lector@example.com")
    confirm(client, smtp_sink, "lector@example.com")
    make_update(body="The access is closed.", at=timezone.now())

    deliver()

    text = smtp_sink.text(smtp_sink.last_to("lector@example.com"))
    assert "Esta actualización aún no está traducida; se muestra en inglés." in text
    assert "The access is closed." in text


def test_english_and_spanish_subscribers_each_get_their_own_language(
    client, incident, make_update, smtp_sink
):
    subscribe_in("es", client, "lector@example.com")
    confirm(client, smtp_sink, "lector@example.com")
    subscribe_in("en", client, "reader@example.com")
    confirm(client, smtp_sink, "reader@example.com")

    make_update(at=timezone.now())
    deliver()

    assert smtp_sink.last_to("lector@example.com")["Subject"].strip().startswith("Actualización:")
    assert smtp_sink.last_to("reader@example.com")["Subject"].strip().startswith("Update:")


def test_one_click_unsubscribe_works_at_the_spanish_address(
    client, incident, make_update, smtp_sink
):
    subscribe_in("es", client, "lector@example.com")
    confirm(client, smtp_sink, "lector@example.com")
    make_update(at=timezone.now())
    deliver()
    header = smtp_sink.last_to("lector@example.com")["List-Unsubscribe"]
    one_click = urlsplit(re.search(r"<([^>]+)>", str(header)).group(1)).path

    response = Client(enforce_csrf_checks=True).post(one_click, {"List-Unsubscribe": "One-Click"})

    assert one_click.startswith("/es/unsubscribe/")
    assert response.status_code == HTTPStatus.OK
    assert not Subscription.objects.get().is_active


def test_one_click_unsubscribe_from_an_email_sent_before_languages_still_works(
    client, incident, smtp_sink
):
    subscribe_in("en", client, "reader@example.com")
    confirm(client, smtp_sink, "reader@example.com")
    token = urlsplit(unsubscribe_url(Subscription.objects.get())).path.split("/")[-2]

    response = Client(enforce_csrf_checks=True).post(
        f"/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == HTTPStatus.OK
    assert not Subscription.objects.get().is_active


def _site():
    from django.conf import settings

    return settings.SITE_URL.rstrip("/")
