"""
Fixtures shared by every app's tests.

Tests that need committed data (a browser, a worker) are marked
`django_db(transaction=True, serialized_rollback=True)`: a transactional test empties
every table afterwards, and without the serialized rollback the rows the migrations
made (the staff groups, the regulatory regimes) would be gone for the tests after it.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone, translation

from core.password_budget import forget_storm
from core.public_pages import forget_local_version
from incidents import services
from incidents.models import DataCategory, Incident, Status
from tests.helpers import free_port, redis_caches, sign_in

pytest_plugins = ["tests.smtp_sink", "tests.webhook_receiver"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """
    The test database, with the migrations' rows kept for every connection object.

    A transactional test reloads those rows (content types, permissions, staff groups,
    regimes) from `_test_serialized_contents` on its connection. Once Playwright's event
    loop runs in this thread (the browser tests), Django hands each test a connection of
    its own (asgiref keeps connections per context while a loop runs), which lacked that
    attribute: the tables were emptied and nothing was reloaded, so every later test
    found the staff groups gone. Set on the class, every connection has it.
    """
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
    return django_db_setup


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # Transactional tests last, as Django's own runner orders them: each empties every
    # table when it ends. pytest-django sorts them so, but pytest's grouping of tests by
    # their wider-scoped fixtures runs after it and moved the browser tests ahead of
    # ordinary ones, which then found the migrations' rows gone.
    def transactional(item) -> bool:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("transaction"):
            return True
        return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))

    items.sort(key=transactional)
    # Each of them reloads the migrations' rows (content types, permissions, staff groups,
    # regimes) after emptying the tables. One that did not (a worker's or a live server's
    # test without the marker) had Django recreate content types and permissions under new
    # ids, and the next one that did reload found them clashing ("FOREIGN KEY constraint
    # failed", "UNIQUE constraint failed: django_content_type").
    for item in items:
        if transactional(item):
            marker = item.get_closest_marker("django_db")
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Public pages are cached; each test starts from a cold cache.
    for alias in ("default", "pages"):
        caches[alias].clear()
    forget_local_version()
    forget_storm()  # what this process remembers of a storm is the cache's, just emptied
    yield
    for alias in ("default", "pages"):
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _english_between_tests():
    # A request activates its page's language in this thread (LocaleMiddleware); each test
    # starts in the default language, so reverse() and gettext do not depend on the last test.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """
    Passwords hashed with MD5 in tests, for speed: PBKDF2 at Django's cost is ~250 ms of a
    core per check, and the suite signs people in and sets passwords thousands of times.
    Passwords already stored with PBKDF2 still verify (it stays in the list). A test that
    measures the real cost is marked `real_password_hashing`.
    """
    if request.node.get_closest_marker("real_password_hashing") is None:
        settings.PASSWORD_HASHERS = [
            "django.contrib.auth.hashers.MD5PasswordHasher",
            *settings.PASSWORD_HASHERS,
        ]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Uploaded imports and error reports go to a folder of the test's own.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def redis_down():
    """The settings' cache is a Redis that cannot be reached (stopped). Yields its URL."""
    # Nothing listens there: connecting is refused at once, as when Redis is stopped.
    location = f"redis://127.0.0.1:{free_port()}/0"
    forget_local_version()
    forget_storm()
    with override_settings(CACHES=redis_caches(location)):
        yield location
    forget_local_version()
    forget_storm()


@pytest.fixture
def make_customer(django_user_model):
    """Makes a customer who signs in with `password` and has confirmed the address."""
    from allauth.account.models import EmailAddress

    def make(email, password):
        user = django_user_model.objects.create_user(email, password)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    return make


