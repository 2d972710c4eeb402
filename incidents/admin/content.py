"""Incidents, their timeline, FAQs and data categories: the comms team's daily work."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, strip_tags
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import get_translation_fields
from simple_history.admin import SimpleHistoryAdmin

from .. import selectors, services
from ..exports import affected_csv_rows
from ..invalidation import public_pages_invalidate
from ..markdown import render_markdown
from ..models import FAQ, DataCategory, Incident, Obligation, Status, Update
from ..services import clocks
from ..translation import INCIDENT_TEXTS
from .clocks import ObligationInline
from .languages import (
    INCIDENT_TITLE,
    TranslationBehindFilter,
    TranslationBehindMixin,
    in_english,
    in_other_languages,
)
from .visibility import IncidentFilter, names_hidden_incident, sees_drafts, visible_incidents


class PublicContentMixin:
    """Deleting public content refreshes the public pages too; saves go through services."""

    def delete_model(self, request, obj):
        services.public_content_delete(objects=[obj], actor=request.user)

    def delete_queryset(self, request, queryset):
        services.public_content_delete(objects=queryset, actor=request.user)


class PublicContentAdmin(PublicContentMixin, TranslationAdmin, SimpleHistoryAdmin):
    """Public content that keeps its versions, in every language: the admin shows them."""


# Data categories keep no versions (no history): simple_history's pages for them
# answered 500; Django's own history page lists their changes.
@admin.register(DataCategory)
class DataCategoryAdmin(PublicContentMixin, TranslationAdmin):
    list_display = ["name", "slug", "requires_password_reset", "order"]
    list_editable = ["order"]
    search_fields = [*get_translation_fields("name"), "slug", *get_translation_fields("advice")]
    prepopulated_fields = {"slug": in_english("name")}

    def save_model(self, request, obj, form, change):
        services.data_category_save(category=obj, actor=request.user)


class UpdateStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("scheduled", _("Scheduled")),
            ("public", _("Public")),
            ("edited", _("Edited after publication")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "draft":
                return queryset.filter(publish_at__isnull=True)
            case "scheduled":
                return queryset.filter(publish_at__gt=now)
            case "public":
                return queryset.filter(publish_at__lte=now)
            case "edited":
                return queryset.filter(revised_at__isnull=False)
        return queryset


def update_state(update) -> str:
    if update.publish_at is None:
        return _("Draft")
    if not update.is_public():
        return _("Scheduled")
    return _("Public, edited") if update.was_edited else _("Public")


class CurrentStatusFilter(admin.SimpleListFilter):
    """By the status readers see, as the list shows it."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(current_status=self.value()) if self.value() else queryset


def _saved_as(update: Update) -> str:
    """What a save did, in the words of the timeline: published, scheduled or a draft."""
    if update.publish_at is None:
        return _("Saved as a draft: readers do not see it.")
    if not update.is_public():
        when = date_format(timezone.localtime(update.publish_at, dt.UTC), "j M Y, H:i")
        return _("Scheduled for %(when)s UTC.") % {"when": when}
    if update.revised_at is not None:
        return _("Published, and marked as edited for readers.")
    return _("Published.")


