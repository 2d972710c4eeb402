from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .caching import public_pages_invalidate
from .digest import email_digest
from .exports import affected_csv_rows
from .models import (
    FAQ,
    DataCategory,
    Exposure,
    ImportBatch,
    Incident,
    Obligation,
    Regime,
    Update,
)
from .selectors import obligation_clock
from .services import clocks, imports


class PublicContentAdmin(SimpleHistoryAdmin):
    """Deleting public content refreshes the public pages too; saves go through services."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        public_pages_invalidate()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        public_pages_invalidate()


@admin.register(DataCategory)
class DataCategoryAdmin(PublicContentAdmin):
    list_display = ["name", "slug", "requires_password_reset", "order"]
    list_editable = ["order"]
    search_fields = ["name", "slug", "advice"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        services.data_category_save(category=obj)


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


def clock_display(obligation):
    """Time left or overdue, in words and colour."""
    clock = obligation_clock(obligation)
    return format_html('<span class="clock clock--{}">{}</span>', clock.state, clock.text)


class ObligationInline(admin.TabularInline):
    model = Obligation
    extra = 0
    fields = ["regime", "clock_started_at", "due_at", "time_left", "filed_at", "reference"]
    readonly_fields = ["due_at", "time_left"]
    autocomplete_fields = ["regime"]
    verbose_name_plural = _("Regulatory deadlines (UTC)")

    @admin.display(description=_("time left"))
    def time_left(self, obj):
        return clock_display(obj) if obj.pk else "-"


@admin.register(Incident)
class IncidentAdmin(PublicContentAdmin):
    list_display = ["title", "status", "severity", "is_published", "confirmed_at", "preview_link"]
    list_filter = ["is_published", "status", "severity", "data_categories"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["data_categories"]
    date_hierarchy = "created_at"
    readonly_fields = ["preview_link", "timeline_link", "funnel_link", "created_at", "updated_at"]
    inlines = [ObligationInline]
    actions = ["export_affected"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "is_published", "preview_link"]}),
        (
            _("Status"),
            {"fields": ["status", "severity", "quiet_hours", "timeline_link", "funnel_link"]},
        ),
        (
            _("The notice"),
            {
                "description": _(
                    "The sections regulators expect of a breach notice. Markdown is allowed."
                ),
                "fields": [
                    "what_happened",
                    "what_information",
                    "data_categories",
                    "what_we_are_doing",
                    "what_you_can_do",
                    "more_information",
                ],
            },
        ),
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
        # Many-to-many fields are saved by save_related, after this.
        services.incident_save(incident=obj)

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
            affected_csv_rows(incident=incident, actor=request.user.email),
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
        fields = ["incident", "status", "body", "publish_at"]

    def _post_clean(self):
        super()._post_clean()
        # The timeline's rules live in the service; check them here so they show on the form.
        try:
            services.update_check(update=self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Update)
class UpdateAdmin(PublicContentAdmin):
    form = UpdateAdminForm
    list_display = ["incident", "status", "state", "publish_at", "revised_at", "author"]
    list_display_links = ["incident", "status"]
    list_filter = [UpdateStateFilter, "incident", "status"]
    list_select_related = ["incident", "author"]
    search_fields = ["body", "incident__title"]
    date_hierarchy = "publish_at"
    autocomplete_fields = ["incident"]
    readonly_fields = ["author", "revised_at", "created_at", "preview_link"]
    fields = ["incident", "status", "body", "publish_at", "preview_link", "author", "revised_at"]
    actions = ["publish_now"]

    @admin.display(description=_("State"))
    def state(self, obj):
        return update_state(obj)

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
        services.update_save(update=obj, author=request.user)

    @admin.action(description=_("Publish the selected updates now"))
    def publish_now(self, request, queryset):
        published = 0
        for update in queryset.select_related("incident"):
            if not update.is_public():
                services.update_publish(update=update)
                published += 1
        self.message_user(
            request,
            ngettext("%d update published.", "%d updates published.", published) % published,
            messages.SUCCESS,
        )


@admin.register(FAQ)
class FAQAdmin(PublicContentAdmin):
    list_display = ["question", "incident", "order", "is_published"]
    list_editable = ["order", "is_published"]
    list_filter = ["is_published", "incident"]
    search_fields = ["question", "answer"]
    autocomplete_fields = ["incident"]

    def save_model(self, request, obj, form, change):
        services.faq_save(faq=obj)


class ImportBatchForm(forms.ModelForm):
    class Meta:
        model = ImportBatch
        fields = ["incident", "file"]
        help_texts = {
            "file": _(
                "A CSV, UTF-8, with the header email,categories,tier,remedy_code. Categories are "
                "the incident's data category slugs separated by “;”; tier is standard or "
                "priority; remedy_code may be empty."
            )
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload:
            raise ValidationError(_("Choose a CSV file to import."))
        self.total_rows = imports.import_file_check(
            upload, max_bytes=settings.EXPOSURE_IMPORT_MAX_BYTES
        )
        return upload


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Upload the affected list; the import runs in the background and shows its progress."""

    form = ImportBatchForm
    change_form_template = "admin/incidents/importbatch/change_form.html"
    list_display = [
        "original_name", "incident", "state", "progress", "created_count", "updated_count",
        "unchanged_count", "rejected_count", "created_by", "created_at",
    ]  # fmt: skip
    list_filter = ["state", "incident"]
    list_select_related = ["incident", "created_by"]
    search_fields = ["original_name", "incident__title"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in ImportBatch._meta.fields if f.name != "id"]

    def get_fields(self, request, obj=None):
        return ["incident", "file"] if obj is None else ["incident", "original_name", "created_by"]

    def has_change_permission(self, request, obj=None):
        # An import is a record of what happened; only its progress changes.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return f"{obj.percent_done}%"

    def save_model(self, request, obj, form, change):
        batch = imports.import_batch_create(
            incident=form.cleaned_data["incident"],
            upload=form.cleaned_data["file"],
            created_by=request.user,
            total_rows=form.total_rows,
        )
        obj.pk = batch.pk

    def get_urls(self):
        urls = [
            path(
                "<int:batch_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="incidents_importbatch_progress",
            ),
            path(
                "<int:batch_id>/errors.csv",
                self.admin_site.admin_view(self.error_report_view),
                name="incidents_importbatch_errors",
            ),
        ]
        return urls + super().get_urls()

    def progress_view(self, request, batch_id):
        batch = get_object_or_404(ImportBatch, pk=batch_id)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        return render(request, "admin/incidents/importbatch/_progress.html", {"batch": batch})

    def error_report_view(self, request, batch_id):
        batch = get_object_or_404(ImportBatch, pk=batch_id)
        if not self.has_view_permission(request, batch) or not batch.error_report:
            raise Http404
        return FileResponse(
            batch.error_report.open("rb"),
            as_attachment=True,
            filename=f"rejected-rows-{batch.pk}.csv",
            content_type="text/csv",
        )


