"""The one way an email address becomes the key of an exposure."""

import hashlib
import hmac
import unicodedata
from collections.abc import Callable

from .conf import app_settings


def email_normalise(email: str) -> str:
    """Trim, compose Unicode and lower-case: `  Alice@Example.COM ` is `alice@example.com`."""
    email = email.strip()
    if not email.isascii():
        email = unicodedata.normalize("NFC", email)
    return email.lower()


def email_digest(email: str) -> bytes:
    """HMAC-SHA256 of the normalised address, keyed by EXPOSURE_DIGEST_KEY: 32 bytes."""
    return normalised_email_digest_function()(email_normalise(email))


def normalised_email_digest_function() -> Callable[[str], bytes]:
    """A digest function for already normalised addresses, for a million in a row."""
    key = app_settings.EXPOSURE_DIGEST_KEY.encode()
    return lambda normalised: hmac.digest(key, normalised.encode(), hashlib.sha256)
