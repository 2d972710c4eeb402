import secrets

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from . import requestid


class StaffTwoFactorMiddleware:
    """
    No admin page without two-factor authentication.

    Staff sign in through allauth, which asks enrolled people for their code. A
    staff member not enrolled yet is sent to enroll, but only if this session
    was opened with a code emailed to them: a stolen password alone must not be
    enough to enroll the thief's own authenticator.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.app_name != "admin" or match.url_name in {"login", "logout"}:
            return None
        user = request.user
        if not (user.is_authenticated and user.is_staff) or is_mfa_enabled(user):
            return None
        records = get_authentication_records(request, user)
        if any(record.get("method") == "code" for record in records):
            messages.warning(
                request, _("Staff must turn on two-factor authentication before using the admin.")
            )
            return redirect("mfa_activate_totp")
        logout(request)
        return render(request, "portal/staff_2fa_required.html", status=403)


class RequestIdMiddleware:
    """
    Gives each request an id: in the `X-Request-ID` response header, in every log line
    written while the request runs, and on the 500 page, so a person who writes to
    support can quote it and staff can find the matching log lines.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id = secrets.token_hex(8)
        token = requestid.current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            requestid.current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class PrivatePageMiddleware:
    """
    `Cache-Control: no-store` on every page that did not choose its own caching (the
    public pages do), so a signed-in page or a form with a CSRF token is never kept
    by a browser, a shared computer's back button or a proxy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
