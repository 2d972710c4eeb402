import time
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .proof import mailbox_proved_at

# The pages where a new password is set; the one that fits the person is open to her.
PASSWORD_PAGES = {"account_change_password", "account_set_password", "accounts:new-password"}

# What else a person who must set a new password can still reach: signing out, and a
# reset by email for someone who does not know her current password ("Forgot your password?").
ALLOWED_WHILE_PASSWORD_REQUIRED = {
    "account_logout",
    "account_reauthenticate",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "healthz",
}


def _is_public(view_func) -> bool:
    # Public pages never read the session: reading it here would add Vary: Cookie.
    return getattr(view_func, "is_public_page", False)


def password_page(request) -> str:
    """
    Where this person sets her new password: without the old one if this session was
    opened through her mailbox (an emailed code, a reset link), as a reset would allow;
    otherwise allauth's form, which asks for the current password (or sets a first one).
    """
    if not request.user.has_usable_password():
        return "account_set_password"
    if mailbox_proved_at(request) is not None:
        return "accounts:new-password"
    return "account_change_password"


def _return_to(request) -> str | None:
    """The page she asked for, to be taken to once the new password is set."""
    if request.method != "GET" or request.htmx:
        return None
    if request.resolver_match.view_name not in PASSWORD_PAGES:
        return request.get_full_path()
    # From one password page to another: what the first was to return to, if on this site.
    url = request.GET.get("next")
    return url if url and get_adapter(request).is_safe_url(url) else None


class ForcedPasswordChangeMiddleware:
    """
    Sends a person whose password was exposed (or whom staff asked) to set a
    new one before any other page; typing another address does not get past it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _is_public(view_func):
            return None
        user = request.user
        if not (user.is_authenticated and user.must_change_password):
            return None
        page = password_page(request)
        view_name = request.resolver_match.view_name
        if view_name == page or view_name in ALLOWED_WHILE_PASSWORD_REQUIRED:
            return None
        messages.warning(
            request,
            _("Your password was among the data involved. Please choose a new one to continue."),
        )
        url = resolve_url(page)
        if next_url := _return_to(request):
            url = f"{url}?{urlencode({'next': next_url})}"
        if request.htmx:
            return HttpResponseClientRedirect(url)
        return redirect(url)


# The minute in which this session was last seen active.
ACTIVE_MINUTE = "_active_minute"


class SessionActivityMiddleware:
    """
    A signed-in person's activity, noted at most once a minute per session:

    - the session is saved, so its expiry moves on: it ends after SESSION_COOKIE_AGE
      seconds without activity rather than at a fixed time;
    - allauth's session list learns when and from where the session was last seen
      ("last seen" needs no finer grain; writing it on every request cost signed-in
      pages a transaction each).

    Only on pages that use the session anyway: public pages stay free of session
    reads, so a CDN can cache them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from allauth.usersessions import app_settings
        from allauth.usersessions.models import UserSession

        if _is_public(view_func) or not request.user.is_authenticated:
            return None
        minute = int(time.time()) // 60
        if request.session.get(ACTIVE_MINUTE) == minute:
            return None
        request.session[ACTIVE_MINUTE] = minute
        if app_settings.TRACK_ACTIVITY:
            UserSession.objects.create_from_request(request)
        return None
