"""
The staff's forms (Django admin) fed the hostile corpus: every Markdown and text
field of incidents, updates, FAQs, data categories, regimes, canned responses,
campaigns (with their preview and test send) and replies to questions.

A compromised or careless staff account must not be able to put script on the
public site: what they write is refused or stored, and every page that shows it
(public pages, the customer's question page, the admin itself) is inert.
"""

import datetime as dt
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from incidents import services as incident_services
from incidents.markdown import render_markdown
from incidents.models import DataCategory, Incident, Regime, Update
from notifications.models import Campaign, Notification
from support import services as support_services
from support.models import CannedResponse, Category, Message
from tests.hostile import CHARACTERS, HUGE, PAYLOADS, TEXT, live_markup

pytestmark = pytest.mark.django_db

# Every payload at once, one per paragraph: one form post tries them all.
# (NUL is refused by every form field, so it is tried on its own.)
DOCUMENT = "\n\n".join(p for p in PAYLOADS.values() if "\x00" not in p)
# Those that change what a form accepts (NUL, length, line breaks): tried one by one.
ONE_BY_ONE = CHARACTERS | {"huge-1m": HUGE}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # staff_client's password is hashed for every test; the hasher's cost is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def inert(response) -> list[str]:
    """What would run if the response were opened in a browser (JSON and XML never are)."""
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    if "text/html" not in response["Content-Type"]:
        return []
    return live_markup(response.content.decode())


