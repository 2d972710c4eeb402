from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    WAS_I_AFFECTED = "affected", _("Was I affected?")
    PASSWORD_2FA = "password", _("Password and two-factor authentication")
    REMEDY = "remedy", _("Remedy or compensation")
    SUSPICIOUS_EMAIL = "phishing", _("A suspicious email or call")
    OTHER = "other", _("Something else")


class Priority(models.TextChoices):
    # Ordered from most to least urgent; first-response targets are in settings.
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    """How the question reached us."""

    WEB = "web", _("Web form")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


class Ticket(models.Model):
    """A customer's question and its conversation."""

    # Short and unguessable enough to read out on the phone; access needs more than this.
    reference = models.CharField(max_length=12, unique=True, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    # Empty for a caller who gave no address: nothing can be sent to them.
    requester_email = models.EmailField(blank=True)
    requester_name = models.CharField(max_length=150, blank=True)
    # The language they asked in: the acknowledgement and every answer are sent in it.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # SHA-256 of the private link's token, for people who asked without an account.
    access_token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    subject = models.CharField(max_length=200)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    # The Message-ID of our acknowledgement: an emailed reply to it continues this question.
    ack_mail_id = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    # Set when this question was merged into another: what continues it goes there.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_from",
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW, db_index=True
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
    )
    first_response_due_at = models.DateTimeField(db_index=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("reply_ticket", _("Can reply to customers and write internal notes")),
            ("export_ticket_text", _("Can export the text of customers' questions")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="ticket_rating_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.subject}"

    def get_absolute_url(self):
        return reverse("support:ticket-detail", args=[self.reference])

    def is_overdue(self, now=None):
        return self.first_responded_at is None and self.first_response_due_at < (
            now or timezone.now()
        )

    @property
    def is_resolved(self):
        return self.status in {TicketStatus.RESOLVED, TicketStatus.CLOSED}


class Message(models.Model):
    """One message in a ticket's conversation; internal notes are for staff only."""

    class Author(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        AGENT = "agent", _("Support")
        SYSTEM = "system", _("System")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=10, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField()
    is_internal = models.BooleanField(
        default=False, help_text=_("An internal note: never shown or sent to the customer.")
    )
    # The Message-ID of the email this message came in as, or went out as (an answer):
    # one email is one message, however often the mailbox hands it to us.
    mail_id = models.CharField(max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mail_id"], condition=~Q(mail_id=""), name="message_mail_id_once"
            ),
        ]

    def __str__(self):
        return f"{self.ticket.reference} · {self.get_author_kind_display()}"


class CannedResponse(models.Model):
    """A reply agents reuse. Placeholders: {name}, {reference}, {incident}, {site_url}."""

    title = models.CharField(max_length=100, unique=True)
    body = models.TextField()
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class Macro(models.Model):
    """
    A canned reply and the changes that go with it (status, priority, assignee, category),
    applied in one step from a question's page after a preview. The reply is the macro's
    own text (one per language) or, where that is empty, a canned response's.
    """

    class Assign(models.TextChoices):
        KEEP = "", _("Leave as it is")
        ME = "me", _("The agent using the macro")
        NOBODY = "nobody", _("Nobody")

    title = models.CharField(_("title"), max_length=100, unique=True)
    body = models.TextField(
        _("reply"),
        blank=True,
        help_text=_("Placeholders: {name}, {reference}, {incident}, {site_url}."),
    )
    canned = models.ForeignKey(
        CannedResponse,
        verbose_name=_("canned response"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Sent when the macro has no reply of its own."),
    )
    set_status = models.CharField(
        _("set status"), max_length=10, choices=TicketStatus.choices, blank=True
    )
    set_priority = models.CharField(
        _("set priority"), max_length=10, choices=Priority.choices, blank=True
    )
    set_assignee = models.CharField(
        _("set assignee"), max_length=10, choices=Assign.choices, blank=True
    )
    set_category = models.CharField(
        _("set category"), max_length=20, choices=Category.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")

    def __str__(self):
        return self.title


class BulkAnswer(models.Model):
    """
    One reply sent to many questions at once (e.g. every "Is my card affected?"), each
    asker getting their own email in their language. Its items (one per question, unique)
    say which were answered: sending again answers only the rest.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    body = models.TextField(
        _("reply"), help_text=_("Placeholders: {name}, {reference}, {incident}, {site_url}.")
    )
    set_status = models.CharField(
        _("status after the answer"),
        max_length=10,
        choices=TicketStatus.choices,
        default=TicketStatus.WAITING,
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bulk answer")
        verbose_name_plural = _("bulk answers")

    def __str__(self):
        return _("Bulk answer %(number)s") % {"number": self.pk}

    @property
    def group(self) -> str:
        """Its emails' group in the outbox, for the progress bar."""
        return f"support-bulk:{self.pk}"


class BulkAnswerItem(models.Model):
    """One question of a bulk answer; `message` is set once its answer is written."""

    bulk_answer = models.ForeignKey(BulkAnswer, on_delete=models.CASCADE, related_name="items")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            # Each asker is answered once per bulk answer, however often it is sent.
            models.UniqueConstraint(
                fields=["bulk_answer", "ticket"], name="bulk_answer_item_once_per_ticket"
            ),
        ]

    def __str__(self):
        return f"{self.bulk_answer_id} · {self.ticket_id}"


class SlaAlert(models.Model):
    """
    An alert that a question's first answer is nearly due (to the agents) or overdue (to
    the leads): one per question and stage, whatever the number of checks.
    """

    class Stage(models.TextChoices):
        APPROACHING = "approaching", _("Answer nearly due, nobody assigned")
        OVERDUE = "overdue", _("Answer overdue")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_alerts")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "stage"], name="sla_alert_once_per_stage")
        ]

    def __str__(self):
        return f"{self.ticket_id} · {self.stage}"


class InboundEmail(models.Model):
    """
    Each email the support mailbox received, once, and what became of it. Its
    Message-ID is unique, so an email handed to us again (the poll stopped before
    marking it read) is recognised and skipped; robots' mail is kept here only.
    """

    class Outcome(models.TextChoices):
        TICKET = "ticket", _("New question")
        REPLY = "reply", _("Reply to a question")
        AUTOMATED = "automated", _("Automated mail (not answered)")
        BOUNCE = "bounce", _("Delivery failure report (not answered)")
        OURS = "ours", _("Sent by us (not answered)")
        TOO_LARGE = "too_large", _("Too large: refused")

    message_id = models.CharField(max_length=255, unique=True)
    from_email = models.CharField(_("from"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(max_length=300, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Whether an acknowledgement went out for it: at most one per address per hour.
    acknowledged = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound email")

    def __str__(self):
        return f"{self.message_id} ({self.get_outcome_display()})"
