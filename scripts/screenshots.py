"""
Screenshots of Candor for the README: the demo (seed_demo) on a throw-away SQLite
database, served by runserver, photographed by chromium at a laptop's and a phone's width.

    make screenshots        # or: .venv/bin/python scripts/screenshots.py [--out DIR]

Writes docs/screenshots/<page>-desktop.png and <page>-phone.png for the home page, the
incident page, Alice's "Was I affected?" page, her checklist, the admin's support inbox and
support report, and a report draft to a regulator.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The browser tests' chromium and flags (tests/e2e/conftest.py).
CHROMIUM = os.environ.get("CANDOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
ALICE_NEW_PASSWORD = "a long walk by the quiet harbour"  # noqa: S105 - demo value


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict, *args: str, **kwargs) -> subprocess.Popen | None:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    if kwargs.pop("background", False):
        return subprocess.Popen(command, env=env, cwd=ROOT, **kwargs)  # noqa: S603
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return None


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"the demo server did not answer at {url}")


# Long pages are cut here (CSS px): the README shows what a reader meets first.
MAX_HEIGHT = 2000


def shoot(page, out: Path, name: str) -> None:
    """The page at each width, from the top; named <name>-<size>.png."""
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.wait_for_load_state("networkidle")
        height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
        clip = {"x": 0, "y": 0, "width": viewport["width"], "height": height}
        page.screenshot(path=out / f"{name}-{size}.png", full_page=True, clip=clip)
        print(f"  {name}-{size}.png")


def take(base_url: str, out: Path) -> None:
    import django
    import pyotp
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["DJANGO_DEBUG"] = "true"  # the demo's settings, as the server runs them
    django.setup()
    from django.urls import reverse

    from portal.demo import DEMO_STAFF_TOTP_SECRET, INCIDENT_SLUG

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        visitor = browser.new_context(base_url=base_url).new_page()
        visitor.goto(reverse("home"))
        shoot(visitor, out, "home")
        visitor.goto(reverse("incidents:incident-detail", args=[INCIDENT_SLUG]))
        shoot(visitor, out, "incident")

        # Alice signs in, sets the new password she is asked for, and asks a question.
        alice = browser.new_context(base_url=base_url).new_page()
        alice.goto(reverse("accounts:me"))
        sign_in(alice, "alice@example.com", "demo-password-alice")
        alice.get_by_label("Current Password", exact=True).fill("demo-password-alice")
        alice.get_by_label("New Password", exact=True).fill(ALICE_NEW_PASSWORD)
        alice.get_by_label("New Password (again)", exact=True).fill(ALICE_NEW_PASSWORD)
        alice.get_by_role("button", name="Change Password").click()
        alice.get_by_role("link", name="Was I affected?").first.click()
        shoot(alice, out, "me-affected")
        alice.get_by_role("link", name="Continue your checklist").click()
        shoot(alice, out, "checklist")
        alice.goto(reverse("support:ticket-new"))
        alice.get_by_label("Subject").fill("Do I need a new credit card?")
        alice.get_by_label("Remedy or compensation").check()
        alice.get_by_label("Your question").fill("My phone number was involved. What now?")
        alice.get_by_role("button", name="Send my question").click()

        # The support agent: password, then the authenticator app's code.
        staff = browser.new_context(base_url=base_url).new_page()
        staff.goto(reverse("admin:index"))
        sign_in(staff, "staff@example.com", "demo-password-staff")
        staff.get_by_label("Code", exact=True).fill(pyotp.TOTP(DEMO_STAFF_TOTP_SECRET).now())
        staff.get_by_role("button", name="Sign In", exact=True).click()
        staff.get_by_role("link", name="Tickets").click()
        shoot(staff, out, "admin-inbox")
        staff.get_by_role("link", name="Support report").click()
        shoot(staff, out, "admin-report")

        # The comms side: the GDPR deadline's report draft, prefilled from the incident.
        staff.goto(reverse("admin:incidents_obligation_changelist"))
        staff.get_by_role("link", name="GDPR Art. 33").first.click()
        staff.get_by_role("link", name="Start the report draft").click()
        staff.get_by_role("button", name="Start the draft").click()
        shoot(staff, out, "admin-draft")
        browser.close()


def sign_in(page, email: str, password: str) -> None:
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        env = os.environ | {
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{scratch}/candor.sqlite3",
            "DJANGO_MEDIA_ROOT": f"{scratch}/media",
            "CANDOR_SITE_URL": f"http://127.0.0.1:{port}",
            "EMAIL_URL": "consolemail://",
        }
        env.pop("CELERY_BROKER_URL", None)  # tasks in-process, like `make run`
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        server = manage(
            env, "runserver", f"127.0.0.1:{port}", "--noreload", background=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz")
            print(f"Writing screenshots to {out}")
            take(f"http://127.0.0.1:{port}", out)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
