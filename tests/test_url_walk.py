"""
Every route of the site, found in the URLconf (not in a hand-made list), opened by six
people: who gets what.

Each route is classified in ROUTES, keyed by URL name: public, signed-in, or staff with
the permissions the page needs; the admin's own routes are staff by their namespace and
need what the admin's model permissions say. A new route fails
`test_every_route_is_classified` until it is given a line here.

The people: nobody, a customer, two stolen staff passwords (a superuser without a
second factor, and one with a factor whose session never used it), a support agent and
a comms team member who signed in with both factors.
"""

import re
from dataclasses import dataclass
from http import HTTPStatus

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from filings.models import Draft
from filings.services import draft_start
from incidents import services as incident_services
from incidents.models import FAQ, ImportBatch, Incident, Obligation, Regime
from incidents.services import clocks
from notifications.models import Campaign, Subscription
from support import services as support_services
from support.models import CannedResponse, Category
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

# Written where only their rightful readers may see them.
DRAFT_TITLE = "Walk secret: incident not yet published"
TICKET_SUBJECT = "Walk secret: Bob's question"
SECRETS = (DRAFT_TITLE, TICKET_SUBJECT)


@dataclass(frozen=True)
class Staff:
    """A staff page: every permission listed; a tuple is met by any one of its names."""

    permissions: tuple = ()

    def allows(self, user) -> bool:
        return all(
            any(user.has_perm(name) for name in ((p,) if isinstance(p, str) else p))
            for p in self.permissions
        )


PUBLIC, SIGNED_IN, ADMIN = "public", "signed-in", "admin"
VIEW_INCIDENT = ("incidents.view_incident", "incidents.change_incident")

ROUTES = {
    # Machines, mail clients, the language switch
    "healthz": PUBLIC,
    "api:summary": PUBLIC,
    "api:incidents": PUBLIC,
    "api:not-found": PUBLIC,
    "language-switch": PUBLIC,
    "unsubscribe-one-click": PUBLIC,
    # The admin's sign-in (it sends people to allauth's) and the staff pages beside the admin
    "admin-login": PUBLIC,
    "admin-funnel": Staff((VIEW_INCIDENT, "incidents.view_exposure")),
    "incidents:incident-preview": Staff((VIEW_INCIDENT,)),
    # The public site
    "home": PUBLIC,
    "incidents:feed": PUBLIC,
    "incidents:incident-detail": PUBLIC,
    "incidents:incident-feed": PUBLIC,
    "incidents:update-history": PUBLIC,
    "incidents:faq-list": PUBLIC,
    "notifications:subscribe": PUBLIC,
    "notifications:subscribe-sent": PUBLIC,
    "notifications:confirm": PUBLIC,
    "notifications:unsubscribe": PUBLIC,
    "notifications:webhook-subscribe": PUBLIC,
    "notifications:webhook-confirm": PUBLIC,
    "notifications:webhook-unsubscribe": PUBLIC,
    "support:ticket-new": PUBLIC,
    "support:faq-suggestions": PUBLIC,
    "support:ticket-private": PUBLIC,  # the private link's token is the key
    # Signing in, up and out (allauth)
    "account_login": PUBLIC,
    "account_signup": PUBLIC,
    "account_inactive": PUBLIC,
    "account_email_verification_sent": PUBLIC,
    "account_request_login_code": PUBLIC,
    "account_confirm_login_code": PUBLIC,
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "mfa_authenticate": PUBLIC,
    "mfa_login_webauthn": PUBLIC,
    "account_logout": SIGNED_IN,
    "account_reauthenticate": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_change_password": SIGNED_IN,
    "account_set_password": SIGNED_IN,
    "usersessions_list": SIGNED_IN,
    # Two-factor authentication (allauth.mfa)
    "mfa_index": SIGNED_IN,
    "mfa_reauthenticate": SIGNED_IN,
    "mfa_activate_totp": SIGNED_IN,
    "mfa_deactivate_totp": SIGNED_IN,
    "mfa_view_recovery_codes": SIGNED_IN,
    "mfa_generate_recovery_codes": SIGNED_IN,
    "mfa_download_recovery_codes": SIGNED_IN,
    "mfa_list_webauthn": SIGNED_IN,
    "mfa_add_webauthn": SIGNED_IN,
    "mfa_reauthenticate_webauthn": SIGNED_IN,
    "mfa_remove_webauthn": SIGNED_IN,
    "mfa_edit_webauthn": SIGNED_IN,
    # A customer's own pages
    "accounts:me": SIGNED_IN,
    "accounts:me-security": SIGNED_IN,
    "accounts:phishing-guide": SIGNED_IN,
    # Only with an exposed password and a sign-in by emailed code; else the change form.
    "accounts:new-password": SIGNED_IN,
    "support:ticket-list": SIGNED_IN,
    "support:ticket-detail": SIGNED_IN,  # its asker's only; anyone else gets a 404
}


