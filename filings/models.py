"""
What each regulator asks for (a form of fields, as data), drafts of those reports per
deadline, their versions and what was filed, and the rules that suggest a regulator.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models import Obligation, Regime


class Fact(models.TextChoices):
    # What of the incident prefills a field; the words come from selectors.incident_fact.
    NONE = "", _("Nothing: written by hand")
    SUMMARY = "summary", _("The incident's summary")
    WHAT_HAPPENED = "what_happened", _("Notice: what happened")
    WHAT_INFORMATION = "what_information", _("Notice: what information was involved")
    WHAT_WE_ARE_DOING = "what_we_are_doing", _("Notice: what we are doing")
    WHAT_YOU_CAN_DO = "what_you_can_do", _("Notice: what you can do")
    MORE_INFORMATION = "more_information", _("Notice: for more information (contact point)")
    NOTICE = "notice", _("The whole public notice, section by section")
    PEOPLE = "people", _("People affected, by country and region")
    CATEGORIES = "categories", _("Data categories, with people and records")
    KEY_TIMES = "key_times", _("Key times (detected, confirmed, disclosed, resolved)")


class FilingForm(models.Model):
    """What one regime's report asks for: its fields, in order (FilingField)."""

    regime = models.OneToOneField(Regime, on_delete=models.CASCADE, related_name="filing_form")
    follows = models.ForeignKey(
        Regime,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("later phase of"),
        help_text=_(
            "A report that continues an earlier one (NIS2's notification after its early "
            "warning): its draft starts from what was filed for that regime."
        ),
    )
    instructions = models.TextField(blank=True, help_text=_("Where and how to file."))

    class Meta:
        ordering = ["regime__name"]
        verbose_name = _("report form")

    def __str__(self):
        return str(self.regime)


class FilingField(models.Model):
    form = models.ForeignKey(FilingForm, on_delete=models.CASCADE, related_name="fields")
    order = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(
        max_length=50, help_text=_("Names the field in drafts; a later phase reuses it.")
    )
    label = models.CharField(max_length=200)
    help_text = models.TextField(blank=True)
    source = models.CharField(
        _("source in the law"), max_length=200, help_text=_("E.g. GDPR Art. 33(3)(a).")
    )
    prefill = models.CharField(max_length=30, choices=Fact.choices, blank=True, default="")

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("field")
        constraints = [
            models.UniqueConstraint(fields=["form", "key"], name="filing_field_key_once"),
        ]

    def __str__(self):
        return self.label


class Draft(models.Model):
    """The report for one deadline, as written so far. Every save is a version."""

    obligation = models.OneToOneField(Obligation, on_delete=models.CASCADE, related_name="draft")
    values = models.JSONField(default=dict, help_text=_("Field key → text."))
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("report draft")

    def __str__(self):
        return str(self.obligation)


class Filing(models.Model):
    """A version of a draft sent to the regulator; more than one for reports in phases."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="filings")
    version = models.ForeignKey(Draft.history.model, on_delete=models.PROTECT, related_name="+")
    version_number = models.PositiveIntegerField()
    filed_at = models.DateTimeField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("filing")

    def __str__(self):
        return f"{self.draft} · v{self.version_number}"


class SuggestionRule(models.Model):
    """
    When the affected people suggest a regulator: more than `more_than` of them live in
    one of these countries or regions. A person confirms each suggestion.
    """

    name = models.CharField(max_length=200)
    regime = models.ForeignKey(Regime, on_delete=models.CASCADE, related_name="+")
    countries = models.TextField(
        blank=True, help_text=_("ISO 3166-1 alpha-2 codes, separated by spaces.")
    )
    regions = models.TextField(
        blank=True, help_text=_("ISO 3166-2 codes (e.g. US-CA), separated by spaces.")
    )
    more_than = models.PositiveIntegerField(
        default=0, help_text=_("Suggest only when more people than this live there.")
    )
    source = models.CharField(_("source in the law"), max_length=300)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("suggestion rule")

    def __str__(self):
        return self.name
