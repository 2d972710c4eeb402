import io
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.selectors import user_exposure_report
from incidents.models import Exposure, ImportBatch
from incidents.services import imports

pytestmark = pytest.mark.django_db

ME = reverse("accounts:me")


@pytest.fixture
def make_customer(django_user_model):
    def make(email, *, verified=True):
        user = django_user_model.objects.create_user(email, "a-long-demo-password")
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make


@pytest.fixture
def affected_list(incident):
    def load(*lines):
        content = "email,categories,tier,remedy_code\r\n" + "".join(
            f"{line}\r\n" for line in lines
        )
        batch = ImportBatch.objects.create(incident=incident, original_name="list.csv")
        imports.import_batch_run(batch=batch, source=io.BytesIO(content.encode()))

    return load


def test_signing_in_is_required(client):
    response = client.get(ME)

    assert response.status_code == HTTPStatus.FOUND
    assert reverse("account_login") in response["Location"]


def test_affected_customer_sees_their_data_advice_message_and_remedy(
    client, make_customer, affected_list, incident
):
    incident.message_priority = "We are **deeply** sorry."
    incident.remedy_instructions = "Enroll with the provider."
    incident.save()
    affected_list("alice@example.com,password-hash,priority,CM-1234")
    client.force_login(make_customer("alice@example.com"))

    page = client.get(ME).content.decode()

    assert "Your information was involved" in page
    assert "Password (hashed)" in page
    assert "Set a <strong>new password</strong> now." in page  # the category's advice
    assert "We are <strong>deeply</strong> sorry." in page  # the priority tier's message
    assert "CM-1234" in page
    assert "Enroll with the provider." in page
    assert "Please set a new password." in page


def test_no_request_for_a_new_password_once_one_is_set(client, make_customer, affected_list):
    from accounts.services import password_changed

    affected_list("alice@example.com,password-hash,standard,")
    alice = make_customer("alice@example.com")
    password_changed(user=alice)
    client.force_login(alice)

    page = client.get(ME).content.decode()

    assert "Password (hashed)" in page  # still told what was involved
    assert "Please set a new password." not in page


def test_unaffected_customer_is_told_clearly(client, make_customer, affected_list):
    affected_list("alice@example.com,password-hash,standard,")
    client.force_login(make_customer("bob@example.com"))

    page = client.get(ME).content.decode()

    assert "Your account was not in the affected data" in page
    assert "Your information was involved" not in page


def test_an_address_in_another_case_still_matches(client, make_customer, affected_list):
    affected_list("  Alice@Example.COM ,password-hash,standard,")
    client.force_login(make_customer("alice@example.com"))

    assert "Your information was involved" in client.get(ME).content.decode()


def test_unverified_addresses_are_not_looked_up(client, make_customer, affected_list):
    affected_list("mallory-target@example.com,password-hash,standard,")
    client.force_login(make_customer("mallory-target@example.com", verified=False))

    page = client.get(ME).content.decode()

    assert "First, confirm your email address" in page
    assert "Your information was involved" not in page
    assert "not in the affected data" not in page


def test_the_page_is_private_and_never_cached(client, make_customer):
    client.force_login(make_customer("bob@example.com"))

    response = client.get(ME)

    assert "private" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_lookup_needs_three_queries_whatever_the_size_of_the_list(
    make_customer, affected_list, make_incident
):
    for n in range(3):
        make_incident(slug=f"other-{n}")
    affected_list(*[f"person{n}@example.com,password-hash,standard," for n in range(500)])
    user = make_customer("person7@example.com")
    EmailAddress.objects.create(user=user, email="second@example.com", verified=True)
    assert Exposure.objects.count() == 500

    with CaptureQueriesContext(connection) as queries:
        _, incidents = user_exposure_report(user=user)

    assert len(queries) <= 3, [q["sql"] for q in queries]
    assert len(incidents) == 4
    assert [i.affected for i in incidents].count(True) == 1


def test_the_verdict_comes_before_the_checklist_and_offers_to_ask_us(
    client, make_customer, affected_list, incident
):
    affected_list("alice@example.com,password-hash,priority,CM-1234")
    client.force_login(make_customer("alice@example.com"))

    page = client.get(ME).content.decode()

    assert page.index("Your information was involved") < page.index("Make your account safe")
    ask = reverse("support:ticket-new") + f"?incident={incident.slug}"
    assert f'href="{ask}"' in page
    form = client.get(ask).content.decode()
    # The question starts about this incident: its option is the one selected.
    assert f'value="{incident.pk}" selected' in form


def test_the_page_has_one_name_in_the_menu_title_and_heading(client, make_customer):
    client.force_login(make_customer("bob@example.com"))

    page = client.get(ME).content.decode()

    assert "<title>Was I affected?" in page
    assert "<h1>Was I affected?</h1>" in page
    assert 'aria-current="page">Was I affected?</a>' in page or ">Was I affected?</a>" in page
    for other_name in ("Your status", "Check your account"):
        assert other_name not in page
