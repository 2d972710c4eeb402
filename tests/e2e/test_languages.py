"""A Spanish-speaking reader on a phone: Spanish from the browser, English on request."""

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def spanish_phone(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, locale="es-MX"
    )
    yield context.new_page()
    context.close()


def test_a_spanish_phone_reads_spanish_and_can_switch_to_english(spanish_phone, incident):
    spanish_phone.goto("/")

    assert spanish_phone.url.endswith("/es/")
    expect(spanish_phone.locator("html")).to_have_attribute("lang", "es")
    spanish_phone.get_by_role("link", name="Leer el aviso completo y la cronología").click()
    expect(spanish_phone.get_by_role("heading", name="Qué ocurrió")).to_be_visible()

    spanish_phone.get_by_role("link", name="English").click()

    expect(spanish_phone.get_by_role("heading", name="What happened")).to_be_visible()
    assert spanish_phone.url.endswith(incident.get_absolute_url())
    # The choice is remembered: the bare address now leads to the English site.
    spanish_phone.goto("/")
    expect(spanish_phone.locator("html")).to_have_attribute("lang", "en")
