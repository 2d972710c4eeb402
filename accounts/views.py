from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from . import selectors, services


@never_cache
@login_required
@require_safe
def me(request):
    """Was I affected? Private to the signed-in person; never cached."""
    emails, incidents = selectors.user_exposure_report(user=request.user)
    affected = [i for i in incidents if i.affected]
    if any(i.exposure.remedy_code for i in affected):
        services.remedy_code_revealed(user=request.user)
    checklist = selectors.security_checklist(
        user=request.user, session_key=request.session.session_key, exposures=(emails, incidents)
    )
    context = {
        "verified_emails": emails,
        "incidents": incidents,
        "affected": affected,
        "checklist": checklist,
    }
    return render(request, "accounts/me.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def me_security(request):
    """The steps to a safe account; steps done here update the list in place."""
    if request.method == "POST" and request.POST.get("action") == "end-other-sessions":
        services.sessions_end_others(user=request.user, request=request)
        if not request.htmx:
            return redirect("accounts:me-security")
    checklist = selectors.security_checklist(
        user=request.user, session_key=request.session.session_key
    )
    template = (
        "accounts/me_security.html#checklist" if request.htmx else "accounts/me_security.html"
    )
    return render(request, template, {"checklist": checklist})


@never_cache
@login_required
@require_safe
def phishing_guide(request):
    services.phishing_guide_read(user=request.user)
    return render(request, "accounts/phishing_guide.html")
