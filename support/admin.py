"""The support agents' inbox: triage, assign, answer, resolve, without wasted clicks."""

from copy import copy
from functools import partial

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When
from django.http import HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import get_translation_fields

from accounts.selectors import security_checklist, user_verified_emails
from core.admin import RecordAdmin
from incidents.admin.visibility import IncidentFilter
from incidents.selectors import exposure_tier_for_emails

from . import admin_report, selectors, services
from .forms import CallForm, CallLogForm
from .models import (
    BulkAnswer,
    CannedResponse,
    InboundEmail,
    Macro,
    Message,
    Priority,
    Ticket,
    TicketStatus,
)

# Labels by value, for the inbox's rows: get_priority_display() builds a dict of the
# choices on each call, translating every label of it to hash it (four a row).
PRIORITY_LABELS = dict(Priority.choices)
AUTHOR_LABELS = dict(Message.Author.choices)

PRIORITY_RANK = Case(
    *[When(priority=p, then=Value(rank)) for rank, p in enumerate(Priority.values)],
    output_field=IntegerField(),
)


class CannedChoiceForm(forms.Form):
    """The canned response picked in the reply box; none empties the box."""

    canned = forms.ModelChoiceField(
        queryset=CannedResponse.objects.filter(is_active=True), required=False
    )


