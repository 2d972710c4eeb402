from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_safe

from core.public_pages import page_fresh_until, public_page
from core.staff import staff_view

from . import api, selectors


@require_safe
@public_page
def incident_detail(request, slug):
    page = selectors.incident_get_public(slug=slug)
    response = render(request, "incidents/incident_detail.html", {"page": page})
    return page_fresh_until(response, page.fresh_until)


@staff_view(("incidents.view_incident", "incidents.change_incident"))
@require_safe
def incident_preview(request, slug):
    """The incident page as it will look, drafts and scheduled updates included (staff only)."""
    page = selectors.incident_get_public(slug=slug, preview=True)
    response = render(request, "incidents/incident_detail.html", {"page": page, "preview": True})
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@public_page
def update_history(request, slug, update_id):
    update = selectors.update_get_public(slug=slug, update_id=update_id)
    revisions = selectors.update_public_revisions(update=update)
    context = {"update": update, "incident": update.incident, "revisions": revisions}
    return render(request, "incidents/update_history.html", context)


@require_safe
@public_page(params=("q",), local_params=("q",))
def faq_list(request):
    query = request.GET.get("q", "").strip()[:100]
    faqs = selectors.faq_list_public(query=query)
    template = "incidents/faq_list.html#results" if request.htmx else "incidents/faq_list.html"
    return render(request, template, {"faqs": faqs, "query": query})


def _api_response(build, request):
    # One answer for every client, in the original language, links included: the API
    # is not under a language prefix, and status widgets send no useful Accept-Language.
    with translation.override(settings.LANGUAGE_CODE):
        payload = build(request)
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    # Anyone's status widget may read it, as Statuspage's public API allows.
    response["Access-Control-Allow-Origin"] = "*"
    # Said here, not by LocaleMiddleware from the first reader's Accept-Language: the
    # page cache keeps one copy for every reader.
    response["Content-Language"] = settings.LANGUAGE_CODE
    return page_fresh_until(response, selectors.update_next_scheduled_at())


@require_safe
@public_page
def api_summary(request):
    return _api_response(api.summary, request)


@require_safe
@public_page
def api_incidents(request):
    return _api_response(api.incidents, request)


@require_safe
def api_not_found(request, path=""):
    return JsonResponse({"error": "not_found", "message": "No such API resource."}, status=404)
