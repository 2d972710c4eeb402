"""Incidents, updates and FAQs in the reader's language, or in the original with a note."""

import datetime as dt
import os
import subprocess
import sys
from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from modeltranslation.translator import translator

from incidents import services
from incidents.models import FAQ

pytestmark = pytest.mark.django_db

NOT_TRANSLATED = "Esta actualización aún no está traducida; se muestra en inglés."


def spanish_page(incident):
    with translation.override("es"):
        return incident.get_absolute_url()


@pytest.fixture
def incident(make_incident):
    """The incident of these tests (and of `make_update`), its notice translated."""
    return make_incident(
        title_es="Filtración de datos de clientes",
        summary_es="Alguien copió registros de clientes.",
        what_happened_es="Un atacante usó una credencial robada.",
        what_we_are_doing_es="Cerramos la vía de acceso.",
    )


def test_a_spanish_reader_gets_the_incident_in_spanish(client, incident):
    html = client.get(spanish_page(incident)).content.decode()

    assert "Filtración de datos de clientes" in html
    assert "Un atacante usó una credencial robada." in html
    assert "An attacker used a stolen credential." not in html
    assert "Algunas partes de este aviso aún no están traducidas" not in html


def test_an_english_reader_gets_the_original(client, incident):
    html = client.get(incident.get_absolute_url()).content.decode()

    assert "Customer data breach" in html
    assert "Filtración" not in html


def test_an_untranslated_update_is_shown_in_english_with_a_note(client, incident, make_update):
    make_update(body="We reset every password.")

    html = client.get(spanish_page(incident)).content.decode()

    assert NOT_TRANSLATED in html
    assert '<div class="prose" lang="en"><p>We reset every password.</p>' in html


def test_a_translated_update_is_shown_in_spanish_without_a_note(client, incident, make_update):
    update = make_update(body="We reset every password.")
    update.body_es = "Restablecimos todas las contraseñas."
    services.update_save(update=update)

    html = client.get(spanish_page(incident)).content.decode()

    assert "Restablecimos todas las contraseñas." in html
    assert "We reset every password." not in html
    assert NOT_TRANSLATED not in html


def test_an_untranslated_notice_says_so(client, make_incident):
    untranslated = make_incident(slug="untranslated")

    html = client.get(spanish_page(untranslated)).content.decode()

    assert "Algunas partes de este aviso aún no están traducidas" in html
    assert '<h1 lang="en">Customer data breach</h1>' in html


def test_faqs_fall_back_to_english_with_a_note(client, incident):
    services.faq_save(faq=FAQ(question="Was my card taken?", answer="No."))
    services.faq_save(
        faq=FAQ(
            question="Is it over?",
            answer="Not yet.",
            question_es="¿Ha terminado?",
            answer_es="Todavía no.",
        )
    )
    with translation.override("es"):
        url = reverse("incidents:faq-list")

    html = client.get(url).content.decode()

    assert "¿Ha terminado?" in html
    assert '<summary lang="en">Was my card taken?</summary>' in html
    assert html.count("Esta respuesta aún no está traducida") == 1


def test_the_faq_search_finds_spanish_words(client, incident):
    services.faq_save(
        faq=FAQ(question="Is it over?", answer="Not yet.", answer_es="Todavía no ha terminado.")
    )
    with translation.override("es"):
        url = reverse("incidents:faq-list")

    html = client.get(url, {"q": "terminado"}).content.decode()

    assert "Todavía no ha terminado." in html


def test_the_spanish_feed_carries_the_translation(client, incident, make_update):
    update = make_update(body="We reset every password.")
    update.body_es = "Restablecimos todas las contraseñas."
    services.update_save(update=update)
    with translation.override("es"):
        url = reverse("incidents:incident-feed", args=[incident.slug])

    response = client.get(url)

    feed = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Filtración de datos de clientes" in feed
    assert "Restablecimos todas las contraseñas." in feed
    assert 'xml:lang="es"' in feed


def test_dates_are_written_in_the_readers_language(client, make_incident):
    incident = make_incident(
        slug="dated", disclosed_at=dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
    )

    english = client.get(incident.get_absolute_url()).content.decode()
    spanish = client.get(spanish_page(incident)).content.decode()

    assert "15 Ene 2026, 09:30 UTC" in spanish
    assert "15 Jan 2026, 09:30 UTC" in english


def test_the_revision_history_shows_the_translation(client, incident, make_update):
    update = make_update(body="About 120,000 people.")
    update.body = "About 142,000 people."
    update.body_es = "Unas 142.000 personas."
    services.update_save(update=update)
    with translation.override("es"):
        url = reverse("incidents:update-history", args=[incident.slug, update.pk])

    html = client.get(url).content.decode()

    assert "Unas 142.000 personas." in html
    assert "Esta versión no tiene traducción; se muestra en inglés." in html


@pytest.mark.parametrize("name", ["support:ticket-new", "notifications:subscribe"])
def test_forms_name_incidents_in_the_readers_language(client, incident, name):
    with translation.override("es"):
        url = reverse(name)

    html = client.get(url).content.decode()

    assert ">Filtración de datos de clientes</option>" in html


def test_the_faq_list_names_the_incident_in_spanish(client, incident):
    services.faq_save(faq=FAQ(incident=incident, question="Is it over?", answer="Not yet."))
    with translation.override("es"):
        url = reverse("incidents:faq-list")

    html = client.get(url).content.decode()

    assert "<h2><span>Filtración de datos de clientes</span></h2>" in html


