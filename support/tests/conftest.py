"""Fixtures for the support tests: customers, affected lists, agents and questions."""

from importlib import import_module

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from incidents.digest import email_digest
from incidents.models import Exposure
from support import services
from support.models import Category
from tests.helpers import sign_in

AGENTS = "Support agents"
COMMS = "Comms team"


@pytest.fixture
def make_customer(django_user_model):
    def make(email="alice@example.com", *, verified=True, full_name=""):
        # No password: tests sign in with force_login, and hashing one takes most of a second.
        user = django_user_model.objects.create_user(email, None, full_name=full_name)
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make


@pytest.fixture
def customer(make_customer):
    return make_customer("alice@example.com", full_name="Alice Liddell")


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    client.user = customer
    return client


@pytest.fixture
def affected(incident):
    """Put an address on the incident's affected list, in the given tier."""

    def add(email, *, tier="standard"):
        return Exposure.objects.create(
            incident=incident, email_digest=email_digest(email), tier=tier
        )

    return add


@pytest.fixture
def make_ticket(db):
    """A question as ticket_create records it; returns its TicketCreated (ticket and token)."""

    def make(*, user=None, email="anon@example.com", **fields):
        values = {
            "subject": "Was my password leaked?",
            "category": Category.WAS_I_AFFECTED,
            "body": "I got your email and I am worried.",
        } | fields
        return services.ticket_create(user=user, email="" if user else email, **values)

    return make


@pytest.fixture
def ticket(make_ticket, customer):
    return make_ticket(user=customer).ticket


@pytest.fixture
def roles(db):
    """
    The staff groups that support/migrations/0002_roles.py creates. A transactional
    test's flush deletes them (permissions come back, groups do not): run it again then.
    """
    if Group.objects.filter(name__in=[AGENTS, COMMS]).count() < 2:
        state = MigrationExecutor(connection).loader.project_state(("support", "0002_roles"))
        import_module("support.migrations.0002_roles").create_roles(state.apps, None)


@pytest.fixture
def make_staff(django_user_model, roles):
    def make(email, *, group):
        user = django_user_model.objects.create_user(email, None, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        TOTP.activate(user, generate_totp_secret())  # the admin requires two factors
        return user

    return make


@pytest.fixture
def agent(make_staff):
    return make_staff("agent@example.com", group=AGENTS)


@pytest.fixture
def agent_client(agent):
    client = Client()
    sign_in(client, agent, "password", "mfa")
    client.user = agent
    return client


@pytest.fixture
def comms_client(make_staff):
    user = make_staff("comms-member@example.com", group=COMMS)
    client = Client()
    sign_in(client, user, "password", "mfa")
    client.user = user
    return client


def ask_form(**overrides):
    return {
        "subject": "Was my password leaked?",
        "category": Category.WAS_I_AFFECTED,
        "body": "I got your email and I am worried.",
    } | overrides


@pytest.fixture
def ask():
    """Post the question form as a person would; returns the response."""

    def post(client, *, follow=False, **overrides):
        return client.post(reverse("support:ticket-new"), ask_form(**overrides), follow=follow)

    return post
