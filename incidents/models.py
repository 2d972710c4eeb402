from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Status(models.TextChoices):
    # Statuspage's incident statuses, plus "contained", which breach notices need.
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    CONTAINED = "contained", _("Contained")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


class Severity(models.TextChoices):
    # Statuspage calls this "impact"; the API uses these exact values.
    NONE = "none", _("None")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class DataCategory(models.Model):
    """A kind of personal data, with what a customer should do if it leaked."""

    slug = models.SlugField(unique=True, help_text=_("Used in the affected-people CSV."))
    name = models.CharField(max_length=100)
    advice = models.TextField(
        help_text=_("Plain-language advice for a customer whose data of this kind leaked.")
    )
    requires_password_reset = models.BooleanField(
        default=False,
        help_text=_("Customers whose data of this kind leaked must choose a new password."),
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = _("data categories")

    def __str__(self):
        return self.name


class IncidentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Incident(models.Model):
    """One breach, told to the public as a notice and a timeline of updates."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text=_("One or two sentences for lists and feeds."))
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.INVESTIGATING,
        help_text=_("Status until the first update; then the latest public update's status."),
    )
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.MAJOR)
    data_categories = models.ManyToManyField(DataCategory, blank=True, related_name="incidents")
    what_happened = models.TextField(_("what happened"), help_text=_("Markdown."))
    what_information = models.TextField(
        _("what information was involved"),
        blank=True,
        help_text=_("Markdown, shown above the list of data categories."),
    )
    what_we_are_doing = models.TextField(_("what we are doing"), help_text=_("Markdown."))
    what_you_can_do = models.TextField(
        _("what you can do"),
        blank=True,
        help_text=_("Markdown, shown above the advice for each data category."),
    )
    more_information = models.TextField(
        _("for more information"), blank=True, help_text=_("Markdown.")
    )
    detected_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the breach was confirmed: regulators' clocks start here."),
    )
    disclosed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    is_published = models.BooleanField(
        default=False, help_text=_("Visible on the public site, feeds and API.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True)
                | Q(detected_at__isnull=True)
                | Q(confirmed_at__gte=models.F("detected_at")),
                name="incident_confirmed_after_detected",
                violation_error_message=_(
                    "An incident cannot be confirmed before it is detected."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("incidents:incident-detail", args=[self.slug])


class UpdateQuerySet(models.QuerySet):
    def published(self, now=None):
        return self.filter(incident__is_published=True, publish_at__lte=now or timezone.now())

    def scheduled(self, now=None):
        return self.filter(incident__is_published=True, publish_at__gt=now or timezone.now())


class Update(models.Model):
    """A timeline entry. Public from publish_at on; a draft has no publish_at."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=20, choices=Status.choices)
    body = models.TextField(help_text=_("Markdown."))
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "In UTC. Empty: a draft nobody sees. In the future: published automatically at "
            "that time. Now or in the past: published at once."
        ),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when the text or status changes after publication, so readers are told.
    revised_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-id"]

    def __str__(self):
        return f"{self.incident}: {self.get_status_display()}"

    def get_absolute_url(self):
        return f"{self.incident.get_absolute_url()}#update-{self.pk}"

    def is_public(self, now=None):
        return self.publish_at is not None and self.publish_at <= (now or timezone.now())

    @property
    def was_edited(self):
        return self.revised_at is not None


class FAQQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True).filter(
            Q(incident__isnull=True) | Q(incident__is_published=True)
        )


class FAQ(models.Model):
    """A question and answer, about one incident or about all of them."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="faqs",
        help_text=_("Empty: a general question, shown for every incident."),
    )
    question = models.CharField(max_length=300)
    answer = models.TextField(help_text=_("Markdown."))
    order = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = FAQQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQs")

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return f"{reverse('incidents:faq-list')}#faq-{self.pk}"
