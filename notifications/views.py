from allauth.core.ratelimit import consume_or_429
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from .forms import SubscribeForm, WebhookSubscribeForm
from .services import subscriptions, webhooks


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    """Public pages link here by GET with the address typed; the POST asks for it."""
    form = SubscribeForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        # Only a request that would send mail counts, per mailbox in its one spelling
        # (the form normalised it): a typo costs nothing, a respelling gains nothing.
        email = form.cleaned_data["email"]
        if limited := consume_or_429(request, action="subscribe", key=email):
            return limited
        subscriptions.subscription_request(email=email, incident=form.cleaned_data["incident"])
        return redirect("notifications:subscribe-sent")
    return render(request, "notifications/subscribe.html", {"form": form})


@require_safe
def subscribe_sent(request):
    return render(request, "notifications/subscribe_sent.html")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET shows a button (mail scanners follow links); the POST confirms."""
    try:
        if request.method == "POST":
            subscription = subscriptions.subscription_confirm(token=token)
            return render(request, "notifications/confirmed.html", {"subscription": subscription})
        subscription = subscriptions.subscription_preview(token=token, action="confirm")
    except subscriptions.BadToken:
        return render(request, "notifications/bad_link.html", status=400)
    return render(request, "notifications/confirm.html", {"subscription": subscription})


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail clients POST with no session
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    try:
        if request.method == "POST":
            subscription = subscriptions.unsubscribe(token=token)
            return render(
                request, "notifications/unsubscribed.html", {"subscription": subscription}
            )
        subscription = subscriptions.subscription_preview(token=token, action="unsubscribe")
    except subscriptions.BadToken:
        return render(request, "notifications/bad_link.html", status=400)
    return render(request, "notifications/unsubscribe.html", {"subscription": subscription})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_subscribe(request):
    """Updates POSTed to the subscriber's endpoint; the owner confirms by email."""
    form = WebhookSubscribeForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST":
        # Every POST counts per client, valid or not (each one resolves a name); a valid
        # one also per endpoint, as it emails someone.
        if limited := consume_or_429(request, action="webhook_subscribe"):
            return limited
        if form.is_valid():
            url = form.cleaned_data["url"]
            if limited := consume_or_429(request, action="webhook_endpoint", key=url):
                return limited
            webhooks.webhook_subscription_request(
                url=url, email=form.cleaned_data["email"], incident=form.cleaned_data["incident"]
            )
            return redirect("notifications:subscribe-sent")
    return render(request, "notifications/webhook_subscribe.html", {"form": form})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_confirm(request, token):
    """GET shows a button (mail scanners follow links); the POST confirms and shows the secret."""
    try:
        if request.method == "POST":
            subscription, secret = webhooks.webhook_confirm(token=token)
            context = {
                "subscription": subscription,
                "secret": secret,
                "unsubscribe_url": webhooks.webhook_unsubscribe_url(subscription),
            }
            return render(request, "notifications/webhook_confirmed.html", context)
        subscription = webhooks.webhook_preview(token=token, action="confirm")
    except webhooks.BadToken:
        return render(request, "notifications/bad_link.html", status=400)
    return render(request, "notifications/webhook_confirm.html", {"subscription": subscription})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_unsubscribe(request, token):
    try:
        if request.method == "POST":
            subscription = webhooks.webhook_unsubscribe(token=token)
            return render(
                request, "notifications/webhook_unsubscribed.html", {"subscription": subscription}
            )
        subscription = webhooks.webhook_preview(token=token, action="unsubscribe")
    except webhooks.BadToken:
        return render(request, "notifications/bad_link.html", status=400)
    return render(
        request, "notifications/webhook_unsubscribe.html", {"subscription": subscription}
    )
