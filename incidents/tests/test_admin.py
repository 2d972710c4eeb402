import datetime as dt
from http import HTTPStatus

import pytest
from django.urls import reverse

from incidents.models import Incident, Update

pytestmark = pytest.mark.django_db


def test_comms_team_creates_an_incident_in_the_admin(staff_client, category, incident_form):
    response = staff_client.post(
        reverse("admin:incidents_incident_add"),
        incident_form(is_published="on", data_categories=[category.pk]),
    )

    assert response.status_code == HTTPStatus.FOUND
    incident = Incident.objects.get(slug="card-data")
    assert list(incident.data_categories.all()) == [category]
    assert staff_client.get(incident.get_absolute_url()).status_code == HTTPStatus.OK


def test_invalid_incident_gets_field_errors_and_keeps_the_input(staff_client, db, incident_form):
    response = staff_client.post(
        reverse("admin:incidents_incident_add"), incident_form(slug="bad slug!", summary_en="")
    )
    page = response.content.decode()

    assert response.status_code == HTTPStatus.OK
    assert "errorlist" in page
    assert "Card data exposure" in page  # what was typed is still there
    assert not Incident.objects.exists()


def test_update_added_in_the_admin_records_its_author(staff_client, incident, now):
    response = staff_client.post(
        reverse("admin:incidents_update_add"),
        {
            "incident": incident.pk,
            "status": "identified",
            "body_en": "We know the cause.",
            "publish_at_0": now.strftime("%Y-%m-%d"),
            "publish_at_1": now.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    assert Update.objects.get().author == staff_client.user


def test_admin_refuses_to_move_a_public_update_with_a_field_error(staff_client, make_update, now):
    update = make_update()
    later = now + dt.timedelta(days=2)

    response = staff_client.post(
        reverse("admin:incidents_update_change", args=[update.pk]),
        {
            "incident": update.incident.pk,
            "status": update.status,
            "body": update.body,
            "publish_at_0": later.strftime("%Y-%m-%d"),
            "publish_at_1": later.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert "already public" in response.content.decode()
    update.refresh_from_db()
    assert update.publish_at < now


def test_publish_now_action_publishes_drafts(staff_client, make_update):
    draft = make_update(at="draft")

    staff_client.post(
        reverse("admin:incidents_update_changelist"),
        {"action": "publish_now", "_selected_action": [draft.pk]},
    )

    draft.refresh_from_db()
    assert draft.is_public()


def test_update_list_filters_by_state(staff_client, make_update, now):
    make_update(body="Public one.")
    make_update(body="Scheduled one.", at=now + dt.timedelta(days=1))

    page = staff_client.get(
        reverse("admin:incidents_update_changelist"), {"state": "scheduled"}
    ).content.decode()

    assert "Scheduled" in page
    assert "1 update" in page


def shown_as_the_admin_shows_it(when: dt.datetime) -> dict:
    """The date and time boxes of the change form, as the admin fills them: whole seconds."""
    return {"publish_at_0": when.strftime("%Y-%m-%d"), "publish_at_1": when.strftime("%H:%M:%S")}


def test_an_update_published_with_publish_now_can_have_its_text_corrected(
    staff_client, make_update
):
    from incidents.services import update_publish

    update = update_publish(update=make_update(at="draft"))
    assert update.publish_at.microsecond  # "now", to the microsecond

    response = staff_client.post(
        reverse("admin:incidents_update_change", args=[update.pk]),
        {"incident": update.incident.pk, "status": update.status,
         "body_en": "Corrected: card numbers were not involved.",
         **shown_as_the_admin_shows_it(update.publish_at)},
    )  # fmt: skip

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    published_at = update.publish_at
    update.refresh_from_db()
    assert update.body == "Corrected: card numbers were not involved."
    assert update.publish_at == published_at  # the time readers saw, unchanged
    assert update.revised_at is not None  # readers are told it was edited
    message = str(next(iter(response.wsgi_request._messages)))
    assert message.startswith("Published, and marked as edited for readers.")


@pytest.mark.parametrize(
    ("at", "said"),
    [
        (None, "Saved as a draft: readers do not see it."),
        (dt.datetime(2099, 1, 2, 14, 0, tzinfo=dt.UTC), "Scheduled for 2 Jan 2099, 14:00 UTC."),
        (dt.datetime(2020, 1, 2, 14, 0, tzinfo=dt.UTC), "Published."),
    ],
)
def test_saving_an_update_says_what_happened(staff_client, incident, at, said):
    times = shown_as_the_admin_shows_it(at) if at else {"publish_at_0": "", "publish_at_1": ""}
    response = staff_client.post(
        reverse("admin:incidents_update_add"),
        {
            "incident": incident.pk,
            "status": "identified",
            "body_en": "We know the cause.",
            **times,
        },
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert messages and messages[0].startswith(said), messages


def test_the_updates_list_tells_updates_apart_by_what_they_say(staff_client, make_update):
    make_update(body="We found the **cause**: a misconfigured backup.")
    make_update(body="All affected customers have been emailed.")

    page = staff_client.get(reverse("admin:incidents_update_changelist")).content.decode()

    assert "We found the cause: a misconfigured backup." in page
    assert "All affected customers have been emailed." in page
    assert 'class="field-incident' not in page  # the incident is a filter, not every row
    assert page.count('class="field-was_edited"') == 2


def test_the_incident_list_shows_the_status_readers_see(staff_client, incident, make_update):
    from incidents.models import Status

    incident.status = Status.INVESTIGATING
    incident.save()
    make_update(status=Status.MONITORING)

    page = staff_client.get(reverse("admin:incidents_incident_changelist")).content.decode()
    row = page[page.index('class="field-shown_status"') :][:200]

    assert "Monitoring" in row
    assert "Investigating" not in row
    public = staff_client.get(incident.get_absolute_url()).content.decode()
    assert "Monitoring" in public


# --- Translations behind a corrected original ---------------------------------------


def corrected_in_english_only(staff_client, update, body_en):
    return staff_client.post(
        reverse("admin:incidents_update_change", args=[update.pk]),
        {"incident": update.incident.pk, "status": update.status,
         "body_en": body_en, "body_es": update.body_es,
         **shown_as_the_admin_shows_it(update.publish_at)},
        follow=True,
    )  # fmt: skip


def test_correcting_only_the_english_warns_that_the_spanish_is_out_of_date(
    staff_client, make_update
):
    from incidents.services import update_save

    update = make_update(body="About 120,000 people.")
    update.body_es = "Unas 120.000 personas."
    update_save(update=update)

    response = corrected_in_english_only(staff_client, update, "About 142,000 people.")

    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("The Spanish translation is now out of date") for m in messages)
    changelist = staff_client.get(reverse("admin:incidents_update_changelist"), {"behind": "es"})
    assert "About 142,000 people." in changelist.content.decode()
    assert "Behind in Spanish" in changelist.content.decode()


def test_the_translation_filter_lists_only_what_is_behind(staff_client, make_update):
    from incidents.services import update_save

    behind = make_update(body="About 120,000 people.")
    behind.body_es = "Unas 120.000 personas."
    update_save(update=behind)
    behind.body_en = "About 142,000 people."
    update_save(update=behind)
    make_update(body="Nothing new tonight.")

    page = staff_client.get(
        reverse("admin:incidents_update_changelist"), {"behind": "es"}
    ).content.decode()

    assert "About 142,000 people." in page
    assert "Nothing new tonight." not in page


def test_saving_a_translation_already_behind_says_nothing_new(staff_client, make_update):
    from incidents.services import update_save

    update = make_update(body="About 120,000 people.")
    update.body_es = "Unas 120.000 personas."
    update_save(update=update)
    update.body_en = "About 142,000 people."
    update_save(update=update)

    response = corrected_in_english_only(staff_client, update, "About 142,000 people.")

    messages = [str(m) for m in response.context["messages"]]
    assert not any("out of date" in m for m in messages)


def test_the_faq_list_shows_and_filters_translations_behind(staff_client, db):
    from incidents.models import FAQ
    from incidents.services import faq_save

    faq = faq_save(faq=FAQ(question="Is it over?", answer="No.", question_es="¿Terminó?",
                           answer_es="No."))  # fmt: skip
    faq.answer_en = "Yes, since Monday."
    faq_save(faq=faq)
    faq_save(faq=FAQ(question="Who are you?", answer="The company."))

    page = staff_client.get(
        reverse("admin:incidents_faq_changelist"), {"behind": "es"}
    ).content.decode()

    assert "Is it over?" in page and "Behind in Spanish" in page
    assert "Who are you?" not in page
