"""
Spanish beside English: the language comes from the address, the switcher
remembers it, and the catalogue is complete.
"""

import gettext
import shutil
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "es" / "LC_MESSAGES"
# Our Spanish for allauth's strings, kept out of makemessages (README, "Languages").
OVERRIDES = ROOT / "locale_overrides" / "es" / "LC_MESSAGES"


def in_spanish(name, *args):
    with translation.override("es"):
        return reverse(name, args=args)


def test_a_spanish_browser_is_sent_to_the_spanish_site(client):
    response = client.get("/", headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/es/"


def test_an_english_browser_is_sent_to_the_english_site(client):
    response = client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})

    assert response["Location"] == "/en/"


def test_a_browser_in_another_language_gets_english(client):
    response = client.get("/", headers={"accept-language": "de-DE,de;q=0.9"})

    assert response["Location"] == "/en/"


def test_the_spanish_home_page_is_in_spanish(client, incident):
    html = client.get(in_spanish("home")).content.decode()

    assert '<html lang="es">' in html
    assert "Estado de seguridad" in html
    assert "Nunca le pediremos su contraseña" in html
    assert "We will never ask for your password" not in html


def test_the_english_home_page_is_in_english(client, incident):
    html = client.get(reverse("home")).content.decode()

    assert '<html lang="en">' in html
    assert "We will never ask for your password" in html


def test_the_switcher_links_to_the_same_page_in_the_other_language(client, incident):
    html = client.get(incident.get_absolute_url()).content.decode()

    switch = reverse("language-switch", args=["es"])
    spanish_page = in_spanish("incidents:incident-detail", incident.slug)
    assert f'href="{switch}?next={spanish_page.replace("/", "%2F")}"' in html
    assert 'lang="es" hreflang="es">Español</a>' in html


def test_the_head_lists_every_language_of_the_page(client, incident):
    html = client.get(incident.get_absolute_url()).content.decode()

    spanish_page = in_spanish("incidents:incident-detail", incident.slug)
    assert f'<link rel="alternate" hreflang="es" href="{settings.SITE_URL}{spanish_page}">' in html
    assert f'hreflang="en" href="{settings.SITE_URL}{incident.get_absolute_url()}"' in html


def test_switching_goes_to_the_page_and_remembers_the_choice(client, incident):
    spanish_page = in_spanish("incidents:incident-detail", incident.slug)

    response = client.get(reverse("language-switch", args=["es"]), {"next": spanish_page})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == spanish_page
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    # The next bare address follows the choice, whatever the browser says.
    later = client.get("/", headers={"accept-language": "en"})
    assert later["Location"] == "/es/"


def test_switching_remembers_the_language_of_a_signed_in_person(client, django_user_model):
    user = django_user_model.objects.create_user("ana@example.com", "a-long-password-123")
    client.force_login(user)

    client.post(reverse("language-switch", args=["es"]) + "?next=/es/me/")

    user.refresh_from_db()
    assert user.language == "es"


@pytest.mark.parametrize(
    "target", ["https://evil.example/es/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_switching_never_leaves_the_site(client, target):
    response = client.get(reverse("language-switch", args=["es"]), {"next": target})

    assert response["Location"] == "/es/"


def test_switching_to_an_unknown_language_is_not_found(client):
    response = client.get(reverse("language-switch", args=["xx"]), {"next": "/en/"})

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_public_pages_in_spanish_are_cached_without_vary_cookie(
    client, incident, django_assert_num_queries
):
    url = in_spanish("incidents:incident-detail", incident.slug)
    client.get(url)

    with django_assert_num_queries(0):
        response = client.get(url)

    assert response.status_code == HTTPStatus.OK
    assert "Cookie" not in response.get("Vary", "")
    assert "Nunca le pediremos su contraseña" in response.content.decode()


def test_an_old_address_without_a_language_still_works(client, incident):
    response = client.get("/incidents/feed/", follow=True)

    assert response.redirect_chain[0][0] == "/en/incidents/feed/"
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/atom+xml")


def test_machines_keep_their_addresses(client, incident):
    assert reverse("api:summary") == "/api/v2/summary.json"
    assert reverse("healthz") == "/healthz"
    assert client.get("/api/v2/summary.json").status_code == HTTPStatus.OK


def test_the_api_answers_in_the_original_language_whatever_the_browser(client, incident):
    english_page = incident.get_absolute_url()

    data = client.get(reverse("api:incidents"), headers={"accept-language": "es"}).json()

    assert data["incidents"][0]["shortlink"].endswith(english_page)


# Phrases from every part of the English site; none may show on a Spanish page.
ENGLISH = [
    "Skip to main content",
    "Security status",
    "Were you affected?",
    "What happened",
    "Get updates by email",
    "How to get help",
    "Questions and answers",
    "Ask a question",
    "Sign in",
    "Password",
    "Search",
]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("home", []),
        ("incidents:incident-detail", ["data-breach"]),
        ("incidents:faq-list", []),
        ("support:ticket-new", []),
        ("notifications:subscribe", []),
        ("account_login", []),
        ("account_signup", []),
        ("account_reset_password", []),
    ],
)
def test_spanish_pages_show_no_english(client, incident, name, args):
    response = client.get(in_spanish(name, *args))

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    leftovers = [phrase for phrase in ENGLISH if f">{phrase}<" in html]
    assert not leftovers, f"untranslated on {name}: {leftovers}"


