"""allauth's account events, handed to our services."""

from allauth.mfa import signals as mfa_signals
from django.utils.translation import get_language

from . import services


def on_logged_in(sender, request, user, **kwargs):
    services.password_requirement_refresh(user=user)
    services.user_language_set(user=user, language=get_language())


def on_password_changed(sender, request, user, **kwargs):
    services.password_changed(user=user, request=request)


MFA_CHANGES = {
    mfa_signals.authenticator_added: "added",
    mfa_signals.authenticator_removed: "removed",
    mfa_signals.authenticator_reset: "reset",
}


def on_authenticator_changed(sender, request, user, authenticator, signal, **kwargs):
    services.staff_mfa_changed(user=user, change=MFA_CHANGES[signal], kind=authenticator.type)
