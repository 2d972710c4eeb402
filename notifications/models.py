from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where an outbox row goes: an inbox, a staff chat channel, a subscriber's endpoint."""

    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    WEBHOOK = "webhook", _("Webhook")


class Notification(models.Model):
    """
    One email, written to the outbox before anything is sent.

    Workers claim pending rows, send them and mark them; a sweep returns rows
    whose worker died. The dedupe key makes enqueueing idempotent, and the
    Message-ID derived from it makes a resend after a crash recognisable as
    the same message.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    dedupe_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, db_index=True)
    # What the email belongs to, e.g. "campaign:12": for progress bars and the funnel.
    group = models.CharField(max_length=60, blank=True, db_index=True)
    # The recipient's tier in a campaign, for the recovery funnel.
    segment = models.CharField(max_length=20, blank=True)
    # Email by default; a chat or webhook row is an HTTP POST of body_text (JSON) to its endpoint.
    channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.EMAIL, db_index=True
    )
    chat_endpoint = models.ForeignKey(
        "ChatEndpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    webhook = models.ForeignKey(
        "WebhookSubscription",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    to_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # Extra headers, e.g. List-Unsubscribe for updates people subscribed to.
    headers = models.JSONField(default=dict, blank=True)
    # The body holds a secret (a sign-in code, a reset link): never shown in admin,
    # and erased once the message is sent or given up.
    secret = models.BooleanField(default=False)
    # Worthless after this (the code in it has expired): given up instead of sent late.
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # What workers and the sweep ask for: due pending rows, stale sending rows.
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
        ]

    def __str__(self):
        return f"{self.kind} to {self.recipient} ({self.get_status_display()})"

    @property
    def recipient(self) -> str:
        """Who it is for, in words: an address, a chat endpoint's name, a webhook's host."""
        if self.chat_endpoint_id:
            return str(self.chat_endpoint)
        if self.webhook_id:
            return urlsplit(self.webhook.url).hostname or ""
        return self.to_email


class Subscription(models.Model):
    """Someone who asked to be emailed every update, of one incident or of all."""

    email = models.EmailField()
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every incident."),
    )
    # The language they subscribed in: their emails are written in it.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "incident"], name="subscription_once_per_incident"
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(incident__isnull=True),
                name="subscription_once_for_all",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.incident or 'all incidents'}"

    @property
    def is_active(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None


class UpdateAnnouncement(models.Model):
    """Marks a timeline update whose emails to subscribers are in the outbox."""

    update = models.OneToOneField("incidents.Update", on_delete=models.CASCADE, related_name="+")
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"update {self.update_id}: {self.recipients} emails"


class Campaign(models.Model):
    """An email to everyone an incident touched (or a part of them), with wording per tier."""

    class Audience(models.TextChoices):
        AFFECTED = "affected", _("Everyone affected")
        STANDARD = "standard", _("Affected, standard tier")
        PRIORITY = "priority", _("Affected, priority tier")
        PASSWORD_NOT_CHANGED = "password", _("Affected, password not changed yet")
        SUBSCRIBERS = "subscribers", _("The incident's email subscribers")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Queued in full")

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120, help_text=_("For you; recipients never see it."))
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.AFFECTED)
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text=_(
            "Plain text. Placeholders: {{ incident }}, {{ categories }}, {{ advice }}, "
            "{{ remedy_code }}, {{ site_url }}. No links: tell readers to type the address."
        )
    )
    subject_priority = models.CharField(
        max_length=200, blank=True, help_text=_("For the priority tier; empty: as above.")
    )
    body_priority = models.TextField(
        blank=True, help_text=_("For the priority tier (apology, remedy); empty: as above.")
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    recipients = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    @property
    def group(self):
        return f"campaign:{self.pk}"


class ChatEndpoint(models.Model):
    """
    A Slack or Microsoft Teams incoming-webhook URL where the staff get alerts.

    The URL is the channel's password (whoever has it can post there): it is never
    shown whole outside its change form, nor logged.
    """

    class Flavour(models.TextChoices):
        SLACK = "slack", _("Slack (or anything that takes Slack's format)")
        TEAMS = "teams", _("Microsoft Teams (Workflows incoming webhook)")

    name = models.CharField(_("name"), max_length=100, help_text=_("E.g. #breach-room."))
    flavour = models.CharField(_("format"), max_length=10, choices=Flavour.choices)
    url = models.URLField(_("incoming-webhook URL"), max_length=500)
    deadlines = models.BooleanField(_("regulatory deadlines"), default=True)
    quiet_incidents = models.BooleanField(_("incidents gone quiet"), default=True)
    published_updates = models.BooleanField(_("published updates"), default=True)
    urgent_questions = models.BooleanField(_("urgent questions"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    disabled_at = models.DateTimeField(
        _("disabled after failures"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("chat endpoint")
        verbose_name_plural = _("chat endpoints")

    def __str__(self):
        return self.name

    @property
    def is_delivering(self):
        return self.is_active and self.disabled_at is None


class WebhookSubscription(models.Model):
    """
    Someone's HTTPS endpoint that receives an incident's updates as Statuspage's
    incident webhook, signed per Standard Webhooks. Confirmed by email (its owner's
    address, also told when the endpoint is disabled after failures).
    """

    url = models.URLField(_("endpoint URL"), max_length=500)
    email = models.EmailField(_("owner's email"))
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every incident."),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # "whsec_" + base64: what signs each delivery. Shown to its owner once, never in admin.
    secret = models.CharField(max_length=100, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    secret_shown_at = models.DateTimeField(null=True, blank=True, editable=False)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    disabled_at = models.DateTimeField(
        _("disabled after failures"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["url", "incident"], name="webhook_once_per_incident"),
            models.UniqueConstraint(
                fields=["url"],
                condition=models.Q(incident__isnull=True),
                name="webhook_once_for_all",
            ),
        ]

    def __str__(self):
        return f"{self.url} → {self.incident or 'all incidents'}"

    @property
    def is_delivering(self):
        return (
            self.confirmed_at is not None
            and self.unsubscribed_at is None
            and self.disabled_at is None
        )


class DeadlineAlert(models.Model):
    """
    A stage of a regulatory clock the comms team was alerted about: the database
    holds each (deadline, stage) once, so two beat runs or two workers alert once.
    """

    class Stage(models.TextChoices):
        HALF = "half", _("half the time gone")
        QUARTER = "quarter", _("a quarter of the time left")
        HOUR = "hour", _("one hour left")
        DUE = "due", _("deadline reached")

    obligation = models.ForeignKey(
        "incidents.Obligation", on_delete=models.CASCADE, related_name="+"
    )
    stage = models.CharField(max_length=10, choices=Stage.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["obligation", "stage"], name="deadline_alert_once"),
        ]

    def __str__(self):
        return f"{self.obligation_id}: {self.stage}"
