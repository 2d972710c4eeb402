from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation import settings as translation_settings
from modeltranslation.utils import build_localized_fieldname

from .localized import TranslatableMixin


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


class DataCategory(TranslatableMixin, models.Model):
    """A kind of personal data, with what a customer should do if it leaked."""

    slug = models.SlugField(
        _("short name"),
        unique=True,
        help_text=_("How the affected-people CSV names this category: letters, numbers, hyphens."),
    )
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


class Incident(TranslatableMixin, models.Model):
    """One breach, told to the public as a notice and a timeline of updates."""

    slug = models.SlugField(
        _("web address"),
        unique=True,
        help_text=_(
            "The end of the incident's address, as in /incidents/card-data-2026/: "
            "letters, numbers and hyphens."
        ),
    )
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
    # What signed-in affected customers read on their own page, by tier.
    message_standard = models.TextField(
        _("message to affected customers"),
        blank=True,
        help_text=_("Markdown. Shown privately to every affected customer of this incident."),
    )
    message_priority = models.TextField(
        _("message to priority-tier customers"),
        blank=True,
        help_text=_("Markdown. Shown instead of the message above to the priority tier."),
    )
    remedy_instructions = models.TextField(
        blank=True,
        help_text=_(
            "Markdown. How to use a remedy code, e.g. where to enroll in credit monitoring."
        ),
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
    quiet_hours = models.PositiveSmallIntegerField(
        _("remind after this many hours without an update"),
        default=24,
        help_text=_(
            "Remind the comms team when an unresolved incident has had no public "
            "update for this many hours."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Versions are kept too (`history`: see translation.py).
    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("export_affected", _("Can export the affected addresses"))]
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


class Update(TranslatableMixin, models.Model):
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
    # Languages whose translation predates the original's last correction (",es,"): their
    # readers get the corrected original until it is translated again (see localized.py).
    translations_behind = models.CharField(
        _("translation behind in"), max_length=100, blank=True, default="", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Versions are kept too (`history`: see translation.py).
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

    @staticmethod
    def corrects(before, after) -> bool:
        """
        Whether `after` (an update or a version of one in its history) changes what
        readers of `before` saw: its status, its text, or a translation they were
        already reading. A first translation corrects nothing: until then its
        readers were shown the original, and they still are shown what it says.
        """
        if before.status != after.status:
            return True
        for code in translation_settings.AVAILABLE_LANGUAGES:
            body = build_localized_fieldname("body", code)
            was_read = code == translation_settings.DEFAULT_LANGUAGE or getattr(before, body)
            if was_read and (getattr(before, body) or "") != (getattr(after, body) or ""):
                return True
        return False


class FAQQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True).filter(
            Q(incident__isnull=True) | Q(incident__is_published=True)
        )


class FAQ(TranslatableMixin, models.Model):
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
    # Languages whose translation predates the original's last correction (",es,"): their
    # readers get the corrected original until it is translated again (see localized.py).
    translations_behind = models.CharField(
        _("translation behind in"), max_length=100, blank=True, default="", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Versions are kept too (`history`: see translation.py).
    objects = FAQQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQs")

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return f"{reverse('incidents:faq-list')}#faq-{self.pk}"


class Tier(models.TextChoices):
    # Selects the wording and remedy an affected person gets.
    STANDARD = "standard", _("Standard")
    PRIORITY = "priority", _("Priority")


class Exposure(models.Model):
    """
    One affected person in one incident, known only by a keyed digest of their email.

    The list is imported before most people have accounts, so the raw address is
    never stored: a signed-in user's verified addresses are digested the same way
    and looked up. Categories are ids of the incident's data categories.
    """

    # No database foreign key: PostgreSQL would check it once per row, a fifth of a
    # million-row import. Imports lock the incident row instead, so it cannot vanish
    # mid-import, and Django still deletes an incident's exposures with it. The unique
    # index below leads with incident_id, so no separate index is needed either.
    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="exposures",
        db_constraint=False,
        db_index=False,
    )
    # HMAC-SHA256 of the normalised email: 32 bytes, compared and indexed as bytes.
    email_digest = models.BinaryField(max_length=32)
    category_ids = models.JSONField(default=list)
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    remedy_code = models.CharField(max_length=64, blank=True)
    # Where the person lives, when the list says: regulators are chosen by it.
    country = models.CharField(
        max_length=2, blank=True, default="", help_text=_("ISO 3166-1 alpha-2, e.g. DE.")
    )
    region = models.CharField(
        max_length=6, blank=True, default="", help_text=_("ISO 3166-2, e.g. US-CA.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("affected person")
        verbose_name_plural = _("affected people")
        constraints = [
            # Also the index for lookups: (incident, digest) with incident IN (...).
            models.UniqueConstraint(
                fields=["incident", "email_digest"], name="exposure_unique_per_incident"
            ),
        ]

    def __str__(self):
        return f"{self.incident} · {self.email_digest.hex()[:12]}…"


class ImportBatch(models.Model):
    """An uploaded CSV of affected people, imported in the background."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="imports")
    # Empty when the import_exposures command read a file from disk directly.
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=255)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    error_report = models.FileField(upload_to="imports/errors/%Y/%m/", blank=True)
    failure = models.TextField(blank=True, help_text=_("Why the whole import failed."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Touched as rows are done: a running import that stops being touched has died.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import of affected people")
        verbose_name_plural = _("imports of affected people")

    def __str__(self):
        return f"{self.original_name} → {self.incident}"

    @property
    def is_finished(self):
        return self.state in {self.State.DONE, self.State.FAILED}

    @property
    def percent_done(self):
        if self.is_finished:
            return 100
        return min(100, int(100 * self.rows_done / self.total_rows)) if self.total_rows else 0


class Regime(models.Model):
    """A regulatory deadline regime, e.g. GDPR Art. 33: tell the authority within 72 hours."""

    class Start(models.TextChoices):
        AWARENESS = "awareness", _("When the breach was confirmed (awareness)")
        DECISION = (
            "decision",
            _("When it was judged material or reportable (entered per incident)"),
        )

    name = models.CharField(max_length=120, unique=True)
    authority = models.CharField(max_length=200, help_text=_("Whom to notify."))
    starts = models.CharField(max_length=20, choices=Start.choices, default=Start.AWARENESS)
    hours = models.PositiveIntegerField(null=True, blank=True)
    business_days = models.PositiveSmallIntegerField(null=True, blank=True)
    calendar_months = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules (by regulator)")
        constraints = [
            # Exactly one way to count the time.
            models.CheckConstraint(
                condition=(
                    Q(
                        hours__isnull=False,
                        business_days__isnull=True,
                        calendar_months__isnull=True,
                    )
                    | Q(
                        hours__isnull=True,
                        business_days__isnull=False,
                        calendar_months__isnull=True,
                    )
                    | Q(
                        hours__isnull=True,
                        business_days__isnull=True,
                        calendar_months__isnull=False,
                    )
                ),
                name="regime_one_duration",
                violation_error_message=_("Give the deadline in hours, business days or months."),
            ),
        ]

    def __str__(self):
        return self.name


class Obligation(models.Model):
    """One regime's deadline for one incident, until it is filed."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="obligations")
    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="obligations")
    clock_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "Empty: the incident's confirmation time, or, for decision-based regimes, "
            "enter when the decision was made."
        ),
    )
    due_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reference = models.CharField(
        max_length=200, blank=True, help_text=_("The filing's reference.")
    )

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("regulatory deadline")
        constraints = [
            models.UniqueConstraint(fields=["incident", "regime"], name="obligation_once"),
        ]

    def __str__(self):
        return f"{self.regime} · {self.incident}"