@admin.register(Incident)
class IncidentAdmin(PublicContentAdmin):
    list_display = ["title", "shown_status", "severity", "is_published", "confirmed_at",
                    "preview_link"]  # fmt: skip
    list_filter = ["is_published", CurrentStatusFilter, "severity", "data_categories"]
    search_fields = [*get_translation_fields("title"), "slug", *get_translation_fields("summary")]
    prepopulated_fields = {"slug": in_english("title")}
    # A few categories: boxes to tick, which a screen reader can name (Django's
    # two-list picker marks up its help icons with ARIA it may not carry).
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    date_hierarchy = "created_at"
    readonly_fields = ["preview_link", "timeline_link", "funnel_link", "audit_link", "created_at",
                       "updated_at", "reach"]  # fmt: skip
    inlines = [ObligationInline]
    actions = ["export_affected"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    *in_english("title"),
                    "slug",
                    *in_english("summary"),
                    "is_published",
                    "preview_link",
                ]
            },
        ),
        (
            _("Status"),
            {
                "fields": [
                    "status",
                    "severity",
                    "quiet_hours",
                    "timeline_link",
                    "funnel_link",
                    "audit_link",
                ]
            },
        ),
        (
            _("The notice"),
            {
                "description": _(
                    "The sections regulators expect of a breach notice. Markdown is allowed."
                ),
                "fields": [
                    *in_english("what_happened", "what_information"),
                    "data_categories",
                    *in_english("what_we_are_doing", "what_you_can_do", "more_information"),
                ],
            },
        ),
        (
            _("Who was affected, and where"),
            {
                "description": _(
                    "Counted from the imported list of affected people, for regulators."
                ),
                "fields": ["reach"],
            },
        ),
        (
            _("What affected customers read on their own page"),
            {"fields": in_english("message_standard", "message_priority", "remedy_instructions")},
        ),
        *in_other_languages(*INCIDENT_TEXTS),
        (
            _("Key times (UTC)"),
            {
                "fields": [
                    "detected_at",
                    "confirmed_at",
                    "disclosed_at",
                    "resolved_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return selectors.incidents_with_current_status(super().get_queryset(request))

    @admin.display(description=_("Status"), ordering="current_status")
    def shown_status(self, obj):
        """The latest public update's status, as every public page says it."""
        return Status(obj.current_status).label

    @admin.display(description=_("Affected people"))
    def reach(self, obj):
        if not obj.pk:
            return "-"
        return render_to_string(
            "admin/incidents/incident/_reach.html",
            {"reach": selectors.incident_reach(incident=obj)},
        )

    @admin.display(description=_("Preview"))
    def preview_link(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("incidents:incident-preview", args=[obj.slug])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Preview"))

    @admin.display(description=_("Recovery"))
    def funnel_link(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("admin-funnel", args=[obj.slug])
        return format_html('<a href="{}">{}</a>', url, _("Recovery funnel"))

    @admin.display(description=_("Audit trail"))
    def audit_link(self, obj):
        if not obj.pk:
            return "-"
        # Events about its updates and imports carry its title too, in English (audit_record).
        url = reverse("admin:audit_auditevent_changelist") + "?" + urlencode({"q": obj.title_en})
        return format_html('<a href="{}">{}</a>', url, _("Who did what, and when"))

    @admin.display(description=_("Timeline"))
    def timeline_link(self, obj):
        if not obj.pk:
            return _("Save the incident first, then add updates.")
        changelist = (
            reverse("admin:incidents_update_changelist") + f"?incident__id__exact={obj.pk}"
        )
        add = reverse("admin:incidents_update_add") + f"?incident={obj.pk}"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            changelist,
            _("See its updates"),
            add,
            _("Add an update"),
        )

    def save_model(self, request, obj, form, change):
        # save_related saves the categories again; given here, a change to them is audited.
        services.incident_save(
            incident=obj,
            data_categories=form.cleaned_data.get("data_categories"),
            actor=request.user,
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        public_pages_invalidate()

    @admin.action(
        description=_("Export affected addresses (CSV, for marketing suppression)"),
        permissions=["export"],
    )
    def export_affected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose one incident to export."), messages.ERROR)
            return None
        incident = queryset.get()
        self.log_change(request, incident, "Exported the affected addresses (suppression list)")
        response = StreamingHttpResponse(
            affected_csv_rows(incident=incident, actor=request.user),
            content_type="text/csv",
        )
        response["Content-Disposition"] = f'attachment; filename="affected-{incident.slug}.csv"'
        return response

    def has_export_permission(self, request):
        return request.user.has_perm("incidents.export_affected")

    def save_formset(self, request, form, formset, change):
        if formset.model is not Obligation:
            return super().save_formset(request, form, formset, change)
        for obligation in formset.save(commit=False):
            if obligation.filed_at and not obligation.filed_by_id:
                obligation.filed_by = request.user
            clocks.obligation_save(obligation=obligation)
        for obligation in formset.deleted_objects:
            obligation.delete()
        return None


class UpdateAdminForm(forms.ModelForm):
    class Meta:
        model = Update
        fields = ["incident", "status", *get_translation_fields("body"), "publish_at"]

    def _post_clean(self):
        super()._post_clean()
        # The timeline's rules live in the service; check them here so they show on the form.
        try:
            services.update_check(update=self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Update)
class UpdateAdmin(TranslationBehindMixin, PublicContentAdmin):
    form = UpdateAdminForm
    list_display = ["excerpt", "status", "state", "publish_at", "was_edited", "translation_state",
                    "author"]  # fmt: skip
    list_display_links = ["excerpt"]
    list_filter = [UpdateStateFilter, TranslationBehindFilter, "incident", "status"]
    list_select_related = ["incident", "author"]
    search_fields = [*get_translation_fields("body"), *INCIDENT_TITLE]
    date_hierarchy = "publish_at"
    readonly_fields = ["author", "revised_at", "translation_state", "created_at", "preview_link"]
    fields = [
        "incident",
        "status",
        *get_translation_fields("body"),
        "publish_at",
        "preview_link",
        "author",
        "revised_at",
        "translation_state",
    ]
    actions = ["publish_now"]

    @admin.display(description=_("State"))
    def state(self, obj):
        return update_state(obj)

    @admin.display(description=_("Update"))
    def excerpt(self, obj):
        """What the update says, to tell one row from the next (the filter names the incident)."""
        return Truncator(strip_tags(render_markdown(obj.body))).chars(90) or "-"

    @admin.display(description=_("Edited"), boolean=True, ordering="revised_at")
    def was_edited(self, obj):
        return obj.revised_at is not None

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # After a save, say first what happened to the update: readers see it or not.
        saved_as = getattr(request, "update_saved_as", None)
        if saved_as and level == messages.SUCCESS:
            message = format_html("{} {}", saved_as, message)
        super().message_user(request, message, level, *args, **kwargs)

    @admin.display(description=_("Preview"))
    def preview_link(self, obj):
        if not obj.pk:
            return _("Save as a draft (leave the time empty) to preview it.")
        url = reverse("incidents:incident-preview", args=[obj.incident.slug])
        return format_html(
            '<a href="{}#update-{}" target="_blank" rel="noopener">{}</a>',
            url,
            obj.pk,
            _("Preview on the incident page"),
        )

    def save_model(self, request, obj, form, change):
        behind = obj.behind_languages
        services.update_save(update=obj, author=request.user)
        request.update_saved_as = _saved_as(obj)
        self.warn_translation_behind(request, obj, behind)

    @admin.action(description=_("Publish the selected updates now"))
    def publish_now(self, request, queryset):
        published = 0
        for update in queryset.select_related("incident"):
            if not update.is_public():
                services.update_publish(update=update, actor=request.user)
                published += 1
        self.message_user(
            request,
            ngettext("%d update published.", "%d updates published.", published) % published,
            messages.SUCCESS,
        )


@admin.register(FAQ)
class FAQAdmin(TranslationBehindMixin, PublicContentAdmin):
    list_display = ["question", "incident", "order", "is_published", "translation_state"]
    list_editable = ["order", "is_published"]
    list_filter = ["is_published", TranslationBehindFilter, ("incident", IncidentFilter)]
    readonly_fields = ["translation_state"]
    search_fields = get_translation_fields("question", "answer")

    # Agents read FAQs to answer questions; those of an incident not yet public stay the
    # comms team's (list, change page, versions and the incident choices).
    def get_queryset(self, request):
        faqs = super().get_queryset(request)
        if sees_drafts(request.user):
            return faqs
        return faqs.exclude(incident__is_published=False)

    def has_view_permission(self, request, obj=None):
        if obj is not None and names_hidden_incident(request.user, obj):
            return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and names_hidden_incident(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "incident":
            kwargs["queryset"] = visible_incidents(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        behind = obj.behind_languages
        services.faq_save(faq=obj, actor=request.user)
        self.warn_translation_behind(request, obj, behind)
