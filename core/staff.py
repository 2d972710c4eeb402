"""
What every staff page requires, in the admin or outside it: a staff account, a session
that passed one of the account's second factors, and the page's permission.

The admin's pages get it from core.middleware.StaffTwoFactorMiddleware; any other staff page
from `staff_view`. Both answer through `second_factor_gate`, so the rule is written once.
Sessions are judged by what allauth recorded when they were opened (or since
reauthenticated): "password", "code" (a code emailed to the account), "mfa".
"""

from collections.abc import Callable
from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

REFUSAL_TEMPLATE = "staff_2fa_required.html"


def _used(request: HttpRequest, method: str) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == method for record in records)


def may_use_account(request: HttpRequest) -> bool:
    """
    A staff member without a second factor may use their account only in a session
    opened with a code emailed to them, to set one up: a stolen password alone must not
    enrol the thief's authenticator, nor move the emailed codes to the thief's address.
    """
    return _used(request, "code") or is_mfa_enabled(request.user)


def refuse_password_only(request: HttpRequest) -> HttpResponse:
    """Ends the session and explains how to sign in to set up two-factor authentication."""
    logout(request)
    return render(request, REFUSAL_TEMPLATE, status=403)


def second_factor_gate(request: HttpRequest) -> HttpResponse | None:
    """
    None when the signed-in staff member's session passed a second factor. Otherwise
    where to go: their factor asked for again (allauth brings them back here), the
    enrolment page in a session opened with an emailed code, or the refusal.
    """
    if is_mfa_enabled(request.user):
        if _used(request, "mfa"):
            return None
        query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
        return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
    if _used(request, "code"):
        messages.warning(
            request, _("Staff must turn on two-factor authentication before using the admin.")
        )
        return redirect("mfa_activate_totp")
    return refuse_password_only(request)


def staff_view(*permissions: str | tuple[str, ...]) -> Callable:
    """
    A staff page outside the admin, held to what the admin requires: a signed-in staff
    member (others are sent to sign in, or refused), a session that passed the second
    factor, and every permission listed; a tuple is met by any one of its names (the
    admin lets `change` stand in for `view`). The view is marked `staff_only`.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_active and user.is_staff):
                raise PermissionDenied
            refusal = second_factor_gate(request)
            if refusal is not None:
                return refusal
            for needed in permissions:
                names = (needed,) if isinstance(needed, str) else needed
                if not any(user.has_perm(name) for name in names):
                    raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.staff_only = True
        return wrapped

    return decorator
