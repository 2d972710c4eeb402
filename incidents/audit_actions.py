"""
The actions the audit trail records about incidents, their timeline, FAQs and data
categories, imports and exports of affected people, and regulatory filings.

Registered in the app's AppConfig.ready (audit.actions.actions_register): a new action
needs no migration of audit.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    INCIDENT_CREATED = "incident.created", _("Incident created")
    INCIDENT_EDITED = "incident.edited", _("Incident edited")
    INCIDENT_PUBLISHED = "incident.published", _("Incident published")
    INCIDENT_UNPUBLISHED = "incident.unpublished", _("Incident unpublished")
    UPDATE_DRAFTED = "update.drafted", _("Update saved as a draft")
    UPDATE_SCHEDULED = "update.scheduled", _("Update scheduled")
    UPDATE_PUBLISHED = "update.published", _("Update published")
    UPDATE_EDITED = "update.edited", _("Public update corrected")
    FAQ_CREATED = "faq.created", _("FAQ created")
    FAQ_EDITED = "faq.edited", _("FAQ edited")
    CATEGORY_CREATED = "category.created", _("Data category created")
    CATEGORY_EDITED = "category.edited", _("Data category edited")
    CONTENT_DELETED = "content.deleted", _("Deleted (incident, update, FAQ or category)")
    IMPORT_STARTED = "import.started", _("Import of affected people started")
    IMPORT_FINISHED = "import.finished", _("Import of affected people finished")
    IMPORT_FAILED = "import.failed", _("Import of affected people failed")
    OBLIGATION_FILED = "obligation.filed", _("Regulatory notification filed")
    EXPORT_AFFECTED = "export.affected", _("Affected addresses exported")
