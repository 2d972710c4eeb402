"""allauth's account events, handed to our services."""

from allauth.mfa import signals as mfa_signals
from django.utils.translation import get_language

from . import services


def on_logged_in(sender, request, user, **kwargs):
    services.password_requirement_refresh(user=user)
    services.user_language_set(user=user, language=get_language())


def on_password_changed(sender, request, user, **kwargs):
    services.password_changed(user=user, request=request)


# An account started with someone else's address: see services.address_proven.
def on_signed_up(sender, request, user, **kwargs):
    services.account_password_known_here(request=request, user=user)


def on_authentication_step(sender, request, user, method, **kwargs):
    # A person back in a new browser types the password, then the code sent to the
    # address: whoever chose the password holds the mailbox too.
    if method == "password":
        services.account_password_known_here(request=request, user=user)


def on_email_confirmed(sender, request, email_address, **kwargs):
    services.address_proven(request=request, email_address=email_address)


def on_password_reset(sender, request, user, **kwargs):
    services.address_proven_by_reset(request=request, user=user)


MFA_CHANGES = {
    mfa_signals.authenticator_added: "added",
    mfa_signals.authenticator_removed: "removed",
    mfa_signals.authenticator_reset: "reset",
}


def on_authenticator_changed(sender, request, user, authenticator, signal, **kwargs):
    services.staff_mfa_changed(user=user, change=MFA_CHANGES[signal], kind=authenticator.type)