def test_the_spanish_checklist_is_in_spanish(client, make_customer):
    client.force_login(make_customer("ana@example.com", "a-long-password-123"))

    html = client.get(in_spanish("accounts:me-security")).content.decode()

    assert "Proteja su cuenta" in html
    assert "Active la verificación en dos pasos" in html
    assert "Turn on two-factor authentication" not in html


def _catalogue_entries(po_path: Path) -> list[dict]:
    """Every entry but the header: its msgid, its msgstr(s) and whether it is fuzzy."""
    entries = []
    for block in po_path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"msgid": None, "msgstr": [], "fuzzy": False}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["fuzzy"] |= "fuzzy" in line
            elif line.startswith(("msgid ", "msgid_plural ", "msgstr")):
                keyword, quoted = line.split(" ", 1)
                field = "msgstr" if keyword.startswith("msgstr") else keyword
                if field == "msgstr":
                    entry["msgstr"].append(quoted[1:-1])
                elif field == "msgid":
                    entry["msgid"] = quoted[1:-1]
            elif line.startswith('"') and field == "msgid":
                entry["msgid"] += line[1:-1]
            elif line.startswith('"') and field == "msgstr":
                entry["msgstr"][-1] += line[1:-1]
        if entry["msgid"]:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def remade(tmp_path_factory):
    """A copy of the project after `make messages`: makemessages, then compilemessages."""
    if not shutil.which("xgettext"):
        pytest.skip("gettext tools are not installed")
    copy = tmp_path_factory.mktemp("remade") / "project"
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "var", "bench", "staticfiles", "*cache*", "__pycache__", "*.mo"
    )
    shutil.copytree(ROOT, copy, ignore=ignore)
    makemessages = ["makemessages", "-l", "es", "--ignore=bench", "--ignore=tests"]
    for command in (
        [*makemessages, "--add-location=file", "--no-obsolete"],
        ["compilemessages", "-l", "es"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=copy, check=True, capture_output=True
        )
    return copy


def test_every_string_of_the_site_has_a_spanish_translation(remade):
    """makemessages over a copy of the project: every msgid translated, none fuzzy."""
    entries = _catalogue_entries(remade / "locale" / "es" / "LC_MESSAGES" / "django.po")

    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert not untranslated, f"{len(untranslated)} without Spanish (make messages): {untranslated}"
    assert not fuzzy, f"fuzzy, check and unmark: {fuzzy}"


def test_make_messages_keeps_and_compiles_our_spanish_for_allauth(remade):
    # Its msgids are not in our sources: had makemessages written there, it would drop them.
    overrides = Path("locale_overrides") / "es" / "LC_MESSAGES"

    po = (remade / overrides / "django.po").read_text(encoding="utf-8")
    assert po == (ROOT / overrides / "django.po").read_text(encoding="utf-8")
    assert (remade / overrides / "django.mo").exists()


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext tools are not installed")
@pytest.mark.parametrize("catalogue", [CATALOGUE, OVERRIDES], ids=["ours", "overrides"])
def test_the_committed_catalogue_is_compiled_from_the_po_file(tmp_path, catalogue):
    fresh = tmp_path / "django.mo"
    subprocess.run(
        [shutil.which("msgfmt"), "--check", "-o", str(fresh), str(catalogue / "django.po")],
        check=True,
    )

    def messages(path):
        with path.open("rb") as handle:
            return gettext.GNUTranslations(handle)._catalog

    assert messages(catalogue / "django.mo") == messages(fresh), "run: make messages"


def test_account_emails_asked_for_in_spanish_are_in_spanish(client, make_customer, mailoutbox):
    from notifications.services.outbox import notifications_send_due

    make_customer("ana@example.com", "a-long-password-123")

    client.post(in_spanish("account_reset_password"), {"email": "ana@example.com"})
    notifications_send_due()  # what the worker does once the request has committed

    [message] = mailoutbox
    assert "Nunca le pediremos su contraseña" in message.body
    assert "/es/accounts/password/reset/key/" in message.body
