"""
Reports to regulators in the admin: the forms regimes ask for, the rules that suggest a
regime, and each deadline's draft (edited, versioned, exported, filed). The comms team's.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.admin import LabelledInlineFormSet
from incidents.models import Incident, Obligation
from incidents.selectors import incident_reach, obligation_clock

from . import selectors, services
from .exports import PAGE_SIZES, draft_pdf
from .models import Draft, FilingField, FilingForm, SuggestionRule


class FilingFieldInline(admin.StackedInline):
    model = FilingField
    extra = 0
    fields = [("order", "key"), "label", "help_text", ("source", "prefill")]
    formset = LabelledInlineFormSet
    formfield_overrides = {
        FilingField._meta.get_field("help_text").__class__: {
            "widget": forms.Textarea(attrs={"rows": 2})
        }
    }


@admin.register(FilingForm)
class FilingFormAdmin(admin.ModelAdmin):
    """What a regime's report asks for, field by field: adding a regime needs no code."""

    list_display = ["regime", "authority", "follows", "field_count"]
    search_fields = ["regime__name", "regime__authority"]
    list_select_related = ["regime", "follows"]
    inlines = [FilingFieldInline]

    @admin.display(description=_("authority"))
    def authority(self, obj):
        return obj.regime.authority

    @admin.display(description=_("fields"))
    def field_count(self, obj):
        return obj.fields.count()


@admin.register(SuggestionRule)
class SuggestionRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "regime", "more_than", "source", "is_active"]
    list_filter = ["is_active", "regime"]
    search_fields = ["name", "source", "countries", "regions"]


