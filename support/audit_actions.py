"""
The actions the audit trail records about questions in the support inbox.

Registered in the app's AppConfig.ready (audit.actions.actions_register): a new action
needs no migration of audit.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    TICKET_REPLIED = "ticket.replied", _("Question answered")
    TICKET_NOTED = "ticket.noted", _("Internal note added")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("Question status changed")
    TICKET_ASSIGNED = "ticket.assigned", _("Question assigned")
    TICKET_CALL_LOGGED = "ticket.call_logged", _("Phone call logged")
    TICKET_MERGED = "ticket.merged", _("Questions merged")
    MACRO_APPLIED = "ticket.macro_applied", _("Macro applied to a question")
    BULK_ANSWER_SENT = "support.bulk_answer_sent", _("One answer sent to many questions")
    TICKETS_EXPORTED = "support.tickets_exported", _("Questions exported to CSV")
