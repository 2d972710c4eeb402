from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import get_translation_fields

from core.admin import ViewOnlyAdmin

from .models import Campaign, ChatEndpoint, Notification, Subscription, WebhookSubscription
from .selectors import notification_is_readable, notifications_readable
from .services import campaigns, deliveries
from .services.chat import TOPICS


class GroupFilter(admin.SimpleListFilter):
    """What a row belongs to (a campaign); rows that belong to nothing get no empty link."""

    title = _("group")
    parameter_name = "group"

    def lookups(self, request, model_admin):
        groups = (
            model_admin.get_queryset(request)
            .exclude(group="")
            .order_by("group")
            .values_list("group", flat=True)
            .distinct()
        )
        return [(group, group) for group in groups]

    def queryset(self, request, queryset):
        return queryset.filter(group=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdmin):
    """
    The outbox, read-only: what was sent, what waits, what failed and why.

    Each role sees only the emails about what it may already see (selectors.py): the
    list, its filters, search and every page of one row go through get_queryset, so a
    row of another role's is "not found" even by its address.
    """

    list_display = ["kind", "recipient", "subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "channel", "kind", GroupFilter]
    list_select_related = ["chat_endpoint", "webhook"]
    search_fields = ["to_email", "subject", "dedupe_key"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_queryset(self, request):
        return notifications_readable(user=request.user, queryset=super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return notification_is_readable(user=request.user, notification=obj)

    def get_exclude(self, request, obj=None):
        # A sign-in code, a reset link, a question's private link or a remedy code waiting
        # to go out is nobody's to read, staff included.
        if obj is not None and obj.secret:
            return ["body_text", "body_html", "headers"]
        return super().get_exclude(request, obj)


# The words, in every language (django-modeltranslation): each recipient gets theirs.
WORDS = get_translation_fields("subject", "body", "subject_priority", "body_priority")


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["incident", "name", "audience", *WORDS]
        widgets = {
            name: forms.Textarea(attrs={"rows": 12})
            for name in get_translation_fields("body", "body_priority")
        }

    def clean(self):
        cleaned = super().clean()
        for field in WORDS:
            check = (
                campaigns.campaign_subject_check
                if field.startswith("subject")
                else campaigns.campaign_template_check
            )
            try:
                check(cleaned.get(field) or "")
            except ValidationError as error:
                self.add_error(field, error)
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(TranslationAdmin):
    """Write, preview, test, then send: one email per affected person, per tier."""

    form = CampaignForm
    change_form_template = "admin/notifications/campaign/change_form.html"
    list_display = ["name", "incident", "audience", "state", "recipients", "sent_at"]
    list_filter = ["state", "audience", "incident"]
    search_fields = ["name", "subject"]

    def get_readonly_fields(self, request, obj=None):
        # Once sent, the words are a record of what people received.
        if obj and obj.state != Campaign.State.DRAFT:
            return [*CampaignForm.Meta.fields, "state", "recipients", "sent_at"]
        return ["state", "recipients", "sent_at"]

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/preview/", view(self.preview_view), name="notifications_campaign_preview"
            ),
            path("<int:pk>/test/", view(self.test_view), name="notifications_campaign_test"),
            path("<int:pk>/send/", view(self.send_view), name="notifications_campaign_send"),
            path(
                "<int:pk>/progress/",
                view(self.progress_view),
                name="notifications_campaign_progress",
            ),
            *super().get_urls(),
        ]

    def _campaign(self, request, pk, *, change=False):
        campaign = get_object_or_404(Campaign.objects.select_related("incident"), pk=pk)
        allowed = self.has_change_permission if change else self.has_view_permission
        if not allowed(request, campaign):
            raise PermissionDenied
        return campaign

    def _context(self, request, campaign, title):
        context = self.admin_site.each_context(request)
        return context | {"campaign": campaign, "opts": self.opts, "title": title}

    def preview_view(self, request, pk):
        campaign = self._campaign(request, pk)
        context = self._context(request, campaign, _("Preview"))
        try:
            campaigns.campaign_check(campaign=campaign)
        except ValidationError as error:
            context["errors"] = error.messages
        else:
            names = dict(settings.LANGUAGES)
            context["samples"] = [
                (r.exposure.tier if r.exposure else None, names[r.language],
                 *campaigns.campaign_render(campaign=campaign, recipient=r)[:2])
                for r in campaigns.campaign_samples(campaign=campaign)
            ]  # fmt: skip
        return render(request, "admin/notifications/campaign/preview.html", context)

    @method_decorator(require_POST)
    def test_view(self, request, pk):
        campaign = self._campaign(request, pk, change=True)
        campaigns.campaign_send_test(campaign=campaign, user=request.user)
        messages.success(request, _("A test was sent to %s.") % request.user.email)
        return redirect("admin:notifications_campaign_change", pk)

    def send_view(self, request, pk):
        campaign = self._campaign(request, pk, change=True)
        if request.method == "POST":
            campaigns.campaign_send(campaign=campaign, actor=request.user)
            messages.success(request, _("Sending. Progress is shown below."))
            return redirect("admin:notifications_campaign_change", pk)
        context = self._context(request, campaign, _("Send"))
        context["count"] = campaigns.recipients_count(campaign=campaign)
        return render(request, "admin/notifications/campaign/send_confirm.html", context)

    def progress_view(self, request, pk):
        campaign = self._campaign(request, pk)
        progress = campaigns.campaign_progress(campaign=campaign)
        total = max(campaign.recipients, sum(progress.values()))
        done = progress["sent"] + progress["failed"]
        context = {"campaign": campaign, "progress": progress, "total": total,
                   "percent": int(100 * done / total) if total else 0}  # fmt: skip
        return render(request, "admin/notifications/campaign/_progress.html", context)


@admin.register(Subscription)
class SubscriptionAdmin(ViewOnlyAdmin):
    """People subscribe themselves, with double opt-in; staff look and may delete."""

    list_display = ["email", "incident", "confirmed_at", "unsubscribed_at", "created_at"]
    list_filter = ["incident"]
    search_fields = ["email"]


class EndpointStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        choices = [("delivering", _("Delivering")), ("disabled", _("Disabled after failures"))]
        if model_admin.model is WebhookSubscription:
            choices += [("pending", _("Waiting for confirmation")), ("stopped", _("Unsubscribed"))]
        else:
            choices += [("off", _("Switched off"))]
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == "disabled":
            return queryset.filter(disabled_at__isnull=False)
        if value == "off":
            return queryset.filter(is_active=False)
        if value == "pending":
            return queryset.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
        if value == "stopped":
            return queryset.filter(unsubscribed_at__isnull=False)
        if value == "delivering":
            queryset = queryset.filter(disabled_at__isnull=True)
            if queryset.model is WebhookSubscription:
                return queryset.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
            return queryset.filter(is_active=True)
        return queryset


class DeliveryHistoryMixin:
    """The endpoint's latest deliveries on its page, with a link to all of them in the outbox."""

    history_field = ""

    @admin.display(description=_("Recent deliveries"))
    def delivery_history(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = obj.deliveries.order_by("-created_at")[:20]
        link = (
            reverse("admin:notifications_notification_changelist")
            + "?"
            + urlencode({f"{self.history_field}__exact": obj.pk})
        )
        return render_to_string(
            "admin/notifications/delivery_history.html", {"rows": rows, "link": link}
        )

    @admin.display(description=_("State"))
    def state(self, obj):
        if obj.disabled_at:
            return _("Disabled after failures")
        if isinstance(obj, WebhookSubscription):
            if obj.unsubscribed_at:
                return _("Unsubscribed")
            if obj.confirmed_at is None:
                return _("Waiting for confirmation")
        elif not obj.is_active:
            return _("Switched off")
        return _("Delivering")


@admin.register(ChatEndpoint)
class ChatEndpointAdmin(DeliveryHistoryMixin, admin.ModelAdmin):
    """Slack and Teams incoming webhooks that get the staff's alerts."""

    history_field = "chat_endpoint"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "flavour", "state", "failures", *TOPICS, "created_at"]
    list_filter = [EndpointStateFilter, "flavour", *TOPICS]
    search_fields = ["name"]
    readonly_fields = ["state", "failures", "disabled_at", "delivery_history"]
    fields = ["name", "flavour", "url", *TOPICS, "is_active", *readonly_fields]
    actions = ["enable"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["url"].help_text = _(
            "The channel's incoming-webhook address (Slack: Apps > Incoming Webhooks; Teams: "
            "Workflows > “Post to a channel when a webhook request is received”). Treat it "
            "as a password: whoever has it can post in the channel."
        )
        return form

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Deliver again (after fixing the address)"))
    def enable(self, request, queryset):
        for endpoint in queryset:
            deliveries.endpoint_enable(endpoint=endpoint)
        messages.success(request, _("Delivering again: the failure count starts over."))


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(DeliveryHistoryMixin, ViewOnlyAdmin):
    """Endpoints people subscribed themselves; staff look, and may stop or delete one."""

    history_field = "webhook"
    list_display = ["url", "incident", "state", "failures", "confirmed_at", "created_at"]
    list_filter = [EndpointStateFilter, "incident"]
    search_fields = ["url", "email"]
    # The secret is never shown: it was its owner's to see, once.
    fields = [
        "url", "email", "incident", "language", "state", "failures", "confirmed_at",
        "unsubscribed_at", "disabled_at", "created_at", "delivery_history",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["enable"]

    @admin.action(description=_("Deliver again (after fixing the address)"))
    def enable(self, request, queryset):
        for endpoint in queryset:
            deliveries.endpoint_enable(endpoint=endpoint)
        messages.success(request, _("Delivering again: the failure count starts over."))

    def has_change_permission(self, request, obj=None):
        # For the action only; every field stays read-only.
        return request.user.has_perm("notifications.change_webhooksubscription")
