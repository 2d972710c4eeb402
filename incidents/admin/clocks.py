"""Regulatory deadlines: regimes, obligations and the dashboard of open ones."""

from django.contrib import admin
from django.db.models import F
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import LabelledInlineFormSet

from ..models import Obligation, Regime
from ..selectors import obligation_clock
from ..services import clocks
from .languages import INCIDENT_TITLE


def clock_display(obligation):
    """Time left or overdue, in words and colour."""
    clock = obligation_clock(obligation)
    return format_html('<span class="clock clock--{}">{}</span>', clock.state, clock.text)


class ObligationInline(admin.TabularInline):
    model = Obligation
    extra = 0
    fields = ["regime", "clock_started_at", "due_at", "time_left", "filed_at", "reference"]
    readonly_fields = ["due_at", "time_left"]
    formset = LabelledInlineFormSet
    verbose_name_plural = _("Regulatory deadlines (UTC)")

    @admin.display(description=_("time left"))
    def time_left(self, obj):
        return clock_display(obj) if obj.pk else "-"


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
    search_fields = ["regime__name", *INCIDENT_TITLE, "reference"]
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
