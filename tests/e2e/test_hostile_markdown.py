"""
Executes nothing, in a real browser: staff Markdown and customer questions made of
the hostile corpus (tests/hostile.py), loaded in Chromium.

On every page: no dialog opens, the canary `window.__pwned` is never set, content
holds no `<script>` and no element anywhere has an inline event handler; every
link in content goes to http(s), mailto or tel, and clicking the links that lost
their href does nothing.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page

from incidents import services
from incidents.models import FAQ, DataCategory, Status
from support import services as support_services
from support.models import Category
from tests.hostile import CHARACTERS, MARKDOWN, MARKUP, PAYLOADS, TEXT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Each payload gets a timeline update and an FAQ of its own, so one cannot hide another.
ONE_EACH = MARKUP | MARKDOWN | TEXT
DOCUMENT = "\n\n".join(p for p in PAYLOADS.values() if "\x00" not in p)

INLINE_HANDLERS = """() => [...document.querySelectorAll('*')].flatMap(el =>
    [...el.attributes].filter(a => a.name.toLowerCase().startsWith('on'))
        .map(a => `<${el.tagName.toLowerCase()} ${a.name}=${a.value}>`))"""
LIVE_IN_CONTENT = ["script", "iframe", "object", "embed", "svg", "math", "style", "form", "base"]
CONTENT_SCRIPTS = (
    "() => [...document.querySelectorAll('"
    + ", ".join(f".prose {tag}" for tag in LIVE_IN_CONTENT)
    + "')].map(el => el.outerHTML.slice(0, 80))"
)
CONTENT_LINK_SCHEMES = """() => [...document.querySelectorAll('.prose a[href]')]
    .map(a => a.protocol)"""


@pytest.fixture
def hostile_incident(incident):
    for field in ("what_happened", "what_information", "what_we_are_doing", "what_you_can_do",
                  "more_information"):  # fmt: skip
        setattr(incident, field, DOCUMENT)
    incident.title = "<img src=x onerror=window.__pwned=1> \u202eBreach"
    services.incident_save(incident=incident)
    category = services.data_category_save(
        category=DataCategory(slug="phone", name="<svg onload=window.__pwned=1>", advice=DOCUMENT)
    )
    incident.data_categories.add(category)
    earlier = timezone.now() - dt.timedelta(hours=2)
    for n, payload in enumerate(ONE_EACH.values()):
        services.update_create(
            incident=incident,
            status=Status.INVESTIGATING,
            body=payload,
            publish_at=earlier + dt.timedelta(seconds=n),
        )
    return incident


@pytest.fixture
def hostile_faqs(incident):
    for n, payload in enumerate(ONE_EACH.values()):
        services.faq_save(faq=FAQ(question=f"Question {n}?", answer=payload, incident=incident))
    services.faq_save(faq=FAQ(question="<script>window.__pwned=1</script>", answer=DOCUMENT))


@pytest.fixture
def watched(phone_page: Page, live_server):
    """The page, with every dialog recorded (and dismissed) and external requests refused."""
    dialogs = []
    phone_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    host = live_server.url
    phone_page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(host) else route.abort(),
    )
    phone_page.dialogs = dialogs
    return phone_page


def assert_nothing_runs(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response.status < 400, url
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # onerror and onload handlers fire after load
    assert page.dialogs == []
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate(INLINE_HANDLERS) == []
    assert page.evaluate(CONTENT_SCRIPTS) == []
    schemes = set(page.evaluate(CONTENT_LINK_SCHEMES))
    assert schemes <= {"http:", "https:", "mailto:", "tel:"}, schemes
    # Links whose script URL was removed stay on the page and run nothing when clicked.
    before = page.url
    for link in page.locator(".prose a:not([href])").all()[:20]:
        link.dispatch_event("click")  # some are in closed <details>: clicked all the same
    assert page.url == before
    assert page.evaluate("() => window.__pwned") is None
    assert page.dialogs == []


def test_incident_page_runs_no_staff_markdown(watched, hostile_incident):
    assert_nothing_runs(watched, hostile_incident.get_absolute_url())


def test_faq_page_and_its_search_run_no_staff_markdown(watched, hostile_faqs):
    assert_nothing_runs(watched, reverse("incidents:faq-list"))
    watched.get_by_label("Search the questions").press_sequentially("script", delay=20)
    watched.wait_for_timeout(500)
    assert watched.evaluate(INLINE_HANDLERS) == []
    assert watched.evaluate("() => window.__pwned") is None


def test_home_page_runs_no_staff_markdown(watched, hostile_incident):
    assert_nothing_runs(watched, reverse("home"))


def test_update_history_runs_no_staff_markdown(watched, incident, make_update):
    update = make_update(body="We are investigating.")
    update.body = DOCUMENT
    services.update_save(update=update)
    update.body = PAYLOADS["svg-script"] + "\n\n" + PAYLOADS["md-link-javascript"]
    services.update_save(update=update)

    url = reverse("incidents:update-history", args=[incident.slug, update.pk])
    assert_nothing_runs(watched, url)


@pytest.fixture
def hostile_question(incident):
    return support_services.ticket_create(
        subject='"><img src=x onerror=window.__pwned=1>',
        category=Category.OTHER,
        body=DOCUMENT + CHARACTERS["rtl-override"],
        incident=incident,
        email="anon@example.com",
        name="<script>window.__pwned=1</script>",
    )


def test_question_page_shows_a_hostile_question_as_text(watched, hostile_question):
    url = reverse("support:ticket-private", args=[hostile_question.token])
    assert_nothing_runs(watched, url)
    assert watched.get_by_text("window.__pwned=1").count() > 0  # shown as the words typed


def test_admin_inbox_runs_nothing_from_a_hostile_question(
    watched, hostile_question, staff_client, share_session
):
    share_session(watched, staff_client)  # a superuser with two factors, as the admin requires
    ticket = hostile_question.ticket

    assert_nothing_runs(watched, reverse("admin:support_ticket_changelist"))
    assert_nothing_runs(watched, reverse("admin:support_ticket_change", args=[ticket.pk]))
