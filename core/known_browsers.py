"""
Browsers that signed in before: a signed cookie naming the addresses signed in with it.

In a storm of guesses from a leaked address list, every bot's attempt is as well formed as
a person's, and the budget of password checks (core.password_budget) cannot tell them
apart before the hash. A browser that once signed in to an account (by password or by an
emailed code) can be told apart: it carries this cookie, which the bots holding the list do
not have, and its sign-ins to that account take the places kept for known browsers.

This is OWASP's "device cookie" (Slow Down Online Guessing Attacks with Device Cookies):
the cookie grants a place in the queue, never a sign-in. It holds no address, only keyed
digests of them (HMAC with the site's secret), and is signed, so it cannot be forged or
moved to another address; a stolen one gives a place to someone who must still know the
password, and allauth's per-account limit of failed sign-ins still holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from .conf import app_settings

COOKIE_NAME = "candor_browser"
_SALT = "candor.known-browsers"
# A browser shared by a family, or one person's several addresses; older ones drop out.
MOST_ADDRESSES = 8


def _digest(address: str) -> str:
    return salted_hmac(_SALT, address.strip().lower()).hexdigest()[:24]


def _digests(request: HttpRequest) -> list[str]:
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return []
    try:
        digests = signing.loads(value, salt=_SALT, max_age=app_settings.KNOWN_BROWSER_DAYS * 86400)
    except signing.BadSignature:  # forged, altered or expired
        return []
    return [d for d in digests if isinstance(d, str)] if isinstance(digests, list) else []


def is_known_browser(request: HttpRequest, address: str | None) -> bool:
    """Whether this browser signed in to the account of `address` before."""
    digests = _digests(request)  # most sign-ins in a storm carry none: no HMAC for them
    return bool(address and digests) and _digest(address) in digests


def cookie_value(addresses: Iterable[str], known_before: Iterable[str] = ()) -> str:
    """The cookie of a browser known for `addresses` (and the digests it had, after)."""
    new = list(dict.fromkeys(_digest(a) for a in addresses if a))
    digests = new + [d for d in known_before if d not in new]
    return signing.dumps(digests[:MOST_ADDRESSES], salt=_SALT)


def remember_browser(request: HttpRequest, response: HttpResponse, addresses: Iterable[str]):
    """After a sign-in: this browser is known for these addresses (the account's)."""
    response.set_cookie(
        COOKIE_NAME,
        cookie_value(addresses, _digests(request)),
        max_age=app_settings.KNOWN_BROWSER_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
