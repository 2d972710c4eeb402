"""
allauth's two-factor app under a plain name in the admin ("MFA" is allauth's). A module of
its own: with a second AppConfig in accounts/apps.py Django could no longer tell which
one is the accounts app's, and AccountsConfig.ready() (its signals) would not run.
"""

from allauth.mfa.apps import MFAConfig
from django.utils.translation import gettext_lazy as _


class TwoFactorConfig(MFAConfig):
    verbose_name = _("Two-factor authentication")
