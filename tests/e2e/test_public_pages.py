import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import FAQ

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_faq_search_filters_as_you_type(phone_page, db):
    services.faq_save(faq=FAQ(question="How do I reset my password?", answer="Sign in first."))
    services.faq_save(faq=FAQ(question="Is my card safe?", answer="Yes."))

    phone_page.goto("/faq/")
    phone_page.get_by_label("Search the questions").press_sequentially("card", delay=30)

    expect(phone_page.get_by_text("Is my card safe?")).to_be_visible()
    expect(phone_page.get_by_text("How do I reset my password?")).to_have_count(0)
    assert "q=card" in phone_page.url  # the search is in the address, so it can be shared


def test_markdown_from_staff_runs_no_script(phone_page, incident, make_update):
    make_update(body='<img src=x onerror="window.pwned=1"> [x](javascript:window.pwned=2) **ok**')
    dialogs = []
    phone_page.on("dialog", lambda d: (dialogs.append(d), d.dismiss()))

    phone_page.goto(incident.get_absolute_url())

    expect(phone_page.get_by_text("ok", exact=True)).to_be_visible()
    assert phone_page.evaluate("window.pwned === undefined")
    assert dialogs == []
