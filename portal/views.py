import logging

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.public_pages import page_fresh_until, public_page
from core.staff import staff_view
from incidents import selectors
from incidents.models import Incident
from notifications.services.campaigns import campaign_follow_up_create

from .funnel import incident_funnel
from .health import broker_state

logger = logging.getLogger(__name__)


@require_safe
@public_page
def home(request):
    incidents = list(selectors.incident_list_public())
    context = {
        "active": [i for i in incidents if selectors.status_is_active(i.current_status)],
        "past": [i for i in incidents if not selectors.status_is_active(i.current_status)],
        "latest_updates": selectors.update_list_latest(limit=5),
    }
    response = render(request, "portal/home.html", context)
    return page_fresh_until(response, selectors.update_next_scheduled_at())


@require_safe
def admin_login(request):
    """The admin signs in through allauth, which asks for the second factor."""
    if request.user.is_authenticated and not request.user.is_staff:
        # Signed in already, so allauth would send them straight back: a loop.
        raise PermissionDenied
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


@never_cache
@require_safe
def healthz(request):
    """For load balancers: 200 while the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        logger.exception("Health check: database unreachable")
        database = "unreachable"
    broker = broker_state()
    healthy = database == "ok"
    body = {"status": "ok" if healthy else "unhealthy", "database": database, "broker": broker}
    return JsonResponse(body, status=200 if healthy else 503)


@staff_view(("incidents.view_incident", "incidents.change_incident"), "incidents.view_exposure")
@require_http_methods(["GET", "HEAD", "POST"])
def funnel(request, slug):
    """The recovery funnel of an incident, per tier: counts of the affected people."""
    incident = get_object_or_404(Incident, slug=slug)
    if request.method == "POST":
        if not request.user.has_perm("notifications.add_campaign"):
            raise PermissionDenied
        campaign = campaign_follow_up_create(incident=incident, user=request.user)
        return redirect("admin:notifications_campaign_change", campaign.pk)
    context = {
        **admin.site.each_context(request),
        "title": f"Recovery funnel: {incident.title}",
        "incident": incident,
        "tiers": incident_funnel(incident=incident),
    }
    return render(request, "admin/funnel.html", context)