# --- The URLconf ----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # with its namespace: "incidents:incident-detail"
    namespace: str
    route: str  # the pattern, for unnamed routes and messages
    kwargs: tuple[str, ...]
    positional: int
    callback: object

    @property
    def key(self) -> str:
        return self.name or f"{self.namespace}:<{self.route}>"


def walk(resolver=None, namespace="", route="", kwargs=()):
    for pattern in (resolver or get_resolver()).url_patterns:
        regex = pattern.pattern.regex
        names = kwargs + tuple(regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from walk(pattern, inner, route + str(pattern.pattern), names)
        elif isinstance(pattern, URLPattern):
            name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else None
            positional = regex.groups - len(regex.groupindex)
            path = route + str(pattern.pattern)
            yield Route(name, namespace, path, names, positional, pattern.callback)


ALL_ROUTES = list(walk())


def classify(route: Route):
    if route.namespace == "admin":
        return ADMIN
    return ROUTES.get(route.name)


def test_every_route_is_classified():
    missing = [r.key for r in ALL_ROUTES if classify(r) is None]

    assert not missing, f"Say who may open these routes in ROUTES: {missing}"


def test_staff_pages_outside_the_admin_are_the_ones_marked_staff_view():
    marked = {r.name for r in ALL_ROUTES if getattr(r.callback, "staff_only", False)}
    staff = {r.name for r in ALL_ROUTES if isinstance(classify(r), Staff)}

    assert marked == staff


def test_the_table_names_no_route_that_is_gone():
    names = {r.name for r in ALL_ROUTES}

    assert not set(ROUTES) - names


# --- What the site holds --------------------------------------------------------------


@pytest.fixture
def site(incident, make_incident, make_update, import_affected, make_customer, roles):
    """One of each thing a route can show, the secrets among them."""
    draft = make_incident(slug="embargoed", title=DRAFT_TITLE, is_published=False)
    update = make_update()
    incident_services.faq_save(faq=FAQ(question="Was my card taken?", answer="No.", order=1))
    import_affected(
        "email,categories,tier,remedy_code\r\nann@example.com,password-hash,standard,\r\n"
    )
    bob = make_customer("bob@example.com", None)
    ticket = support_services.ticket_create(
        user=bob, subject=TICKET_SUBJECT, category=Category.WAS_I_AFFECTED, body="Help."
    ).ticket
    CannedResponse.objects.create(title="Not affected", body="Hello {name}.")
    campaign = Campaign.objects.create(incident=incident, name="n", subject="s", body="b")
    Subscription.objects.create(email="sub@example.com", incident=incident)
    # A report draft about the unpublished incident: the comms team's alone.
    obligation = clocks.obligation_save(
        obligation=Obligation(incident=draft, regime=Regime.objects.get(name="GDPR Art. 33"))
    )
    draft_start(obligation=obligation, user=None)
    return {
        "published": incident,
        "draft": draft,
        "update": update,
        "ticket": ticket,
        "campaign": campaign,
        "batch": ImportBatch.objects.get(),
        "obligation": obligation,
    }


@pytest.fixture
def roles():
    # The groups support/migrations/0002_roles.py made (a transactional test would lose them).
    assert Group.objects.filter(name__in=["Support agents", "Comms team"]).count() == 2


def model_of(route: Route):
    """The model an admin route is about, read from its name or its address."""
    match = re.match(r"admin:(\w+?)_(\w+?)_", route.name or "") or re.match(
        r"admin/(\w+)/(\w+)/", route.route
    )
    if not match:
        return None
    try:
        model = apps.get_model(match[1], match[2])
    except LookupError:
        return None
    return get_user_model() if model._meta.swapped else model  # auth_user_password_change


def url(route: Route, site) -> str:
    """The route's address, in English, filled with real objects where they matter."""
    with translation.override(settings.LANGUAGE_CODE):  # a page visited may switch it
        return _url(route, site)


def _url(route: Route, site) -> str:
    model = model_of(route)
    obj = model._base_manager.order_by("pk").first() if model else None
    values = {
        "slug": site["draft" if route.name == "incidents:incident-preview" else "published"].slug,
        "update_id": site["update"].pk,
        "reference": site["ticket"].reference,
        "ticket_id": site["ticket"].pk,
        "batch_id": site["batch"].pk,
        "pk": site["campaign"].pk if model is Campaign else obj.pk if model is Draft else 1,
        "obligation_id": site["obligation"].pk,
        "incident_id": site["draft"].pk,
        "id": obj.pk if obj else 1,
        "object_id": obj.pk if obj else 1,
        "content_type_id": ContentType.objects.get_for_model(Incident).pk,
        "app_label": "incidents",
        "code": "es",
        "path": "nothing-here",
        "url": "nothing-here/",
        "uidb36": "1",
        "key": "not-a-key",
        "token": "not-a-token",
    }
    if route.name == "admin:view_on_site":
        values["object_id"] = site["published"].pk
    kwargs = {name: values[name] for name in route.kwargs}
    if route.name is None:  # the admin's unnamed ones: old addresses and its catch-all
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), route.route)
        return "/" + re.sub(r"\(\?P<url>\.\*\)\$$", kwargs.get("url", ""), path)
    if route.positional:  # django-simple-history: the object, then one of its versions
        versions = getattr(obj, "history", None)
        history = versions.order_by("pk").first() if versions is not None else None
        return reverse(route.name, args=[obj.pk if obj else 1, history.pk if history else 1])
    return reverse(route.name, kwargs=kwargs)