@pytest.fixture
def make_person(django_user_model):
    """
    Makes a person with a confirmed address and no password: a customer by default; staff
    (in `group`, with an authenticator app when `factor`) when asked.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    def make(email, *, staff=False, superuser=False, factor=False, group=None):
        user = django_user_model.objects.create_user(
            email, None, is_staff=staff, is_superuser=superuser
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        if group:
            user.groups.add(Group.objects.get(name=group))
        if factor:
            TOTP.activate(user, generate_totp_secret())
        return user

    return make


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def category(db):
    return services.data_category_save(
        category=DataCategory(
            slug="password-hash",
            name="Password (hashed)",
            advice="Set a **new password** now.",
            requires_password_reset=True,
        )
    )


@pytest.fixture
def make_incident(db, category):
    def make(**fields):
        values = {
            "slug": "data-breach",
            "title": "Customer data breach",
            "summary": "Someone copied customer records.",
            "what_happened": "An attacker used a stolen credential.",
            "what_we_are_doing": "We closed the access path.",
            "is_published": True,
            "status": Status.INVESTIGATING,
        } | fields
        # In English, the original, even after a request left Spanish active in this thread.
        with translation.override(settings.LANGUAGE_CODE):
            incident = Incident(**values)
        return services.incident_save(incident=incident, data_categories=[category])

    return make


@pytest.fixture
def incident(make_incident):
    return make_incident()


@pytest.fixture
def make_update(incident, now):
    def make(*, body="We are investigating.", status=Status.INVESTIGATING, at=None, **kwargs):
        publish_at = now - dt.timedelta(hours=1) if at is None else at
        return services.update_create(
            incident=kwargs.pop("for_incident", incident),
            status=status,
            body=body,
            publish_at=publish_at if at != "draft" else None,
        )

    return make


@pytest.fixture
def incident_form():
    """
    POST data for the incident admin's add or change page: a valid, unpublished incident.
    Keyword arguments replace or add fields (`is_published="on"` ticks the box).
    """

    def form(**fields):
        return {
            "title_en": "Card data exposure",
            "slug": "card-data",
            "summary_en": "Card data was exposed.",
            "status": "investigating",
            "severity": "major",
            "what_happened_en": "It happened.",
            "what_we_are_doing_en": "Fixing it.",
            "quiet_hours": 24,
            # The regulatory deadlines inline, empty.
            "obligations-TOTAL_FORMS": "0",
            "obligations-INITIAL_FORMS": "0",
        } | fields

    return form


@pytest.fixture
def staff_client(client, django_user_model):
    """A superuser with an authenticator app, signed in with the password and its code."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = django_user_model.objects.create_superuser("comms@example.com", "staff-password-123456")
    TOTP.activate(user, generate_totp_secret())
    sign_in(client, user, "password", "mfa")
    client.user = user
    return client


@pytest.fixture
def role_client(django_user_model):
    """A client signed in as a staff member of one group (made by the roles migrations)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group
    from django.test import Client

    def make(group, email=None):
        email = email or f"{group.lower().replace(' ', '-')}@example.com"
        user = django_user_model.objects.create_user(email, None, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        TOTP.activate(user, generate_totp_secret())
        client = Client()
        sign_in(client, user, "password", "mfa")
        client.user = user
        return client

    return make


@pytest.fixture
def import_affected(incident):
    """Imports a list of affected people (CSV text) into the incident, as the admin would."""
    import io

    from django.core.files import File

    from incidents.models import ImportBatch
    from incidents.services import imports

    def run(csv_text: str):
        batch = ImportBatch(incident=incident, original_name="list.csv")
        batch.file.save("list.csv", File(io.BytesIO(csv_text.encode())))
        return imports.import_batch_run(batch=batch)

    return run


@pytest.fixture
def celery_worker(transactional_db, settings):
    """
    Runs queued tasks: a real Celery worker on the broker when one is configured
    (CI: Redis), else nothing is needed, as tasks run eagerly in-process.
    Needs committed data, hence transactional_db.
    """
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    if app.conf.task_always_eager:
        yield None
        return
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING") as worker:
        yield worker
