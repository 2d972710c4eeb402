"""
A reader in Madrid reads the timeline in her own time, with UTC beside it; a reader
without JavaScript reads UTC, and the footer says which she is reading.
"""

import datetime as dt
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from incidents.models import Incident

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def reader(browser, live_server):
    contexts = []

    def open_page(*, timezone_id, locale="en-GB", javascript=True):
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            base_url=live_server.url,
            timezone_id=timezone_id,
            locale=locale,
            java_script_enabled=javascript,
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def shown(stamp) -> dt.datetime:
    """The moment a <time> element stands for, in UTC."""
    return dt.datetime.strptime(stamp.get_attribute("datetime"), "%Y-%m-%dT%H:%M:%S%z")


@pytest.mark.parametrize("language", ["en", "es"])
def test_times_are_in_the_readers_zone_with_utc_beside_them(demo, reader, language):
    incident = Incident.objects.get()
    page = reader(timezone_id="Europe/Madrid")
    with translation.override(language):
        page.goto(incident.get_absolute_url())

    stamp = page.locator(".timeline time").first
    utc = shown(stamp)
    madrid = utc + dt.timedelta(hours=1)  # December: UTC+1
    expect(stamp).to_have_text(
        re.compile(rf"^.*{madrid:%H:%M} (CET|GMT\+1) \(.*{utc:%H:%M} UTC\)$")
    )
    expect(page.locator("[data-local-time-note]")).to_contain_text("Europe/Madrid")
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_without_javascript_times_stay_in_utc_and_the_footer_says_so(demo, reader):
    incident = Incident.objects.get()
    page = reader(timezone_id="Europe/Madrid", javascript=False)
    page.goto(incident.get_absolute_url())

    stamp = page.locator(".timeline time").first
    utc = shown(stamp)
    expect(stamp).to_have_text(f"{utc.day} {utc:%b %Y}, {utc:%H:%M} UTC")
    expect(page.locator("[data-local-time-note]")).to_have_text("All times are shown in UTC.")
