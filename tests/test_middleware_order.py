"""
The order of settings.MIDDLEWARE where it matters, and at most five middlewares of ours,
each with its reason beside it in settings.py.
"""

from pathlib import Path

import pytest
from django.conf import settings

OURS = ("core.", "accounts.", "incidents.", "support.", "notifications.", "audit.", "portal.")

# (first, then): `first` must come before `then`, and why.
MUST_PRECEDE = [
    # Every response carries its id, static files and early answers included.
    ("core.middleware.RequestIdMiddleware", "django.middleware.security.SecurityMiddleware"),
    ("core.middleware.RequestIdMiddleware", "whitenoise.middleware.WhiteNoiseMiddleware"),
    # Static files and early answers carry the same headers as rendered pages.
    ("core.middleware.CSPMiddleware", "whitenoise.middleware.WhiteNoiseMiddleware"),
    (
        "django_permissions_policy.PermissionsPolicyMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ),
    ("django.middleware.security.SecurityMiddleware", "core.middleware.EarlyAnswerMiddleware"),
    # Static files are answered before any of our work.
    ("whitenoise.middleware.WhiteNoiseMiddleware", "core.middleware.EarlyAnswerMiddleware"),
    # Early answers get their 304s; and no-store is set before it would add an ETag to a
    # private page.
    ("django.middleware.http.ConditionalGetMiddleware", "core.middleware.EarlyAnswerMiddleware"),
    # Kept public pages, repeat refusals and the password budget: before any session read.
    (
        "core.middleware.EarlyAnswerMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
    ),
    ("core.middleware.EarlyAnswerMiddleware", "django.middleware.locale.LocaleMiddleware"),
    ("core.middleware.EarlyAnswerMiddleware", "django.middleware.csrf.CsrfViewMiddleware"),
    # Who is signed in, and how, is known before these judge the request.
    (
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "accounts.middleware.SignedInPersonMiddleware",
    ),
    (
        "allauth.account.middleware.AccountMiddleware",
        "accounts.middleware.SignedInPersonMiddleware",
    ),
    ("django_htmx.middleware.HtmxMiddleware", "accounts.middleware.SignedInPersonMiddleware"),
    (
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "core.middleware.StaffTwoFactorMiddleware",
    ),
    # The forced new password's message is kept for the page it redirects to.
    (
        "django.contrib.messages.middleware.MessageMiddleware",
        "accounts.middleware.SignedInPersonMiddleware",
    ),
]


def test_request_id_is_the_outermost_middleware():
    assert settings.MIDDLEWARE[0] == "core.middleware.RequestIdMiddleware"


@pytest.mark.parametrize(("first", "then"), MUST_PRECEDE)
def test_middleware_that_must_run_first_does(first, then):
    order = settings.MIDDLEWARE

    assert order.index(first) < order.index(then), f"{first} must come before {then}"


def test_at_most_five_middlewares_of_ours_each_with_its_reason():
    ours = [name for name in settings.MIDDLEWARE if name.startswith(OURS)]
    lines = Path(settings.BASE_DIR, "portal", "settings.py").read_text().splitlines()

    # Five: the fifth is django-csp's own, subclassed to build its header once.
    assert len(ours) <= 5, ours
    for name in ours:
        line = next(i for i, text in enumerate(lines) if f'"{name}"' in text)
        assert lines[line - 1].strip().startswith("# Ours:"), f"{name} has no reason beside it"
