import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.urls import reverse

from incidents import services
from incidents.models import FAQ, Status

pytestmark = pytest.mark.django_db


def detail_url(incident):
    return reverse("incidents:incident-detail", args=[incident.slug])


def test_incident_page_has_the_sections_of_a_breach_notice(client, incident, make_update):
    make_update(body="We found the cause.")

    page = client.get(detail_url(incident)).content.decode()

    for heading in [
        "What happened",
        "What information was involved",
        "What we are doing",
        "What you can do",
        "For more information",
        "Timeline",
        "We will never ask for your password",
    ]:
        assert heading in page
    assert "We found the cause." in page
    assert "Set a <strong>new password</strong> now." in page  # advice for each category


def test_incident_status_is_that_of_the_latest_public_update(client, incident, make_update, now):
    make_update(status=Status.IDENTIFIED, at=now - dt.timedelta(hours=2))
    make_update(status=Status.CONTAINED, at=now - dt.timedelta(hours=1))
    make_update(status=Status.RESOLVED, at=now + dt.timedelta(hours=1))  # scheduled

    page = client.get(detail_url(incident)).content.decode()
    header_status = page.split('class="incident__status"')[1].split("</p>")[0]

    assert "Contained" in header_status


def test_unknown_incident_gets_a_styled_404(client, db):
    response = client.get(reverse("incidents:incident-detail", args=["no-such-thing"]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "We could not find that page" in response.content.decode()


def test_unpublished_incident_is_not_public(client, make_incident):
    draft = make_incident(slug="draft", title="Secret draft", is_published=False)

    assert client.get(detail_url(draft)).status_code == HTTPStatus.NOT_FOUND
    assert "Secret draft" not in client.get(reverse("home")).content.decode()
    assert "Secret draft" not in client.get(reverse("incidents:feed")).content.decode()
    assert "Secret draft" not in client.get(reverse("api:incidents")).content.decode()


def test_scheduled_update_is_invisible_everywhere_until_its_time(client, incident, make_update):
    at = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(at - dt.timedelta(hours=2), tick=False):
        make_update(body="The embargoed statement.", at=at)
        urls = [
            detail_url(incident),
            reverse("home"),
            reverse("incidents:feed"),
            reverse("incidents:incident-feed", args=[incident.slug]),
            reverse("api:summary"),
            reverse("api:incidents"),
        ]
        for url in urls:
            assert "The embargoed statement." not in client.get(url).content.decode(), url

    # No cron, no invalidation: the cached pages expire at the update's time.
    with time_machine.travel(at + dt.timedelta(seconds=1), tick=False):
        for url in urls:
            assert "The embargoed statement." in client.get(url).content.decode(), url


def test_scheduled_update_caps_how_long_browsers_may_keep_the_page(client, incident, make_update):
    at = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(at - dt.timedelta(seconds=10), tick=False):
        make_update(at=at)
        response = client.get(detail_url(incident))

    assert "max-age=10" in response["Cache-Control"]
    assert "s-maxage=10" in response["Cache-Control"]


def test_publishing_an_update_refreshes_the_cached_page_at_once(
    client, incident, make_update, django_capture_on_commit_callbacks
):
    client.get(detail_url(incident))  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        make_update(body="Fresh news.")

    assert "Fresh news." in client.get(detail_url(incident)).content.decode()


def test_edited_update_says_so_and_links_its_history(
    client, incident, make_update, django_capture_on_commit_callbacks
):
    update = make_update(body="About 120,000 customers are affected.")
    with django_capture_on_commit_callbacks(execute=True):
        update.body = "About 142,000 customers are affected."
        services.update_save(update=update)

    page = client.get(detail_url(incident)).content.decode()
    history_url = reverse("incidents:update-history", args=[incident.slug, update.pk])
    assert "Edited" in page
    assert history_url in page

    history = client.get(history_url).content.decode()
    assert "About 120,000 customers are affected." in history
    assert "About 142,000 customers are affected." in history
    assert history.index("142,000") < history.index("120,000")  # newest first


def test_history_hides_drafts_written_before_publication(client, incident, make_update, now):
    update = make_update(body="Draft wording nobody saw.", at="draft")
    update.body = "What we published."
    services.update_save(update=update)
    services.update_publish(update=update)
    update.body = "What we published, corrected."
    services.update_save(update=update)

    history = client.get(
        reverse("incidents:update-history", args=[incident.slug, update.pk])
    ).content.decode()

    assert "What we published." in history
    assert "What we published, corrected." in history
    assert "Draft wording nobody saw." not in history


def test_history_of_an_unpublished_update_is_not_found(client, incident, make_update, now):
    scheduled = make_update(at=now + dt.timedelta(days=1))

    response = client.get(reverse("incidents:update-history", args=[incident.slug, scheduled.pk]))

    assert response.status_code == HTTPStatus.NOT_FOUND


HOSTILE_MARKDOWN = """
<script>alert('x')</script>
<img src=x onerror="alert('img')">
[click](javascript:alert('link'))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
<a href="#" onclick="alert('a')">anchor</a>
<svg onload="alert('svg')"></svg>
<iframe src="https://evil.example"></iframe>
**still bold**
"""


def test_markdown_from_staff_cannot_inject_script(client, incident, make_update):
    make_update(body=HOSTILE_MARKDOWN)

    page = client.get(detail_url(incident)).content.decode().lower()

    assert "<script>alert" not in page
    assert "onerror" not in page
    assert "onclick" not in page
    assert "onload" not in page
    assert "javascript:" not in page
    assert "data:text/html" not in page
    assert "<iframe" not in page
    assert "<svg" not in page
    assert "<strong>still bold</strong>" in page


def test_faq_page_lists_general_and_incident_questions(client, incident):
    services.faq_save(faq=FAQ(question="Is my card safe?", answer="Yes."))
    services.faq_save(faq=FAQ(incident=incident, question="When did it start?", answer="Monday."))
    services.faq_save(faq=FAQ(question="Hidden?", answer="Draft.", is_published=False))

    page = client.get(reverse("incidents:faq-list")).content.decode()

    assert "Is my card safe?" in page
    assert "When did it start?" in page
    assert "Hidden?" not in page


def test_faq_search_works_without_javascript(client, db):
    services.faq_save(faq=FAQ(question="How do I reset my password?", answer="Sign in."))
    services.faq_save(faq=FAQ(question="Is my card safe?", answer="Yes."))

    page = client.get(reverse("incidents:faq-list"), {"q": "password"}).content.decode()

    assert "How do I reset my password?" in page
    assert "Is my card safe?" not in page
    assert "<html" in page


def test_faq_search_as_you_type_returns_only_the_results(client, db):
    services.faq_save(faq=FAQ(question="How do I reset my password?", answer="Sign in."))

    response = client.get(reverse("incidents:faq-list"), {"q": "reset"}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()

    assert "How do I reset my password?" in fragment
    assert "<html" not in fragment
    assert "HX-Request" in response["Vary"]


def test_faq_search_with_no_match_says_so(client, db):
    page = client.get(reverse("incidents:faq-list"), {"q": "zebra"}).content.decode()

    assert "No answer matches your search yet." in page


def test_site_feed_lists_public_updates_as_atom(client, incident, make_update):
    make_update(body="Atom news.")

    response = client.get(reverse("incidents:feed"))

    assert response["Content-Type"].startswith("application/atom+xml")
    assert "Atom news." in response.content.decode()


def test_incident_feed_of_unknown_incident_is_404(client, db):
    response = client.get(reverse("incidents:incident-feed", args=["nope"]))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_home_shows_active_incidents_and_latest_updates(client, incident, make_update):
    make_update(body="Latest word.")

    page = client.get(reverse("home")).content.decode()

    assert "We are responding to a security incident" in page
    assert incident.title in page
    assert "Latest word." in page
    assert 'id="help"' in page


def test_home_gives_a_clear_all_clear_without_active_incidents(client, incident, make_update):
    make_update(status=Status.RESOLVED)

    page = client.get(reverse("home")).content.decode()

    assert "All clear: no active security incidents" in page
    assert "Past incidents" in page


def test_preview_shows_drafts_and_scheduled_updates_to_staff(
    staff_client, make_incident, make_update, now
):
    draft_incident = make_incident(slug="soon", is_published=False)
    make_update(for_incident=draft_incident, body="Draft words.", at="draft")
    make_update(for_incident=draft_incident, body="Words for tomorrow.", at=now + dt.timedelta(1))

    response = staff_client.get(reverse("incidents:incident-preview", args=["soon"]))
    page = response.content.decode()

    assert response.status_code == HTTPStatus.OK
    assert "Draft words." in page
    assert "Words for tomorrow." in page
    assert "not published" in page
    assert "no-store" in response["Cache-Control"]


def test_preview_is_not_for_the_public(client, make_incident):
    make_incident(slug="soon", is_published=False)

    response = client.get(reverse("incidents:incident-preview", args=["soon"]))

    assert response.status_code == HTTPStatus.FOUND
    assert "/login/" in response["Location"]
