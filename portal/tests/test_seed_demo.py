import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents.models import FAQ, Incident, Update
from portal.demo import INCIDENT_SLUG

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    """The demo runs as `make demo` runs it (pytest-django turns debug off for tests)."""
    settings.DEBUG = True


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG=true"):
        call_command("seed_demo")

    assert not get_user_model().objects.filter(email="alice@example.com").exists()


def counts():
    return [m.objects.count() for m in (Incident, Update, FAQ, get_user_model(), EmailAddress)]


def test_seed_demo_loads_a_realistic_incident(client, capsys):
    call_command("seed_demo")

    updates = Update.objects.filter(incident__slug=INCIDENT_SLUG)
    assert updates.count() >= 4
    assert updates.filter(revised_at__isnull=False).exists()  # one corrected in the open
    assert any(not u.is_public() for u in updates)  # one scheduled
    assert FAQ.objects.count() == 8
    page = client.get(reverse("incidents:incident-detail", args=[INCIDENT_SLUG]))
    assert page.status_code == 200
    output = capsys.readouterr().out
    for email in ["alice@example.com", "bob@example.com", "staff@example.com"]:
        assert email in output


def test_seed_demo_is_safe_to_run_twice():
    call_command("seed_demo")
    first = counts()

    call_command("seed_demo")

    assert counts() == first


def test_demo_logins_work(client):
    call_command("seed_demo")

    assert client.login(email="alice@example.com", password="demo-password-alice")
    assert get_user_model().objects.get(email="staff@example.com").is_staff
