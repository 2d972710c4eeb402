"""What staff did, who did it and when: a record that is written once and never changed."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
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
    CAMPAIGN_SENT = "campaign.sent", _("Campaign sent")
    CAMPAIGN_TEST_SENT = "campaign.test_sent", _("Campaign test sent to its sender")
    EXPORT_AFFECTED = "export.affected", _("Affected addresses exported")
    PASSWORD_RESET_FORCED = "account.password_reset_forced", _("New password required")
    PASSWORD_SET = "account.password_set", _("Password set by staff")
    PASSWORD_DISABLED = "account.password_disabled", _("Password sign-in disabled by staff")
    ACCESS_CHANGED = "account.access_changed", _("Staff access changed")
    MFA_ADDED = "account.mfa_added", _("Two-factor method added")
    MFA_REMOVED = "account.mfa_removed", _("Two-factor method removed")
    RECOVERY_CODES_RESET = "account.recovery_codes_reset", _("Recovery codes regenerated")
    TICKET_REPLIED = "ticket.replied", _("Question answered")
    TICKET_NOTED = "ticket.noted", _("Internal note added")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("Question status changed")
    TICKET_ASSIGNED = "ticket.assigned", _("Question assigned")


class AuditEvent(models.Model):
    # The labels are copied at the time: the record still says who and what after
    # the person or the object is deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who"), max_length=255)
    action = models.CharField(_("action"), max_length=64, choices=Action.choices)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(_("what"), max_length=255, blank=True)
    # Counts and reasons; never passwords, tokens, secrets or lists of addresses.
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # Where the request came from, when a person acted through the site.
    ip = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"{self.actor_label} · {self.get_action_display()} · {self.target_label}"