@admin.register(Exposure)
class ExposureAdmin(admin.ModelAdmin):
    """Read-only: exposures come from imports. Search takes a full email address."""

    list_display = ["incident", "tier", "category_names", "has_remedy_code", "updated_at"]
    list_filter = ["incident", "tier"]
    search_fields = ["remedy_code"]
    search_help_text = _("Type a full email address (any case) to find that person's exposures.")
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        if "@" in search_term:
            return queryset.filter(email_digest=email_digest(search_term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("data categories"))
    def category_names(self, obj):
        names = dict(DataCategory.objects.values_list("id", "name"))
        return ", ".join(names.get(i, "?") for i in obj.category_ids)

    @admin.display(description=_("remedy code"), boolean=True)
    def has_remedy_code(self, obj):
        return bool(obj.remedy_code)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Regime)
class RegimeAdmin(admin.ModelAdmin):
    list_display = ["name", "authority", "starts", "hours", "business_days", "calendar_months"]
    search_fields = ["name", "authority"]


class OpenFilter(admin.SimpleListFilter):
    title = _("filed")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Filed"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(filed_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(filed_at__isnull=False)
        return queryset


@admin.register(Obligation)
class ObligationAdmin(admin.ModelAdmin):
    """Every regulatory deadline across incidents: open ones, soonest first."""

    list_display = ["regime", "incident", "authority", "due_at", "time_left", "filed_by",
                    "reference"]  # fmt: skip
    list_filter = [OpenFilter, "regime", "incident"]
    list_select_related = ["regime", "incident", "filed_by"]
    search_fields = ["regime__name", "incident__title", "reference"]
    autocomplete_fields = ["incident", "regime"]
    fields = ["incident", "regime", "clock_started_at", "due_at", "filed_at", "filed_by",
              "reference"]  # fmt: skip
    readonly_fields = ["due_at", "filed_by"]
    actions = ["file_now"]

    def get_queryset(self, request):
        # Open deadlines first, the soonest on top; a clock not started comes after.
        return (
            super()
            .get_queryset(request)
            .order_by(F("filed_at").desc(nulls_first=True), F("due_at").asc(nulls_last=True))
        )

    @admin.display(description=_("authority"))
    def authority(self, obj):
        return obj.regime.authority

    @admin.display(description=_("time left"), ordering="due_at")
    def time_left(self, obj):
        return clock_display(obj)

    def save_model(self, request, obj, form, change):
        if obj.filed_at and not obj.filed_by_id:
            obj.filed_by = request.user
        clocks.obligation_save(obligation=obj)

    @admin.action(description=_("Mark filed now"))
    def file_now(self, request, queryset):
        count = clocks.obligations_file(obligations=queryset, user=request.user)
        self.message_user(request, _("%d deadlines marked filed.") % count)
