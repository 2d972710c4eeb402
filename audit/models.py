"""What staff did, who did it and when: a record that is written once and never changed."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .actions import action_label, action_validate


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
    # Plain text, checked against the actions the apps register (audit/actions.py).
    action = models.CharField(_("action"), max_length=64, validators=[action_validate])
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
        return f"{self.actor_label} · {self.action_label} · {self.target_label}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)
