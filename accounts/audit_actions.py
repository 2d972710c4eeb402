"""
The actions the audit trail records about people's accounts and staff access.

Registered in the app's AppConfig.ready (audit.actions.actions_register): a new action
needs no migration of audit.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    PASSWORD_RESET_FORCED = "account.password_reset_forced", _("New password required")
    PASSWORD_SET = "account.password_set", _("Password set by staff")
    PASSWORD_DISABLED = "account.password_disabled", _("Password sign-in disabled by staff")
    ACCESS_CHANGED = "account.access_changed", _("Staff access changed")
    MFA_ADDED = "account.mfa_added", _("Two-factor method added")
    MFA_REMOVED = "account.mfa_removed", _("Two-factor method removed")
    RECOVERY_CODES_RESET = "account.recovery_codes_reset", _("Recovery codes regenerated")
