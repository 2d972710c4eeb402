"""
The actions the audit trail records about campaigns.

Registered in the app's AppConfig.ready (audit.actions.actions_register): a new action
needs no migration of audit.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CAMPAIGN_SENT = "campaign.sent", _("Campaign sent")
    CAMPAIGN_TEST_SENT = "campaign.test_sent", _("Campaign test sent to its sender")
