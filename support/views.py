from http import HTTPStatus

from allauth.account import app_settings as allauth_settings
from allauth.core.ratelimit import consume_or_429
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from . import selectors, services
from .forms import AskForm, RatingForm, ReplyForm

# The questions asked without an account that this browser may read: the ids of those
# whose private link it opened (or that it asked), newest last.
READABLE_SESSION_KEY = "support_readable_tickets"
READABLE_MAX = 50


def _rate_limited(request, action, key=None):
    """
    allauth's limiter with our rates (settings.ACCOUNT_RATE_LIMITS): the 429 page, or None.
    Per-account rates count only people signed in (allauth refuses them for anyone
    else); per-key rates (e.g. the address a stranger typed) only where there is a key.
    """
    rates = allauth_settings.RATE_LIMITS.get(action) or ""
    drop = {"/user"} if not request.user.is_authenticated else set()
    if key is None:
        drop.add("/key")
    rates = ",".join(r for r in rates.split(",") if not any(r.strip().endswith(d) for d in drop))
    return consume_or_429(request, action=action, key=key, config={action: rates})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_new(request):
    user = request.user if request.user.is_authenticated else None
    initial = {
        "subject": request.GET.get("subject", ""),
        "incident": selectors.incident_id_to_ask_about(slug=request.GET.get("incident", "")),
    }
    form = AskForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and request.POST.get("action") == "lookup":
        # "Look for an answer first", without JavaScript: keep what was typed, show answers.
        subject = request.POST.get("subject", "")[:200]
        form = AskForm(initial=request.POST.dict(), user=user)
        faqs = selectors.faq_suggestions(subject=subject)
        return render(request, "support/ticket_new.html", {"form": form, "faqs": faqs})
    # Only a question that would be recorded counts towards the limit: fixing a typo is free.
    if request.method == "POST" and form.is_valid():
        # A stranger's typed address is limited too, so nobody can flood someone's inbox;
        # the form normalised it, so each mailbox has one count whatever its spelling.
        address = form.cleaned_data.get("email") or None
        if limited := _rate_limited(request, "support_ask", key=address):
            return limited
        data = form.cleaned_data
        asked = services.ticket_create(
            subject=data["subject"],
            category=data["category"],
            body=data["body"],
            incident=data["incident"],
            user=user,
            email=data.get("email", ""),
            name=data.get("name", ""),
        )
        messages.success(request, _received(asked.ticket))
        if asked.token:
            _let_this_browser_read(request, asked.ticket)
        return redirect(asked.ticket)
    return render(request, "support/ticket_new.html", {"form": form})


def _received(ticket):
    hours = services.first_response_hours(ticket.priority)
    text = ngettext(
        "We received your question {reference}. A person will answer within {hours} hour, "
        "and we emailed you a confirmation.",
        "We received your question {reference}. A person will answer within {hours} hours, "
        "and we emailed you a confirmation.",
        hours,
    )
    # The reference in one piece: a line break after "C-" would make it hard to read out.
    reference = format_html('<strong class="reference">{}</strong>', ticket.reference)
    return format_html(text, reference=reference, hours=hours)


@require_safe
def faq_suggestions(request):
    """FAQs matching the subject being typed; a whole page without JavaScript."""
    subject = request.GET.get("subject", "")[:200]
    faqs = selectors.faq_suggestions(subject=subject)
    template = (
        "support/ticket_new.html#suggestions" if request.htmx else "support/faq_suggestions.html"
    )
    return render(request, template, {"faqs": faqs, "subject": subject})


@never_cache
@login_required
@require_safe
def ticket_list(request):
    tickets = selectors.ticket_list_for_user(user=request.user)
    return render(request, "support/ticket_list.html", {"tickets": tickets})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_detail(request, reference):
    """A question's page, for its signed-in asker or a browser that opened its private link."""
    ticket = selectors.ticket_for_reader(
        user=request.user if request.user.is_authenticated else None,
        reference=reference,
        readable=request.session.get(READABLE_SESSION_KEY, []),
    )
    if ticket is None:
        # The same for a question that does not exist: a 404 that says how to get in.
        return render(request, "support/ticket_closed_to_you.html", status=HTTPStatus.NOT_FOUND)
    return _conversation(request, ticket)


@never_cache
@require_safe
def ticket_private(request, token):
    """
    The private link we email: it lets this browser read the question, then moves
    to the question's address without the token, so the token stays out of access
    logs, the language switcher's links and the address bar.
    """
    ticket = selectors.ticket_get_by_token(token=token)
    _let_this_browser_read(request, ticket)
    return redirect(ticket)


def _let_this_browser_read(request, ticket):
    readable = [pk for pk in request.session.get(READABLE_SESSION_KEY, []) if pk != ticket.pk]
    # A new session key, as signing in gets: a session someone else planted in this
    # browser must not gain the question.
    request.session.cycle_key()
    request.session[READABLE_SESSION_KEY] = [*readable, ticket.pk][-READABLE_MAX:]


def _conversation(request, ticket):
    """The question's page: the thread, and reply, resolve and rate, all by POST."""
    action = request.POST.get("action") if request.method == "POST" else None
    reply_form = ReplyForm(request.POST if action == "reply" else None)
    rating_form = RatingForm(request.POST if action == "rate" else None)
    user = request.user if request.user.is_authenticated else None
    # Only what would be recorded counts towards the limit.
    recorded = (
        action == "resolve"
        or (action == "reply" and reply_form.is_valid())
        or (action == "rate" and rating_form.is_valid())
    )
    if recorded and (limited := _rate_limited(request, "support_reply")):
        return limited
    if action == "reply" and reply_form.is_valid():
        reopened = ticket.is_resolved
        services.ticket_reply_by_customer(
            ticket=ticket, body=reply_form.cleaned_data["body"], user=user
        )
        if reopened:
            messages.success(request, _("Your reply was sent. Your question is open again."))
        else:
            messages.success(request, _("Your reply was sent."))
        return redirect(request.path)
    if action == "resolve":
        services.ticket_resolve_by_customer(ticket=ticket)
        messages.success(request, _("Marked as resolved. Thank you for letting us know."))
        return redirect(request.path)
    if action == "rate" and rating_form.is_valid():
        try:
            services.ticket_rate(ticket=ticket, **rating_form.cleaned_data)
        except ValidationError as error:
            # The rating form is only offered once resolved, so say it where it shows.
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you for rating our help."))
            return redirect(request.path)
    context = {
        "ticket": ticket,
        "thread": selectors.ticket_thread_public(ticket=ticket),
        "reply_form": reply_form,
        "rating_form": rating_form,
        "hours": services.first_response_hours(ticket.priority),
    }
    return render(request, "support/ticket_detail.html", context)
