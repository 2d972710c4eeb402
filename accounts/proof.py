"""
What this session's sign-in proved, read from allauth's records of it: whether the
person showed, by an emailed code or a password-reset link, that she reads the mail
sent to her address. That is what a password reset asks for; once shown, the exposed
password she may not remember is not asked for again.
"""

import time

from allauth.account.authentication import get_authentication_records

# allauth's names for the sign-ins that go through the person's mailbox.
MAILBOX_METHODS = {"code", "password_reset"}

# How long that proof lets her choose a password without the old one: time to think of
# a passphrase and type it on a phone, as long as the code itself was good for. After
# it, a session left open is asked for a new code, as allauth's reauthentication asks
# for the password before the other sensitive changes.
MAILBOX_PROOF_SECONDS = 10 * 60


def mailbox_proved_at(request) -> float | None:
    """When this session last proved control of the account's address (a Unix time), if it did."""
    records = get_authentication_records(request, request.user)
    return max((r["at"] for r in records if r.get("method") in MAILBOX_METHODS), default=None)


def mailbox_proved_recently(request) -> bool:
    """Whether that proof is recent enough to set a new password without the old one."""
    at = mailbox_proved_at(request)
    return at is not None and time.time() - at < MAILBOX_PROOF_SECONDS
