"""
Browser journeys: Playwright drives Debian's chromium against a live server.

Playwright cannot download its own browsers here, so the system chromium is
used; where it is not installed these tests skip with a clear reason.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CANDOR_CHROMIUM", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses
# to run beside one unless told that this is deliberate (it is: tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM}: apt-get install chromium")
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def phone_page(browser, live_server):
    """A page at a phone's width, with the site as its base URL."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    yield context.new_page()
    context.close()
