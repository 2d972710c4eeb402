"""
Error pages: each says what happened in plain words and what to do next, and gives
away nothing about the code. The 500 page shows the request id, which is in the log
line of the error too, so support can find what went wrong for this person.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from .context_processors import site


def _render(request, template, status, **context):
    return render(request, template, context, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _render(request, "400.html", 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _render(request, "403.html", 403)


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check: usually a page left open too long."""
    return _render(request, "403_csrf.html", 403)


def service_unavailable(request):
    """The database is unreachable: say so, and when to try again (no database needed)."""
    response = HttpResponse(
        loader.get_template("503.html").render(_plain_context(request)), status=503
    )
    response["Retry-After"] = "30"
    return response


def _plain_context(request) -> dict:
    # Only the site's details (read from settings, no database) and the request id.
    return {**site(request), "request_id": getattr(request, "request_id", "")}


@requires_csrf_token
def server_error(request):
    """
    Rendered without the request context: whatever broke (the database, a context
    processor) must not break this page too. An unreachable database is not a bug:
    it gets the 503 page, wherever it was noticed (a view, or a middleware reading
    the session).
    """
    if isinstance(sys.exception(), (OperationalError, InterfaceError)):
        return service_unavailable(request)
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render(_plain_context(request)))
