"""
Browser journeys: Playwright drives Debian's chromium against a live server.

Playwright cannot download its own browsers here, so the system chromium is
used; where it is not installed these tests skip with a clear reason.
"""

import os
import shutil
from dataclasses import dataclass
from importlib import import_module

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from playwright.sync_api import CDPSession

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


@pytest.fixture
def share_session(live_server):
    """
    Gives a browser page the session of a test client signed in with force_login: a
    shortcut for tests about a page itself, not about signing in (the journeys sign in).
    """
    from django.conf import settings

    def share(page, client):
        name = settings.SESSION_COOKIE_NAME
        page.context.add_cookies(
            [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
        )

    return share


@pytest.fixture
def agent_page(desktop_page, share_session, django_user_model):
    """A member of the Support agents group (not a superuser), signed in with two factors."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group
    from django.test import Client

    from tests.helpers import sign_in

    agent = django_user_model.objects.create_user("dee@example.com", None, is_staff=True)
    agent.groups.add(Group.objects.get(name="Support agents"))
    TOTP.activate(agent, generate_totp_secret())
    client = Client()
    sign_in(client, agent, "password", "mfa")
    share_session(desktop_page, client)
    return desktop_page


@pytest.fixture
def desktop_page(browser, live_server):
    """A page in a laptop's window, with the site as its base URL."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, base_url=live_server.url
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def new_phone_page(browser, live_server):
    """Opens more phones (or more browsers on one phone): each has its own cookies."""
    contexts = []

    def open_page():
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, base_url=live_server.url
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def demo(transactional_db, settings):
    """The demo of `manage.py seed_demo`: the incident, Alice (affected), Bob, the staff agent."""
    from django.apps import apps

    # Journeys sign in and change passwords many times; slow hashing tests nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    from portal.demo import demo_seed

    # The regulators' regimes come from a data migration, which a transactional test's
    # flush removed; the demo's deadlines need them.
    import_module("incidents.migrations.0004_seed_regimes").seed(apps, None)
    return demo_seed()


@dataclass(frozen=True)
class Customer:
    user: AbstractBaseUser
    email: str
    password: str


@pytest.fixture
def customer(django_user_model):
    """A customer who has confirmed their address (allauth allows 2FA only then)."""
    email, password = "carol@example.com", "correct-horse-battery-staple"
    user = django_user_model.objects.create_user(email, password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return Customer(user=user, email=email, password=password)


class VirtualAuthenticator:
    """Chromium's software authenticator, through the DevTools protocol (CDP)."""

    def __init__(self, cdp: CDPSession, authenticator_id: str):
        self.cdp = cdp
        self.authenticator_id = authenticator_id

    def credentials(self) -> list[dict]:
        query = {"authenticatorId": self.authenticator_id}
        return self.cdp.send("WebAuthn.getCredentials", query)["credentials"]


@pytest.fixture
def virtual_authenticator(phone_page):
    """
    A phone's built-in passkey store with its fingerprint check, for phone_page:
    it keeps discoverable credentials (passkeys) and always verifies the user.
    """
    cdp = phone_page.context.new_cdp_session(phone_page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    answer = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    yield VirtualAuthenticator(cdp, answer["authenticatorId"])
    cdp.detach()
