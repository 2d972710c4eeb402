"""Password rules after a breach (NIST SP 800-63B-4: length, no composition rules)."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CONTEXT_LIST = Path(__file__).parent / "data" / "context-passwords.txt"


class NotExposedPasswordValidator:
    """The new password may not be the one that was exposed (the current one)."""

    def validate(self, password, user=None):
        known = user is not None and user.pk and user.has_usable_password()
        if known and user.check_password(password):
            raise ValidationError(
                _("This is the password that was exposed. Choose one you have never used."),
                code="password_exposed",
            )

    def get_help_text(self):
        return _("It must not be your current password.")


class MaximumLengthValidator:
    """Long passphrases are welcome; a bound keeps hashing cheap for everyone."""

    def __init__(self, max_length=256):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("Use at most %(max)d characters.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Up to %(max)d characters, spaces included.") % {"max": self.max_length}


class ContextPasswordValidator:
    """
    Refuses passwords built on this company, this site or this breach, which
    attackers try first after a disclosure (NIST's "context-specific words").
    """

    def validate(self, password, user=None):
        folded = "".join(password.lower().split())
        if any(word in folded for word in _context_words()):
            raise ValidationError(
                _("Choose a password without our name or words about this incident in it."),
                code="password_contextual",
            )

    def get_help_text(self):
        return _("Do not use our company's name or words about the incident.")


@cache
def _context_words() -> frozenset[str]:
    words = {line.strip().lower() for line in CONTEXT_LIST.read_text().splitlines()}
    for name in (settings.COMPANY_NAME, settings.SITE_NAME):
        words.add("".join(name.lower().split()))
    return frozenset(w for w in words if len(w) >= 5 and not w.startswith("#"))
