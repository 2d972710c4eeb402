"""The audit trail in the admin: read-only for everyone, superusers included."""

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import RecordAdmin

from .actions import action_choices
from .models import AuditEvent
from .selectors import audit_events_visible_to, audit_summary


class ActionListFilter(admin.SimpleListFilter):
    """The actions every app registered, by their labels (the field itself has no choices)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return action_choices()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(RecordAdmin):
    list_display = ["created_at", "actor_label", "action_display", "target_link", "summary"]
    list_filter = [ActionListFilter, ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["target_label", "actor_label"]
    date_hierarchy = "created_at"
    list_select_related = ["target_type"]
    fields = [
        "created_at",
        "actor_label",
        "actor",
        "ip",
        "action_display",
        "target_link",
        "summary",
    ]
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request):
        return audit_events_visible_to(user=request.user, events=super().get_queryset(request))

    @admin.display(description=_("action"), ordering="action")
    def action_display(self, obj):
        return obj.action_label

    @admin.display(description=_("what"), ordering="target_label")
    def target_link(self, obj):
        if obj.target_type is None:
            return obj.target_label or "-"
        ct = obj.target_type
        try:
            url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[obj.target_id])
        except NoReverseMatch:
            return obj.target_label
        return format_html('<a href="{}">{}</a>', url, obj.target_label)

    @admin.display(description=_("details"))
    def summary(self, obj):
        return audit_summary(obj)
