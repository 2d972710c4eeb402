"""The one way an email address becomes the key of an exposure."""

import hashlib
import hmac
import unicodedata

from django.conf import settings


def email_normalise(email: str) -> str:
    """Trim, compose Unicode and lower-case: `  Alice@Example.COM ` is `alice@example.com`."""
    return unicodedata.normalize("NFC", email.strip()).lower()


def email_digest(email: str) -> bytes:
    """HMAC-SHA256 of the normalised address, keyed by EXPOSURE_DIGEST_KEY: 32 bytes."""
    return hmac.new(
        settings.EXPOSURE_DIGEST_KEY.encode(), email_normalise(email).encode(), hashlib.sha256
    ).digest()
