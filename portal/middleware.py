from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _


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
