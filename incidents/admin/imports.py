"""The affected list: uploads with live progress, and exposures (read-only)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin import ViewOnlyAdmin

from ..conf import app_settings
from ..digest import email_digest
from ..models import DataCategory, Exposure, ImportBatch
from ..services import imports
from .languages import INCIDENT_TITLE


class ImportBatchForm(forms.ModelForm):
    class Meta:
        model = ImportBatch
        fields = ["incident", "file"]
        help_texts = {
            "file": _(
                "A CSV, UTF-8, with the header email,categories,tier,remedy_code, optionally "
                "followed by country,region. Categories are the incident's data category slugs "
                "separated by “;”; tier is standard or priority; remedy_code may be empty; "
                "country is a two-letter ISO code (DE), region an ISO 3166-2 code (US-CA)."
            )
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload:
            raise ValidationError(_("Choose a CSV file to import."))
        self.total_rows = imports.import_file_check(
            upload, max_bytes=app_settings.EXPOSURE_IMPORT_MAX_BYTES
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
    search_fields = ["original_name", *INCIDENT_TITLE]
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
class ExposureAdmin(ViewOnlyAdmin):
    """Read-only: exposures come from imports. Search takes a full email address."""

    list_display = [
        "incident", "tier", "category_names", "country", "region", "has_remedy_code", "updated_at"
    ]  # fmt: skip
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
