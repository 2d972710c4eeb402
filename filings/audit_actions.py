"""
The actions the audit trail records about reports to regulators: a suggested regime
confirmed, a draft filed. Registered in the app's AppConfig.ready.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    SUGGESTION_CONFIRMED = "filing.suggestion_confirmed", _("Suggested regulator confirmed")
    DRAFT_FILED = "filing.filed", _("Report to a regulator filed (a version of its draft)")