class WorkFilter(admin.SimpleListFilter):
    """The inbox opens on the work: questions not resolved or closed."""

    title = _("to do")
    parameter_name = "work"
    DONE = [TicketStatus.RESOLVED, TicketStatus.CLOSED]

    def lookups(self, request, model_admin):
        return [("done", _("Resolved or closed")), ("all", _("All"))]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Not resolved yet"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "all" or "status__exact" in request.GET:
            return queryset  # a status chosen by name is shown, resolved or not
        if self.value() == "done":
            return queryset.filter(status__in=self.DONE)
        return queryset.exclude(status__in=self.DONE)


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        return [("me", _("Mine")), ("none", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("first response")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("waiting", _("Not answered yet"))]

    def queryset(self, request, queryset):
        unanswered = queryset.filter(first_responded_at__isnull=True)
        if self.value() == "overdue":
            return unanswered.filter(first_response_due_at__lt=timezone.now())
        if self.value() == "waiting":
            return unanswered
        return queryset


class TicketAdminForm(forms.ModelForm):
    canned = forms.ModelChoiceField(
        label=_("Canned response"),
        queryset=CannedResponse.objects.filter(is_active=True),
        required=False,
        help_text=_("Fills the reply below with the customer's name and incident; edit freely."),
    )
    reply = forms.CharField(
        label=_("Reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text=_("Emailed to the customer and shown on their question's page."),
    )
    internal = forms.BooleanField(
        label=_("Internal note (not sent, never shown to the customer)"), required=False
    )

    class Meta:
        model = Ticket
        fields = ["status", "priority", "assignee"]
        help_texts = {
            "status": _("Sending a reply sets “Waiting on customer” unless you choose another.")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.category:
            # Those written for this kind of question first, then the rest.
            first = Case(
                When(category=self.instance.category, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
            canned = self.fields["canned"]
            canned.queryset = canned.queryset.order_by(first, "title")
        if self.instance.pk:
            # Choosing a canned response fills the reply box in place (htmx).
            self.fields["canned"].widget.attrs.update(
                {
                    "hx-get": reverse("admin:support_ticket_canned", args=[self.instance.pk]),
                    "hx-target": "#id_reply",
                    "hx-swap": "outerHTML",
                }
            )


class InboxChangeList(ChangeList):
    """
    The inbox's list, with its rows' links made once for the page rather than once a link.

    Django reverses the change page's URL for each link (two a row: reference and subject),
    then add_preserved_filters resolves that URL again to add the view's filters to it,
    so that saving a question returns to the same view: together a third of the page's
    time in Python. The links are the same, made from one reversed URL and the filters.
    """

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        change = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=["0"],
            current_app=self.model_admin.admin_site.name,
        )
        self._change_url_head, _zero, self._change_url_tail = change.rpartition("/0/")
        # Each link carries the filters (?_changelist_filters=…) from url_for_result, so
        # items_for_result's add_preserved_filters finds none left to add (no resolve).
        self._row_query = f"?{self.preserved_filters}" if self.preserved_filters else ""
        self.preserved_filters = ""

    def url_for_result(self, result):
        pk = quote(getattr(result, self.pk_attname))
        return f"{self._change_url_head}/{pk}/{self._change_url_tail}{self._row_query}"


def preview(text: str, length: int = 80) -> str:
    """
    Truncator(text).chars(length), without its walk through the text a character at a
    time when the start is ASCII: no combining character there, nothing for NFC to do.
    """
    if len(text) > length and text[: length + 1].isascii():
        return add_truncation_text(text[: calculate_truncate_chars_length(length, None)])
    return Truncator(text).chars(length)


def _breakable(email):
    """An address that may wrap before its "@" in a narrow column, and nowhere else."""
    local, _at, domain = email.rpartition("@")
    return format_html("{}<wbr>@{}", local, domain) if local else email


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketAdminForm
    # What triage needs first comes first: on a narrow screen the last columns scroll away.
    list_display = ["reference", "subject", "priority_label", "sla_due", "status",
                    "last_message", "assignee_address", "requester_address", "age"]  # fmt: skip
    list_display_links = ["reference", "subject"]
    list_filter = [
        WorkFilter,
        AssigneeFilter,
        OverdueFilter,
        "status",
        "priority",
        ("incident", IncidentFilter),
        "category",
        "channel",
    ]
    list_select_related = ["assignee"]
    # What the search box covers; get_search_results does the searching (full-text).
    search_fields = ["reference", "requester_email", "subject", "messages__body"]
    search_help_text = _("Search by reference, email address or words in the question.")
    actions = ["assign_to_me", "mark_open", "mark_waiting", "mark_resolved", "mark_closed",
               "bulk_answer", "merge", "export_csv"]  # fmt: skip
    list_per_page = 50
    # No second COUNT over every question on each page: the filtered count is enough.
    show_full_result_count = False
    # Most urgent first, then whatever is due soonest.
    ordering = [PRIORITY_RANK.asc(), "first_response_due_at"]
    # A question's public page is its asker's alone: staff would get a 404 there.
    view_on_site = False
    readonly_fields = ["reference", "requester_email", "requester_name", "subject", "category",
                       "incident", "created_at", "first_response_due_at", "first_responded_at",
                       "affected_status", "rating", "rating_comment", "thread",
                       "sla_due", "language", "account_safety", "channel"]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["reference", "subject", "category", "incident", "sla_due", "thread"]}),
        (
            _("Customer"),
            {
                "fields": [
                    "requester_email",
                    "requester_name",
                    "channel",
                    "language",
                    "affected_status",
                    "account_safety",
                ]
            },
        ),
        # Status, priority and assignee beside the reply: one save does both.
        (
            _("Answer"),
            {"fields": ["canned", "reply", "internal", ("status", "priority", "assignee")]},
        ),
        (
            _("Times and rating"),
            {
                "fields": [
                    "created_at",
                    "first_response_due_at",
                    "first_responded_at",
                    "rating",
                    "rating_comment",
                ]
            },
        ),
    ]

    change_form_template = "admin/support/ticket/change_form.html"
    change_list_template = "admin/support/ticket/change_list.html"

    def get_changelist(self, request, **kwargs):
        return InboxChangeList

    def has_add_permission(self, request):
        # Questions come from customers: by the web form, by email, or by phone, which
        # an agent takes down with "Take a phone call" (call_new_view), not the add form.
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Who else has this question open, so two agents do not answer it twice.
        others = []
        if request.method == "GET" and object_id.isdigit():
            others = services.ticket_viewers_note(ticket_id=int(object_id), agent=request.user)
        context = {"other_agents": others, "macros": self._macros(request)} | (extra_context or {})
        return super().change_view(request, object_id, form_url, context)

    def response_change(self, request, obj):
        if "_sendnext" not in request.POST:
            return super().response_change(request, obj)
        # The next question of the view the agent came from (its filters are kept).
        preserved = QueryDict(request.POST.get("_changelist_filters", ""))
        listing = self._ticket_ids_in_view(request, preserved)
        later = listing[listing.index(obj.pk) + 1 :] if obj.pk in listing else listing
        following = [pk for pk in later if pk != obj.pk]
        self.message_user(request, _("Saved %(reference)s.") % {"reference": obj.reference})
        if not following:
            self.message_user(request, _("That was the last question in this view."))
            url = reverse("admin:support_ticket_changelist")
            return redirect(f"{url}?{preserved.urlencode()}" if preserved else url)
        url = reverse("admin:support_ticket_change", args=[following[0]])
        query = urlencode({"_changelist_filters": preserved.urlencode()}) if preserved else ""
        return redirect(f"{url}?{query}" if query else url)

    def _ticket_ids_in_view(self, request, params) -> list[int]:
        """The tickets of the changelist with these filters, in its order (first 500)."""
        listing_request = copy(request)
        listing_request.GET = params
        changelist = self.get_changelist_instance(listing_request)
        return list(changelist.get_queryset(listing_request).values_list("pk", flat=True)[:500])

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not request.user.has_perm("support.reply_ticket"):
            triage = (_("Triage"), {"fields": ["status", "priority", "assignee"]})
            return [fs for fs in fieldsets if fs[0] != _("Answer")] + [triage]
        return fieldsets

    def get_queryset(self, request):
        last = Message.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-id")
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_body=Subquery(last.values("body")[:1]),
                last_kind=Subquery(last.values("author_kind")[:1]),
                last_internal=Subquery(last.values("is_internal")[:1]),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        # Full-text on PostgreSQL (indexed), icontains on SQLite: selectors.ticket_search.
        return selectors.ticket_search(tickets=queryset, term=search_term), False

    def has_delete_permission(self, request, obj=None):
        # A customer's question is a record: only a superuser removes one (e.g. spam).
        return request.user.is_superuser

    def action_checkbox(self, obj):
        # Django's renders a CheckboxInput through the form templates, once a row: the
        # same <input> written directly (test_the_inbox_checkbox_is_djangos).
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    @admin.display(description=_("last message"))
    def last_message(self, obj):
        if not obj.last_body:
            return "-"
        # gettext, not the lazy _(): a row's strings are translated once, now.
        if obj.last_internal:
            who = gettext("Internal note")
        else:
            who = AUTHOR_LABELS.get(obj.last_kind, obj.last_kind)
        return format_html(
            '<span class="inbox-last"><strong>{}:</strong> {}</span>',
            who,
            preview(obj.last_body),
        )

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {"title": _("Support inbox")} | (extra_context or {})
        )

    @admin.display(description=_("priority"), ordering=PRIORITY_RANK)
    def priority_label(self, obj):
        return format_html(
            '<span class="inbox-priority inbox-priority--{}">{}</span>',
            obj.priority,
            PRIORITY_LABELS.get(obj.priority, obj.priority),
        )

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at, depth=1)

    @admin.display(description=_("requester"), ordering="requester_email")
    def requester_address(self, obj):
        return _breakable(obj.requester_email)

    @admin.display(description=_("assignee"), ordering="assignee__email")
    def assignee_address(self, obj):
        return _breakable(obj.assignee.email) if obj.assignee else "-"

    @admin.display(description=_("answer due"), ordering="first_response_due_at")
    def sla_due(self, obj):
        if obj.first_responded_at:
            return gettext("answered")
        due = obj.first_response_due_at
        exact = date_format(due, "j M Y, H:i") + " UTC"
        now = timezone.now()
        if due <= now:
            return format_html(
                '<strong class="sla-overdue" title="{}">{}</strong>',
                exact,
                gettext("OVERDUE by %(time)s") % {"time": timesince(due, now, depth=1)},
            )
        return format_html(
            '<span title="{}">{}</span>',
            exact,
            gettext("due in %(time)s") % {"time": timeuntil(due, now, depth=1)},
        )

    @admin.display(description=_("affected status"))
    def affected_status(self, obj):
        if obj.requester_id is None:
            return _("Asked without an account: the address is not verified, so not looked up.")
        tier = exposure_tier_for_emails(emails=user_verified_emails(user=obj.requester))
        if tier is None:
            return _("Not affected (verified addresses checked)")
        return format_html("<strong>{}</strong>", _("Affected, %(tier)s tier") % {"tier": tier})

    @admin.display(description=_("account safety"))
    def account_safety(self, obj):
        """What the customer has done to secure the account: the checklist's key steps."""
        if obj.requester_id is None:
            return _("No account: asked by email address only.")
        steps = {
            step.key: step
            for step in security_checklist(user=obj.requester, session_key=None).steps
        }
        wanted = [("new-password", _("New password set")), ("two-factor", _("Two-factor on"))]
        return format_html_join(
            " · ",
            "{}: <strong>{}</strong>",
            [
                (label, _("yes") if steps[key].done else _("no"))
                for key, label in wanted
                if key in steps
            ],
        )

    @admin.display(description=_("conversation"))
    def thread(self, obj):
        thread = obj.messages.select_related("author")
        return render_to_string("admin/support/ticket/_thread.html", {"thread": thread})

    def save_model(self, request, obj, form, change):
        if "assignee" in form.changed_data:
            # Before the save below: the service compares with the assignee on record.
            services.tickets_assign(
                tickets=Ticket.objects.filter(pk=obj.pk), agent=obj.assignee, actor=request.user
            )
        obj.save()
        body = form.cleaned_data.get("reply", "").strip()
        if body and request.user.has_perm("support.reply_ticket"):
            services.ticket_reply_by_agent(
                ticket=obj, agent=request.user, body=body, internal=form.cleaned_data["internal"]
            )
            if not form.cleaned_data["internal"] and not obj.requester_email:
                messages.warning(request, _("No email address: the reply is on the question, "
                                            "but nothing was sent."))  # fmt: skip
            elif not form.cleaned_data["internal"]:
                messages.success(request, _("Reply sent to %s.") % obj.requester_email)
        if "status" in form.changed_data:
            # A status chosen with a reply ("resolved") wins over "waiting on customer";
            # resolving records when, reopening forgets it.
            services.tickets_set_status(
                tickets=Ticket.objects.filter(pk=obj.pk),
                status=form.cleaned_data["status"],
                actor=request.user,
            )

    def get_urls(self):
        canned = path(
            "<int:ticket_id>/canned/",
            self.admin_site.admin_view(self.canned_view),
            name="support_ticket_canned",
        )
        macro = path(
            "<int:ticket_id>/macro/",
            self.admin_site.admin_view(self.macro_view),
            name="support_ticket_macro",
        )
        view = self.admin_site.admin_view
        calls = [
            path("call/", view(self.call_new_view), name="support_ticket_call_new"),
            path("<int:ticket_id>/call/", view(self.call_log_view), name="support_ticket_call"),
        ]
        report = [
            path("report/", view(partial(admin_report.report_view, self)),
                 name="support_ticket_report"),
            path("report/export.csv", view(partial(admin_report.export_view, self)),
                 name="support_ticket_export"),
        ]  # fmt: skip
        return [canned, macro, *calls, *report, *super().get_urls()]

    def _call_context(self, request, title, form, ticket=None):
        context = self.admin_site.each_context(request)
        return context | {"opts": self.opts, "title": title, "form": form, "ticket": ticket}

    def call_new_view(self, request):
        """A question a caller asks on the phone, taken down by the agent."""
        if not request.user.has_perm("support.reply_ticket"):
            raise PermissionDenied
        form = CallForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            created = services.ticket_create_for_caller(
                agent=request.user,
                subject=data["subject"],
                category=data["category"],
                notes=data["notes"],
                email=data["email"],
                name=data["name"],
                language=data["language"],
                incident=data["incident"],
            )
            reference = created.ticket.reference
            if data["email"]:
                self.message_user(request, _("Question %(reference)s recorded. The reference "
                                             "and a private link were emailed to %(email)s.")
                                  % {"reference": reference, "email": data["email"]})  # fmt: skip
            else:
                self.message_user(request, _("Question %(reference)s recorded. No email address: "
                                             "nothing was sent. Read the reference out to the "
                                             "caller.") % {"reference": reference},
                                  messages.WARNING)  # fmt: skip
            return redirect("admin:support_ticket_change", created.ticket.pk)
        context = self._call_context(request, _("Take a phone call"), form)
        return render(request, "admin/support/ticket/call_form.html", context)

    def call_log_view(self, request, ticket_id):
        """A call about a question already asked: its notes join the conversation."""
        if not request.user.has_perm("support.reply_ticket"):
            raise PermissionDenied
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        form = CallLogForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.ticket_log_call(
                ticket=ticket, agent=request.user, notes=form.cleaned_data["notes"]
            )
            self.message_user(
                request, _("Call logged on %(reference)s.") % {"reference": ticket.reference}
            )
            return redirect("admin:support_ticket_change", ticket.pk)
        title = _("Log a phone call about %(reference)s") % {"reference": ticket.reference}
        context = self._call_context(request, title, form, ticket)
        return render(request, "admin/support/ticket/call_form.html", context)

    def _macros(self, request):
        """The macros this agent may apply, or none."""
        user = request.user
        if not (user.has_perm("support.reply_ticket") and user.has_perm("support.view_macro")):
            return Macro.objects.none()
        return Macro.objects.filter(is_active=True)

    def macro_view(self, request, ticket_id):
        """A macro's reply (in the question's language) and changes; applied on POST."""
        ticket = get_object_or_404(Ticket.objects.select_related("assignee"), pk=ticket_id)
        if not (
            self.has_change_permission(request, ticket)
            and request.user.has_perm("support.reply_ticket")
        ):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        chosen = data.get("macro", "")
        macro = self._macros(request).filter(pk=chosen).first() if chosen.isdigit() else None
        if macro is None:
            messages.error(request, _("Choose one of the macros."))
            return redirect("admin:support_ticket_change", ticket.pk)
        if request.method == "POST":
            services.macro_apply(macro=macro, ticket=ticket, agent=request.user)
            messages.success(
                request,
                _("Macro “%(macro)s” applied to %(reference)s.")
                % {"macro": macro.title, "reference": ticket.reference},
            )
            return redirect("admin:support_ticket_change", ticket.pk)
        context = self.admin_site.each_context(request) | {
            "opts": self.opts,
            "title": _("Preview of the macro “%(macro)s”") % {"macro": macro.title},
            "ticket": ticket,
            "macro": macro,
            "reply": services.macro_reply_text(macro=macro, ticket=ticket),
            "language": dict(settings.LANGUAGES).get(ticket.language, ticket.language),
            "changes": services.macro_changes(macro=macro, ticket=ticket, agent=request.user),
        }
        return render(request, "admin/support/ticket/macro_preview.html", context)

    def has_bulk_answer_permission(self, request):
        user = request.user
        return user.has_perm("support.reply_ticket") and user.has_perm("support.add_bulkanswer")

    @admin.action(description=_("Answer in one reply…"), permissions=["bulk_answer"])
    def bulk_answer(self, request, queryset):
        bulk = services.bulk_answer_draft(tickets=queryset, agent=request.user)
        count = bulk.items.count()
        message = ngettext(
            "%d question chosen. Write the reply, then preview it.",
            "%d questions chosen. Write the reply, then preview it.",
            count,
        )
        self.message_user(request, message % count)
        return redirect("admin:support_bulkanswer_change", bulk.pk)

    @admin.action(description=_("Merge into one conversation"), permissions=["change"])
    def merge(self, request, queryset):
        try:
            kept = services.tickets_merge(tickets=queryset, actor=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        self.message_user(
            request,
            _("Merged into %(reference)s; the others are closed with a note.")
            % {"reference": kept.reference},
        )
        return redirect("admin:support_ticket_change", kept.pk)

    def canned_view(self, request, ticket_id):
        """The reply box filled with a canned response (htmx swaps it in)."""
        if not request.user.has_perm("support.reply_ticket"):
            raise PermissionDenied
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        choice = CannedChoiceForm(request.GET)
        if not choice.is_valid():
            # Not one of the active responses the select offers: a hand-made address.
            return HttpResponseBadRequest()
        canned = choice.cleaned_data["canned"]
        text = services.canned_response_render(canned=canned, ticket=ticket) if canned else ""
        form = TicketAdminForm(initial={"reply": text})
        return render(request, "admin/support/ticket/_reply.html", {"field": form["reply"]})

    @admin.action(description=_("Export to CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return admin_report.export_response(request, queryset, period="")

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        count = services.tickets_assign(tickets=queryset, agent=request.user, actor=request.user)
        message = ngettext("%d question assigned to you.", "%d questions assigned to you.", count)
        self.message_user(request, message % count)

    def _set_status(self, request, queryset, status):
        count = services.tickets_set_status(tickets=queryset, status=status, actor=request.user)
        label = TicketStatus(status).label
        self.message_user(
            request, _("%(count)d marked “%(status)s”.") % {"count": count, "status": label}
        )

    @admin.action(description=_("Mark open"))
    def mark_open(self, request, queryset):
        self._set_status(request, queryset, TicketStatus.OPEN)

    @admin.action(description=_("Mark waiting on customer"))
    def mark_waiting(self, request, queryset):
        self._set_status(request, queryset, TicketStatus.WAITING)

    @admin.action(description=_("Mark resolved"))
    def mark_resolved(self, request, queryset):
        self._set_status(request, queryset, TicketStatus.RESOLVED)

    @admin.action(description=_("Mark closed"))
    def mark_closed(self, request, queryset):
        self._set_status(request, queryset, TicketStatus.CLOSED)


@admin.register(CannedResponse)
class CannedResponseAdmin(TranslationAdmin):
    """A text per language: a question asked in Spanish gets its reply filled in Spanish."""

    list_display = ["title", "category", "is_active"]
    list_filter = ["is_active", "category"]
    search_fields = ["title", *get_translation_fields("body")]


@admin.register(Message)
class MessageAdmin(RecordAdmin):
    """Read-only record of every message, for audits; agents work in the ticket page."""

    list_display = ["ticket", "author_kind", "author", "is_internal", "created_at"]
    list_filter = ["author_kind", "is_internal"]
    search_fields = ["ticket__reference", "body"]
    list_select_related = ["ticket", "author"]


@admin.register(Macro)
class MacroAdmin(TranslationAdmin):
    """A reply and its changes, applied in one step from a question's page after a preview."""

    list_display = ["title", "set_status", "set_priority", "set_assignee", "set_category",
                    "is_active"]  # fmt: skip
    list_filter = ["is_active", "set_status", "set_category"]
    search_fields = ["title", *get_translation_fields("body")]

    def save_model(self, request, obj, form, change):
        if not any(getattr(obj, f) for f in get_translation_fields("body")) and not obj.canned:
            messages.warning(request, _("This macro has no reply: it only makes its changes."))
        super().save_model(request, obj, form, change)


@admin.register(BulkAnswer)
class BulkAnswerAdmin(TranslationAdmin):
    """
    One reply to many questions, chosen in the inbox ("Answer in one reply…"): write it,
    preview it per language, confirm the count, then follow the sending.
    """

    change_form_template = "admin/support/bulkanswer/change_form.html"
    list_display = ["__str__", "state", "questions", "created_by", "created_at", "sent_at"]
    list_filter = ["state", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["created_by__email"]
    list_select_related = ["created_by"]
    fields = ["body", "set_status"]

    def has_add_permission(self, request):
        return False  # chosen from the inbox's questions

    def has_delete_permission(self, request, obj=None):
        # Only a draft: a sent one is the record of what people received.
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.state == BulkAnswer.State.DRAFT
        )

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.state != BulkAnswer.State.DRAFT:
            return [*get_translation_fields("body"), "set_status"]
        return []

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_items=Count("items"))

    @admin.display(description=_("questions"), ordering="n_items")
    def questions(self, obj):
        return obj.n_items

    def change_view(self, request, object_id, form_url="", extra_context=None):
        bulk = self.get_object(request, object_id)
        context = extra_context or {}
        if bulk is not None:
            context |= {"languages": self._languages(bulk), "count": bulk.items.count()}
            if bulk.state != BulkAnswer.State.DRAFT:
                context |= _progress(bulk)
        return super().change_view(request, object_id, form_url, context)

    def response_change(self, request, obj):
        if "_preview" in request.POST:
            return redirect("admin:support_bulkanswer_preview", obj.pk)
        return super().response_change(request, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="support_bulkanswer_preview"),
            path("<int:pk>/send/", view(self.send_view), name="support_bulkanswer_send"),
            path(
                "<int:pk>/progress/", view(self.progress_view), name="support_bulkanswer_progress"
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _languages(bulk):
        names = dict(settings.LANGUAGES)
        return [
            (names.get(code, code), count)
            for code, count in selectors.bulk_answer_languages(bulk=bulk).items()
        ]

    def _bulk(self, request, pk, *, change=False):
        bulk = get_object_or_404(BulkAnswer, pk=pk)
        allowed = self.has_change_permission if change else self.has_view_permission
        if not allowed(request, bulk):
            raise PermissionDenied
        return bulk

    def _context(self, request, bulk, title):
        context = self.admin_site.each_context(request)
        return context | {"bulk": bulk, "opts": self.opts, "title": title,
                          "count": bulk.items.count()}  # fmt: skip

    def preview_view(self, request, pk):
        bulk = self._bulk(request, pk)
        context = self._context(request, bulk, _("Preview of the answer"))
        names = dict(settings.LANGUAGES)
        context["samples"] = [
            (names.get(ticket.language, ticket.language), ticket.reference,
             services.bulk_answer_reply_text(bulk=bulk, ticket=ticket))
            for ticket in selectors.bulk_answer_samples(bulk=bulk)
        ]  # fmt: skip
        context["languages"] = self._languages(bulk)
        return render(request, "admin/support/bulkanswer/preview.html", context)

    def send_view(self, request, pk):
        bulk = self._bulk(request, pk, change=True)
        if request.method == "POST":
            try:
                services.bulk_answer_send(bulk=bulk, actor=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Sending. Progress is shown below."))
            return redirect("admin:support_bulkanswer_change", pk)
        context = self._context(request, bulk, _("Send this answer?"))
        return render(request, "admin/support/bulkanswer/send_confirm.html", context)

    def progress_view(self, request, pk):
        bulk = self._bulk(request, pk)
        return render(request, "admin/support/bulkanswer/_progress.html", _progress(bulk))


def _progress(bulk) -> dict:
    progress = selectors.bulk_answer_progress(bulk=bulk)
    total = progress["total"]
    done = progress["sent"] + progress["failed"]
    finished = bulk.state == BulkAnswer.State.SENT and done >= progress["answered"]
    return {"bulk": bulk, "progress": progress, "total": total, "finished": finished,
            "percent": int(100 * done / total) if total else 100}  # fmt: skip


@admin.register(InboundEmail)
class InboundEmailAdmin(RecordAdmin):
    """Every email the support mailbox received and what became of it, robots' included."""

    list_display = ["received_at", "from_email", "subject", "outcome", "ticket", "acknowledged"]
    list_filter = ["outcome", "acknowledged"]
    search_fields = ["from_email", "subject", "message_id", "ticket__reference"]
    search_help_text = _("Search by address, subject, Message-ID or question reference.")
    list_select_related = ["ticket"]
    date_hierarchy = "received_at"
    list_per_page = 100