# --- The people -----------------------------------------------------------------------


@dataclass
class Person:
    label: str
    user: object = None
    methods: tuple[str, ...] = ()

    def __post_init__(self):
        # An error is one more finding of the walk, not the end of it.
        self.client = Client(raise_request_exception=False)

    def get(self, address):
        return self._signed_in_again().get(address)

    def post(self, address):
        return self._signed_in_again().post(address)

    def _signed_in_again(self) -> Client:
        # A refusal may have signed them out (core.staff): each page is tried signed in.
        if self.user is not None and "_auth_user_id" not in self.client.session:
            sign_in(self.client, self.user, *self.methods)
        return self.client

    def may(self, page: Staff) -> bool:
        return self.user is not None and page.allows(self.user)


@pytest.fixture
def people(make_person, make_customer, roles):
    def staff(email, *, group=None, superuser=False, factor=True):
        return make_person(email, staff=True, superuser=superuser, factor=factor, group=group)

    return {
        "anonymous": Person("anonymous"),
        "customer": Person("customer", make_customer("alice@example.com", None), ("password",)),
        "stolen password, no factor": Person(
            "stolen password, no factor",
            staff("boss@example.com", superuser=True, factor=False),
            ("password",),
        ),
        "stolen password, factor unused": Person(
            "stolen password, factor unused",
            staff("chief@example.com", superuser=True),
            ("password",),
        ),
        "support agent": Person(
            "support agent",
            staff("agent@example.com", group="Support agents"),
            ("password", "mfa"),
        ),
        "comms member": Person(
            "comms member",
            staff("comms-member@example.com", group="Comms team"),
            ("password", "mfa"),
        ),
    }