class _FormFields(HTMLParser):
    """The fields of the admin's change form as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            else:
                self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def admin_form(client, url) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(client.get(url).content.decode())
    return {k: v for k, v in parser.data.items() if k not in {"csrfmiddlewaretoken", "q"}}


def admin_errors(response):
    if response.status_code != HTTPStatus.OK or not response.context:
        return None
    adminform = response.context.get("adminform")
    return adminform.form.errors if adminform else None


def with_text(data: dict, fields, text: str) -> dict:
    """The form with `text` in each named field, and in its translations (`title_es`)."""
    out = dict(data)
    for name in data:
        base = name.rsplit("_", 1)[0] if name.rsplit("_", 1)[-1].isalpha() else name
        if name in fields or (base in fields and len(name.rsplit("_", 1)[-1]) == 2):
            out[name] = text
    return out


INCIDENT_TEXTS = {
    "title", "summary", "what_happened", "what_information", "what_we_are_doing",
    "what_you_can_do", "more_information", "message_standard", "message_priority",
    "remedy_instructions",
}  # fmt: skip


@pytest.fixture
def admin_incident_form(staff_client, category):
    data = admin_form(staff_client, reverse("admin:incidents_incident_add"))
    return data | {"slug": "hostile", "is_published": "on", "data_categories": [category.pk]}


def _post_incident(staff_client, data):
    return staff_client.post(reverse("admin:incidents_incident_add"), data)


def test_markdown_renders_every_payload_inert():
    failures = {name: live_markup(render_markdown(p)) for name, p in PAYLOADS.items()}
    assert {name: found for name, found in failures.items() if found} == {}


def test_markdown_keeps_safe_links_and_drops_script_urls():
    html = render_markdown(
        "[help](https://example.com/help) [bad](javascript:alert(1)) [call](tel:+100)"
    )
    assert 'href="https://example.com/help"' in html
    assert 'href="tel:+100"' in html
    assert "javascript" not in html


def test_incident_with_every_payload_is_saved_and_its_page_is_inert(
    staff_client, client, admin_incident_form
):
    # The title is a plain field of 200 characters: a shorter mix goes there.
    data = with_text(admin_incident_form, INCIDENT_TEXTS, DOCUMENT)
    title = "<script>window.__pwned=1</script>\u202e\x01"
    data |= {k: title for k in data if k.startswith("title")}

    response = _post_incident(staff_client, data)

    assert response.status_code == HTTPStatus.FOUND, admin_errors(response)
    incident = Incident.objects.get(slug="hostile")
    assert incident.what_happened == DOCUMENT.replace("\r\n", "\n") or incident.what_happened
    public = client.get(incident.get_absolute_url(), follow=True)
    assert public.status_code == HTTPStatus.OK
    assert inert(public) == []
    assert inert(client.get(reverse("home"), follow=True)) == []
    assert inert(staff_client.get(reverse("incidents:incident-preview", args=["hostile"]))) == []
    change = reverse("admin:incidents_incident_change", args=[incident.pk])
    assert inert(staff_client.get(change)) == []
    assert inert(staff_client.get(reverse("admin:incidents_incident_changelist"))) == []


def test_incident_form_refuses_or_saves_odd_characters_without_error(
    staff_client, admin_incident_form
):
    failures = {}
    for name, payload in ONE_BY_ONE.items():
        data = with_text(admin_incident_form, INCIDENT_TEXTS, payload) | {
            "slug": f"odd-{len(failures)}"
        }
        response = _post_incident(staff_client, data)
        # 400: more than DATA_UPLOAD_MAX_MEMORY_SIZE in one form, refused by Django.
        saved = response.status_code == HTTPStatus.FOUND
        if not (saved or admin_errors(response) or response.status_code == HTTPStatus.BAD_REQUEST):
            failures[name] = response.status_code
        elif any("\x00" in i.what_happened for i in Incident.objects.all()):
            failures[name] = "NUL stored"
        Incident.objects.filter(slug__startswith="odd-").delete()
    assert failures == {}


@pytest.mark.parametrize(
    "slug", ["../../etc/passwd", "<script>", "a/b", "..", "x\x00y", "-" * 60, "ok slug"]
)
def test_incident_slug_must_be_a_slug(staff_client, admin_incident_form, slug):
    response = _post_incident(staff_client, admin_incident_form | {"slug": slug})

    assert "slug" in admin_errors(response)


def _update_form(staff_client, incident, body):
    data = admin_form(staff_client, reverse("admin:incidents_update_add"))
    now = timezone.now() - dt.timedelta(minutes=1)
    return data | {
        "incident": incident.pk,
        "status": "investigating",
        "body_en": body,
        "publish_at_0": now.strftime("%Y-%m-%d"),
        "publish_at_1": now.strftime("%H:%M:%S"),
    }


def test_update_with_every_payload_is_published_inert(staff_client, client, incident):
    add = reverse("admin:incidents_update_add")

    response = staff_client.post(add, _update_form(staff_client, incident, DOCUMENT))

    assert response.status_code == HTTPStatus.FOUND, admin_errors(response)
    update = Update.objects.get()
    assert update.is_public()
    assert inert(client.get(incident.get_absolute_url(), follow=True)) == []
    feed = client.get(reverse("incidents:feed"), follow=True)
    assert feed.status_code == HTTPStatus.OK
    assert "&lt;script" not in feed.content.decode()  # the feed's HTML is sanitised too
    api = client.get(_api_incidents_url(), follow=True)
    assert api.status_code == HTTPStatus.OK
    assert api["Content-Type"] == "application/json"  # the Markdown as text, never a page


def _api_incidents_url():
    # The API is moving out of the language prefixes (its own "api" namespace).
    try:
        return reverse("api:incidents")
    except NoReverseMatch:
        return reverse("incidents:api-incidents")


def test_feeds_leave_out_control_characters_pasted_into_an_update(client, incident, make_update):
    # A vertical tab pasted from a word processor: XML 1.0 cannot carry it.
    make_update(body="Reset your\x0b password\x1b now.")
    incident.title = "Breach\x01"
    incident_services.incident_save(incident=incident)

    for feed in (
        reverse("incidents:feed"),
        reverse("incidents:incident-feed", args=[incident.slug]),
    ):
        response = client.get(feed, follow=True)
        assert response.status_code == HTTPStatus.OK
        assert "Reset your password now." in response.content.decode()


def test_corrected_update_history_is_inert(staff_client, client, incident):
    add = reverse("admin:incidents_update_add")
    staff_client.post(add, _update_form(staff_client, incident, "We are investigating."))
    update = Update.objects.get()
    change = reverse("admin:incidents_update_change", args=[update.pk])
    data = admin_form(staff_client, change) | {"body": DOCUMENT}

    response = staff_client.post(change, data)

    assert response.status_code == HTTPStatus.FOUND, admin_errors(response)
    history = reverse("incidents:update-history", args=[incident.slug, update.pk])
    page = client.get(history, follow=True)
    assert page.status_code == HTTPStatus.OK
    assert inert(page) == []
    assert inert(staff_client.get(change)) == []


def test_update_body_refuses_or_saves_odd_characters_without_error(staff_client, incident):
    add = reverse("admin:incidents_update_add")
    failures = {}
    for name, payload in ONE_BY_ONE.items():
        response = staff_client.post(add, _update_form(staff_client, incident, payload))
        if response.status_code != HTTPStatus.FOUND and not admin_errors(response):
            failures[name] = response.status_code
    assert failures == {}
    assert not any("\x00" in update.body for update in Update.objects.all())


def test_faq_with_every_payload_is_inert(staff_client, client):
    add = reverse("admin:incidents_faq_add")
    data = admin_form(staff_client, add) | {
        "question_en": "<img src=x onerror=window.__pwned=1>\u202e?",
        "order": "0",
        "is_published": "on",
    }
    data = with_text(data, {"answer"}, DOCUMENT)

    response = staff_client.post(add, data)

    assert response.status_code == HTTPStatus.FOUND, admin_errors(response)
    assert inert(client.get(reverse("incidents:faq-list"), follow=True)) == []
    search = client.get(reverse("incidents:faq-list"), {"q": "img"}, follow=True)
    assert inert(search) == []
    suggestions = client.get(reverse("support:faq-suggestions"), {"subject": "img"}, follow=True)
    assert inert(suggestions) == []


def test_data_category_advice_with_every_payload_is_inert(staff_client, client, make_incident):
    add = reverse("admin:incidents_datacategory_add")
    data = admin_form(staff_client, add) | {
        "slug": "phone",
        "name_en": "<svg onload=window.__pwned=1>",
        "order": "0",
    }
    data = with_text(data, {"advice"}, DOCUMENT)

    response = staff_client.post(add, data)

    assert response.status_code == HTTPStatus.FOUND, admin_errors(response)
    incident = make_incident()
    incident.data_categories.add(DataCategory.objects.get(slug="phone"))
    incident_services.incident_save(incident=incident)
    assert inert(client.get(incident.get_absolute_url(), follow=True)) == []


def test_regime_with_hostile_text_is_inert(staff_client):
    add = reverse("admin:incidents_regime_add")
    data = admin_form(staff_client, add) | {
        "name": "<script>window.__pwned=1</script>",
        "authority": '"><img src=x onerror=window.__pwned=1>',
        "starts": Regime.Start.AWARENESS,
        "hours": "72",
        "notes": DOCUMENT,
    }

    response = staff_client.post(add, data)

    assert response.status_code == HTTPStatus.FOUND, admin_errors(response)
    assert inert(staff_client.get(reverse("admin:incidents_regime_changelist"))) == []
    regime = Regime.objects.get(hours=72, name__startswith="<script>")
    change = reverse("admin:incidents_regime_change", args=[regime.pk])
    assert inert(staff_client.get(change)) == []


@pytest.fixture
def question(incident):
    return support_services.ticket_create(
        subject="Was I affected?",
        category=Category.WAS_I_AFFECTED,
        body="Worried.",
        incident=incident,
        email="anon@example.com",
        name="Anon",
    )


def test_canned_response_with_hostile_text_fills_the_reply_inert(staff_client, question):
    add = reverse("admin:support_cannedresponse_add")
    data = admin_form(staff_client, add) | {
        "title": "<script>window.__pwned=1</script>",
        "body_en": DOCUMENT + "\n\n{name} {reference} {incident} {site_url} {{ settings }}",
        "is_active": "on",
    }

    response = staff_client.post(add, data)

    assert response.status_code == HTTPStatus.FOUND, admin_errors(response)
    canned = CannedResponse.objects.get()
    url = reverse("admin:support_ticket_canned", args=[question.ticket.pk])
    box = staff_client.get(url, {"canned": canned.pk}, HTTP_HX_REQUEST="true")
    assert inert(box) == []
    assert "{{ settings }}" in box.content.decode()  # other braces stay as typed


@pytest.mark.parametrize("internal", [False, True])
def test_reply_with_every_payload_is_inert_for_customer_and_staff(
    staff_client, client, question, internal
):
    ticket = question.ticket
    change = reverse("admin:support_ticket_change", args=[ticket.pk])
    data = admin_form(staff_client, change) | {"reply": DOCUMENT}
    if internal:
        data["internal"] = "on"

    response = staff_client.post(change, data)

    assert response.status_code == HTTPStatus.FOUND, admin_errors(response)
    assert Message.objects.filter(ticket=ticket, body=DOCUMENT.strip()).exists()
    private = reverse("support:ticket-private", args=[question.token])
    customer_page = client.get(private, follow=True)
    assert inert(customer_page) == []
    assert ("window.__pwned" in customer_page.content.decode()) is not internal
    assert inert(staff_client.get(change)) == []
    assert inert(staff_client.get(reverse("admin:support_ticket_changelist"))) == []


def test_hostile_question_is_inert_in_the_inbox(staff_client, client):
    asked = support_services.ticket_create(
        subject='"><script>window.__pwned=1</script>',
        category=Category.OTHER,
        body=DOCUMENT,
        email="x@example.com",
        name="<img src=x onerror=window.__pwned=1>",
    )
    change = reverse("admin:support_ticket_change", args=[asked.ticket.pk])
    inbox = reverse("admin:support_ticket_changelist")

    assert inert(staff_client.get(change)) == []
    assert inert(staff_client.get(inbox)) == []
    assert inert(staff_client.get(inbox, {"q": "<script>window.__pwned=1</script>"})) == []


# Campaigns: placeholders are the only template code allowed -------------------------


@pytest.fixture
def campaign_form(staff_client, incident):
    data = admin_form(staff_client, reverse("admin:notifications_campaign_add"))
    return data | {
        "incident": incident.pk,
        "name": "Hostile",
        "audience": Campaign.Audience.SUBSCRIBERS,
        "subject_en": "About {{ incident }}",
        "body_en": "Hello. {{ advice }}",
    }


@pytest.mark.parametrize(
    "template",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ incident.__class__ }}",
        "{{ incident|lower }}",
        "{% load static %}",
        "{% debug %}",
        "{% include 'base.html' %}",
        "{% for x in incident %}{{ x }}{% endfor %}",
        "{{ ''.__class__.__mro__ }}",
        "{% if 1 %}x{% endif %}",
        "{{ }}",
        "{% comment %}",
    ],
)
def test_campaign_refuses_template_code_beyond_placeholders(staff_client, campaign_form, template):
    fields = ["subject_en", "body_en", "subject_priority_en", "body_priority_en"]

    response = staff_client.post(
        reverse("admin:notifications_campaign_add"),
        campaign_form | dict.fromkeys(fields, template),
    )

    assert set(admin_errors(response)) == set(fields)
    assert not Campaign.objects.exists()


def test_campaign_with_hostile_words_previews_and_test_sends_as_text(staff_client, campaign_form):
    words = DOCUMENT.replace("{", "(").replace("}", ")")  # template syntax is tried above
    data = campaign_form | {"subject_en": "<script>window.__pwned=1</script>", "body_en": words}

    response = staff_client.post(reverse("admin:notifications_campaign_add"), data)

    assert response.status_code == HTTPStatus.FOUND, admin_errors(response)
    campaign = Campaign.objects.get()
    preview = staff_client.get(reverse("admin:notifications_campaign_preview", args=[campaign.pk]))
    assert inert(preview) == []
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in preview.content.decode()
    sent = staff_client.post(reverse("admin:notifications_campaign_test", args=[campaign.pk]))
    assert sent.status_code == HTTPStatus.FOUND
    test_email = Notification.objects.get(kind="campaign-test")
    assert live_markup(test_email.body_html) == []


def test_campaign_preview_shows_a_hostile_incident_title_as_text(
    staff_client, campaign_form, incident
):
    incident.title = "<img src=x onerror=window.__pwned=1>"
    incident_services.incident_save(incident=incident)
    data = campaign_form | {"body_en": "About {{ incident }}."}
    staff_client.post(reverse("admin:notifications_campaign_add"), data)
    campaign = Campaign.objects.get()

    preview = staff_client.get(reverse("admin:notifications_campaign_preview", args=[campaign.pk]))

    assert inert(preview) == []


def test_campaign_email_gives_an_incident_title_as_written(staff_client, campaign_form, incident):
    incident.title = "Tom & Jerry's <b>card</b> data"
    incident_services.incident_save(incident=incident)
    data = campaign_form | {
        "subject_en": "About {{ incident }}",
        "body_en": "About {{ incident }}.",
    }
    staff_client.post(reverse("admin:notifications_campaign_add"), data)
    campaign = Campaign.objects.get()

    staff_client.post(reverse("admin:notifications_campaign_test", args=[campaign.pk]))

    email = Notification.objects.get(kind="campaign-test")
    assert email.subject == "[TEST] About Tom & Jerry's <b>card</b> data"
    assert email.body_text == "About Tom & Jerry's <b>card</b> data."
    assert "Tom &amp; Jerry&#x27;s &lt;b&gt;card&lt;/b&gt; data." in email.body_html


@pytest.mark.parametrize("name", ["crlf", "unicode-line-separators", "rtl-override"])
def test_campaign_subject_cannot_inject_headers(staff_client, campaign_form, name):
    payload = CHARACTERS[name]
    data = campaign_form | {"subject_en": f"Hi {payload}", "body_en": f"Hello {payload}"}

    response = staff_client.post(reverse("admin:notifications_campaign_add"), data)

    if response.status_code == HTTPStatus.FOUND:
        campaign = Campaign.objects.get()
        staff_client.post(reverse("admin:notifications_campaign_test", args=[campaign.pk]))
        subject = Notification.objects.get(kind="campaign-test").subject
        assert not any(c in subject for c in "\r\n\u2028\u2029\x85"), subject
    else:
        assert "subject_en" in admin_errors(response)


def test_words_outside_markdown_fields_are_shown_as_typed(staff_client, client, incident):
    # Plain fields are escaped, not sanitised: what staff typed is what readers see.
    incident.title = "Tom & Jerry <b>bold</b>"
    incident_services.incident_save(incident=incident)
    page = client.get(incident.get_absolute_url(), follow=True).content.decode()
    assert "Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt;" in page


def test_markdown_entities_are_not_decoded_twice(client, make_update, incident):
    make_update(body=TEXT["double-encoded-script"])
    page = client.get(incident.get_absolute_url(), follow=True).content.decode()
    assert "&amp;lt;script&amp;gt;" in page
    assert live_markup(page) == []


def _searchable_changelists():
    from django.contrib import admin

    return [
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model, model_admin in admin.site._registry.items()
        if model_admin.search_fields
    ]


@pytest.mark.parametrize("changelist", _searchable_changelists())
def test_admin_search_survives_hostile_terms(staff_client, changelist):
    failures = {}
    for name in ("nul-byte", "script-tag", "sql-quote", "long-10k"):
        response = staff_client.get(reverse(changelist), {"q": PAYLOADS[name]})
        if found := inert(response):
            failures[name] = found
    response = staff_client.get(reverse(changelist), {"q": "alice\x00@example.com"})
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    assert failures == {}


@pytest.mark.parametrize(
    "name", ["../../../evil.csv", "..\\..\\evil.csv", "<script>x</script>.csv", "a\x00b.csv"]
)
def test_uploaded_import_stays_in_its_folder_and_its_name_is_shown_as_text(
    staff_client, incident, settings, name
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, b"email,categories,tier,remedy_code\r\n", "text/csv")
    add = reverse("admin:incidents_importbatch_add")

    response = staff_client.post(add, {"incident": incident.pk, "file": upload})

    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    media = settings.MEDIA_ROOT.resolve()
    assert all(media in path.resolve().parents for path in media.rglob("*") if path.is_file())
    assert not (media.parent / "evil.csv").exists()
    assert inert(staff_client.get(reverse("admin:incidents_importbatch_changelist"))) == []