def history_html(client, incident, update, language):
    with translation.override(language):
        url = reverse("incidents:update-history", args=[incident.slug, update.pk])
    return client.get(url).content.decode()


def test_correcting_only_the_translation_is_a_revision_spanish_readers_can_follow(
    client, incident, make_update
):
    update = make_update(body="About 120,000 people.")
    update.body_es = "Unas 120.000 personas."
    services.update_save(update=update)
    update.body_es = "Unas 142.000 personas."
    services.update_save(update=update)

    spanish = history_html(client, incident, update, "es")

    assert update.revised_at is not None
    assert "Unas 142.000 personas." in spanish and "Unas 120.000 personas." in spanish
    assert spanish.index("Unas 142.000") < spanish.index("Unas 120.000")  # newest first


def test_a_first_translation_is_not_a_correction(client, incident, make_update):
    update = make_update(body="About 120,000 people.")
    update.body_es = "Unas 120.000 personas."
    services.update_save(update=update)

    spanish = history_html(client, incident, update, "es")

    assert update.revised_at is None
    assert spanish.count('class="revision"') == 1
    assert "Unas 120.000 personas." in spanish
    assert "Esta versión no tiene traducción" not in spanish


# --- A correction of the original leaves its translation behind ----------------------

BEHIND = "Esta actualización se corrigió después de traducirse"


def translated_update(
    make_update, english="About 120,000 people.", spanish="Unas 120.000 personas."
):
    update = make_update(body=english)
    update.body_es = spanish
    return services.update_save(update=update)


def test_a_corrected_original_is_shown_to_spanish_readers_instead_of_the_old_translation(
    client, incident, make_update
):
    update = translated_update(make_update)
    update.body_en = "About 142,000 people."
    services.update_save(update=update)

    html = client.get(spanish_page(incident)).content.decode()

    assert update.behind_languages == ["es"]
    assert "Unas 120.000 personas." not in html
    assert '<div class="prose" lang="en"><p>About 142,000 people.</p>' in html
    assert BEHIND in html
    assert NOT_TRANSLATED not in html  # the note says why: it was corrected


def test_correcting_the_translation_too_brings_it_up_to_date(client, incident, make_update):
    update = translated_update(make_update)
    update.body_en = "About 142,000 people."
    services.update_save(update=update)
    update.body_es = "Unas 142.000 personas."
    services.update_save(update=update)

    html = client.get(spanish_page(incident)).content.decode()

    assert update.behind_languages == []
    assert "Unas 142.000 personas." in html
    assert BEHIND not in html


def test_both_languages_corrected_at_once_leave_nothing_behind(incident, make_update):
    update = translated_update(make_update)
    update.body_en = "About 142,000 people."
    update.body_es = "Unas 142.000 personas."
    services.update_save(update=update)

    assert update.behind_languages == []


def test_an_update_with_no_translation_is_never_behind(incident, make_update):
    update = make_update(body="About 120,000 people.")
    update.body_en = "About 142,000 people."
    services.update_save(update=update)

    assert update.behind_languages == []


def test_a_corrected_faq_answer_is_shown_whole_in_english_to_spanish_readers(client, incident):
    faq = services.faq_save(
        faq=FAQ(
            question="Was my card taken?",
            answer="No.",
            question_es="¿Se llevaron mi tarjeta?",
            answer_es="No.",
        )
    )
    faq.answer_en = "Only the last four digits."
    services.faq_save(faq=faq)
    with translation.override("es"):
        url = reverse("incidents:faq-list")

    html = client.get(url).content.decode()

    # Question and answer both in English: not a Spanish question over an English answer.
    assert '<summary lang="en">Was my card taken?</summary>' in html
    assert "Only the last four digits." in html
    assert "Esta respuesta se corrigió después de traducirse" in html


def test_the_spanish_feed_gives_the_corrected_original(client, incident, make_update):
    update = translated_update(make_update)
    update.body_en = "About 142,000 people."
    services.update_save(update=update)
    with translation.override("es"):
        url = reverse("incidents:incident-feed", args=[incident.slug])

    feed = client.get(url).content.decode()

    assert "About 142,000 people." in feed
    assert "Unas 120.000 personas." not in feed


# --- Adding a language -------------------------------------------------------------


def test_a_language_added_to_the_settings_gives_every_translated_text_its_column():
    # Models are registered once per process: the settings with French are another one's.
    expected = set()
    for model in translator.get_registered_models():
        versions = getattr(model, "history", None)
        for name in translator.get_options_for_model(model).fields:
            expected.add(f"+ Add field {name}_fr to {model._meta.model_name}")
            if versions is not None:
                expected.add(f"+ Add field {name}_fr to {versions.model._meta.model_name}")
    run = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--dry-run", "--no-color"],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "incidents.tests.settings_one_more_language"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    # Every app's (canned replies and campaigns are translated too); the language's own
    # choices change elsewhere ("~ Alter field language"), which adds no text column.
    changes = {line.strip() for line in run.stdout.splitlines() if line.strip()[:1] == "+"}
    assert {"+ Add field title_fr to incident", "+ Add field body_fr to historicalupdate",
            "+ Add field name_fr to datacategory"} <= expected  # fmt: skip
    assert changes == expected
