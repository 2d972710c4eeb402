from allauth.core.ratelimit import consume_or_429
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from .forms import SubscribeForm
from .services import subscriptions


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