def opened(person: Person, site) -> list[tuple[Route, str, object]]:
    return [(r, address, person.get(address)) for r in ALL_ROUTES for address in [url(r, site)]]


def model_permissions(model) -> set[str]:
    content_type = ContentType.objects.get_for_model(model)
    return {
        f"{content_type.app_label}.{codename}"
        for codename in Permission.objects.filter(content_type=content_type).values_list(
            "codename", flat=True
        )
    }


def text_of(response) -> str:
    """The page's text; a streamed one (a CSV export) read once and kept for the next look."""
    if response.streaming:
        if not hasattr(response, "walked_text"):
            response.walked_text = b"".join(response.streaming_content).decode(errors="replace")
        return response.walked_text
    return response.content.decode(errors="replace")


def what_is_wrong(person: Person, route: Route, response) -> str | None:
    """None when the person got what the route's class allows them; else what went wrong."""
    status, kind = response.status_code, classify(route)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return f"{status}"
    body = text_of(response)
    rightful = person.label in {"support agent", "comms member"}
    if not rightful and (leaked := [s for s in SECRETS if s in body]):
        return f"shows {leaked}"
    if kind == SIGNED_IN and person.user is None and status == HTTPStatus.OK:
        return "open to anonymous"
    if kind == ADMIN or isinstance(kind, Staff):
        if not rightful:
            return "open" if status == HTTPStatus.OK else None
        if isinstance(kind, Staff):
            expected = HTTPStatus.OK if person.may(kind) else HTTPStatus.FORBIDDEN
            return None if status == expected else f"{status}, not {expected}"
        if route.name == "admin:index" and status != HTTPStatus.OK:
            return f"{status}, not 200"
        model = model_of(route)
        if model and not model_permissions(model) & person.user.get_all_permissions():
            return "open to a role without the model" if status == HTTPStatus.OK else None
    return None


PEOPLE = [
    "anonymous",
    "customer",
    "stolen password, no factor",
    "stolen password, factor unused",
    "support agent",
    "comms member",
]


@pytest.mark.parametrize("who", PEOPLE)
def test_every_route_gives_each_person_only_what_is_theirs(people, site, who):
    person = people[who]

    wrong = [
        f"{route.key} {address}: {problem}"
        for route, address, response in opened(person, site)
        if (problem := what_is_wrong(person, route, response))
    ]

    assert not wrong, "\n".join(wrong)


def shown_at(person: Person, site, secret: str) -> list[str]:
    return [
        address
        for _route, address, response in opened(person, site)
        if secret in text_of(response)
    ]


def test_the_comms_team_reads_no_customer_question_anywhere(people, site):
    assert not shown_at(people["comms member"], site, TICKET_SUBJECT)


def test_support_agents_read_no_unpublished_incident_anywhere(people, site):
    assert not shown_at(people["support agent"], site, DRAFT_TITLE)


@pytest.mark.parametrize("who", [*PEOPLE[:4], "support agent"])
def test_posting_to_a_staff_page_outside_the_admin_changes_nothing_for_the_wrong_person(
    people, site, who
):
    staff_pages = [url(r, site) for r in ALL_ROUTES if isinstance(classify(r), Staff)]

    answers = {address: people[who].post(address).status_code for address in staff_pages}

    assert HTTPStatus.OK not in answers.values(), answers
    assert list(Campaign.objects.all()) == [site["campaign"]]  # the funnel drafted none

    assert not Campaign.objects.exclude(pk=site["campaign"].pk).exists()
