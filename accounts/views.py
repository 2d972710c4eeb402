from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import selectors


@never_cache
@login_required
@require_safe
def me(request):
    """Was I affected? Private to the signed-in person; never cached."""
    emails, incidents = selectors.user_exposure_report(user=request.user)
    context = {
        "verified_emails": emails,
        "incidents": incidents,
        "affected": [i for i in incidents if i.affected],
    }
    return render(request, "accounts/me.html", context)