class DraftForm(forms.ModelForm):
    """One box per field of the regime's form; the values live in Draft.values."""

    class Meta:
        model = Draft
        fields = []

    def __init__(self, *args, filing_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = [f.key for f in filing_fields]
        for f in filing_fields:
            self.fields[f.key] = forms.CharField(
                label=f.label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
                help_text=f"{f.help_text} [{f.source}]".strip(),
                initial=self.instance.values.get(f.key, ""),
            )


class FiledFilter(admin.SimpleListFilter):
    title = _("filed")
    parameter_name = "filed"

    def lookups(self, request, model_admin):
        return [("no", _("Not filed yet")), ("yes", _("Filed"))]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(obligation__filed_at__isnull=self.value() == "no")
        return queryset


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["regime", "incident", "deadline", "updated_at"]
    list_filter = [FiledFilter, "obligation__regime", "obligation__incident"]
    list_select_related = ["obligation__regime", "obligation__incident"]
    search_fields = ["obligation__regime__name", "obligation__incident__title"]
    readonly_fields = ["deadline", "exports", "versions"]

    def has_add_permission(self, request):
        return False  # a draft starts from its deadline (or a confirmed suggestion)

    def get_form(self, request, obj=None, change=False, **kwargs):
        filing_fields = selectors.filing_fields(obligation=obj.obligation) if obj else []

        class Form(DraftForm):
            def __init__(self, *args, **kw):
                super().__init__(*args, filing_fields=filing_fields, **kw)

        return Form

    def get_fieldsets(self, request, obj=None):
        keys = [f.key for f in selectors.filing_fields(obligation=obj.obligation)] if obj else []
        return [
            (None, {"fields": ["deadline", "exports"]}),
            (_("The report"), {"fields": keys}),
            (_("Versions"), {"fields": ["versions"]}),
        ]

    def save_model(self, request, obj, form, change):
        values = {key: form.cleaned_data.get(key, "") for key in form.keys}
        services.draft_save(draft=obj, values=values, user=request.user)

    @admin.display(description=_("regulator"), ordering="obligation__regime__name")
    def regime(self, obj):
        return obj.obligation.regime

    @admin.display(description=_("incident"), ordering="obligation__incident__title")
    def incident(self, obj):
        return obj.obligation.incident

    @admin.display(description=_("deadline"))
    def deadline(self, obj):
        clock = obligation_clock(obj.obligation)
        url = reverse("admin:incidents_obligation_change", args=[obj.obligation_id])
        return format_html(
            '<a href="{}">{}</a> · {} · <span class="clock clock--{}">{}</span>',
            url, obj.obligation.regime, obj.obligation.regime.authority, clock.state, clock.text,
        )  # fmt: skip

    @admin.display(description=_("Download and file"))
    def exports(self, obj):
        links = [
            (reverse("admin:filings_draft_pdf", args=[obj.pk]) + f"?size={size}",
             _("PDF (%(size)s)") % {"size": label})
            for size, label in PAGE_SIZES.items()
        ]  # fmt: skip
        links.append((reverse("admin:filings_draft_text", args=[obj.pk]), _("Plain text")))
        links.append((reverse("admin:filings_draft_file", args=[obj.pk]), _("Mark filed…")))
        return format_html(
            "{}<br>{}",
            format_html_join(" · ", '<a href="{}">{}</a>', links),
            _("Exports and filing use the last saved version: save your changes first."),
        )

    @admin.display(description=_("Versions"))
    def versions(self, obj):
        return render_to_string(
            "admin/filings/draft/_versions.html",
            {"versions": selectors.draft_versions(draft=obj)},
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/pdf/", view(self.pdf_view), name="filings_draft_pdf"),
            path("<int:pk>/text/", view(self.text_view), name="filings_draft_text"),
            path("<int:pk>/file/", view(self.file_view), name="filings_draft_file"),
            path("start/<int:obligation_id>/", view(self.start_view), name="filings_draft_start"),
            path("incident/<int:incident_id>/regulators/", view(self.regulators_view),
                 name="filings_regulators"),
            *super().get_urls(),
        ]  # fmt: skip

    def _draft(self, request, pk, *, change=False):
        draft = get_object_or_404(
            Draft.objects.select_related("obligation__regime", "obligation__incident"), pk=pk
        )
        allowed = self.has_change_permission if change else self.has_view_permission
        if not allowed(request, draft):
            raise PermissionDenied
        return draft

    def _context(self, request, title, **extra):
        return self.admin_site.each_context(request) | {"opts": self.opts, "title": title} | extra

    def pdf_view(self, request, pk):
        draft = self._draft(request, pk)
        size = request.GET.get("size", "a4")
        if size not in PAGE_SIZES:
            size = "a4"
        response = HttpResponse(draft_pdf(draft=draft, size=size), content_type="application/pdf")
        name = f"{draft.obligation.incident.slug}-{draft.obligation.regime_id}-{size}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def text_view(self, request, pk):
        draft = self._draft(request, pk)
        return HttpResponse(
            selectors.draft_text(draft=draft), content_type="text/plain; charset=utf-8"
        )

    @method_decorator(require_http_methods(["GET", "POST"]))
    def file_view(self, request, pk):
        draft = self._draft(request, pk, change=True)
        if request.method == "POST":
            filing = services.draft_file(
                draft=draft, user=request.user, reference=request.POST.get("reference", "")[:200]
            )
            messages.success(
                request,
                _("Filed: version %(number)d is recorded as sent to %(authority)s.")
                % {
                    "number": filing.version_number,
                    "authority": draft.obligation.regime.authority,
                },
            )
            return redirect("admin:filings_draft_change", draft.pk)
        versions = selectors.draft_versions(draft=draft)
        context = self._context(request, _("Mark filed"), draft=draft, version=versions[0])
        return render(request, "admin/filings/draft/file_confirm.html", context)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def start_view(self, request, obligation_id):
        obligation = get_object_or_404(Obligation, pk=obligation_id)
        if not self.has_change_permission(request):
            raise PermissionDenied
        if hasattr(obligation, "draft"):
            return redirect("admin:filings_draft_change", obligation.draft.pk)
        if request.method == "POST":
            draft = services.draft_start(obligation=obligation, user=request.user)
            return redirect("admin:filings_draft_change", draft.pk)
        context = self._context(request, _("Start the report draft"), obligation=obligation)
        return render(request, "admin/filings/draft/start_confirm.html", context)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def regulators_view(self, request, incident_id):
        incident = get_object_or_404(Incident, pk=incident_id)
        if not self.has_view_permission(request):
            raise PermissionDenied
        may_confirm = self.has_change_permission(request) and request.user.has_perm(
            "incidents.add_obligation"
        )
        if request.method == "POST":
            if not may_confirm:
                raise PermissionDenied
            rule = get_object_or_404(SuggestionRule, pk=request.POST.get("rule"))
            try:
                obligation = services.suggestion_confirm(
                    incident=incident, rule=rule, user=request.user
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("admin:filings_regulators", incident.pk)
            messages.success(
                request,
                _("%(regime)s added: its deadline is counted and its draft prefilled.")
                % {"regime": rule.regime},
            )
            return redirect("admin:filings_draft_change", obligation.draft.pk)
        reach = incident_reach(incident=incident)
        context = self._context(
            request,
            _("Regulators to notify"),
            incident=incident,
            reach=reach,
            suggestions=selectors.suggestions_for(incident=incident, reach=reach),
            obligations=incident.obligations.select_related("regime", "draft"),
            may_confirm=may_confirm,
        )
        return render(request, "admin/filings/regulators.html", context)


# The deadline's own page (where the deadline alerts link) leads to its draft.
ObligationAdminBase = type(admin.site._registry[Obligation])
admin.site.unregister(Obligation)


@admin.register(Obligation)
class ObligationAdmin(ObligationAdminBase):
    readonly_fields = [*ObligationAdminBase.readonly_fields, "report_draft"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if request.user.has_perm("filings.view_draft"):
            return [*fields, "report_draft"]
        return [f for f in fields if f != "report_draft"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.drafts_filed_elsewhere(obligations=[obj], user=request.user)

    @admin.action(description=ObligationAdminBase.file_now.short_description)
    def file_now(self, request, queryset):
        super().file_now(request, queryset)
        services.drafts_filed_elsewhere(obligations=queryset, user=request.user)

    @admin.display(description=_("report draft"))
    def report_draft(self, obj):
        if not obj or not obj.pk:
            return _("Save the deadline first.")
        draft = Draft.objects.filter(obligation=obj).first()
        if draft:
            url = reverse("admin:filings_draft_change", args=[draft.pk])
            return format_html('<a href="{}">{}</a>', url, _("Open the report draft"))
        url = reverse("admin:filings_draft_start", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Start the report draft"))


# The incident's page, beside its counts of affected people, leads to the regulators.
IncidentAdminBase = type(admin.site._registry[Incident])
admin.site.unregister(Incident)


@admin.register(Incident)
class IncidentAdmin(IncidentAdminBase):
    @admin.display(description=IncidentAdminBase.reach.short_description)
    def reach(self, obj):
        counts = super().reach(obj)
        if not obj.pk:
            return counts
        url = reverse("admin:filings_regulators", args=[obj.pk])
        link = _("Regulators to notify: suggestions and report drafts")
        return format_html('{}<p><a href="{}">{}</a></p>', counts, url, link)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Obligation:  # a deadline marked filed in the incident's list
            services.drafts_filed_elsewhere(obligations=form.instance.obligations.all(),
                                            user=request.user)  # fmt: skip
