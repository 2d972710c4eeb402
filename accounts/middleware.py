import time
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from core.public_pages import is_public_page

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


# The minute in which this session was last seen active.
ACTIVE_MINUTE = "_active_minute"


class SignedInPersonMiddleware:
    """
    What a signed-in person's requests do besides the page, on every page but the
    public ones (they read no session, so a CDN can keep them):

    - her activity is noted at most once a minute per session: the session is saved,
      so it ends after SESSION_COOKIE_AGE seconds without activity rather than at a
      fixed time, and allauth's session list learns when and from where it was last
      seen. allauth's own UserSessionsMiddleware would write that on every request
      (a transaction each for signed-in pages) and on public pages too;
    - a person whose password was exposed (or whom staff asked) is sent to set a new
      one before any other page; typing another address does not get past it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if is_public_page(view_func) or not request.user.is_authenticated:
            return None
        _note_activity(request)
        if request.user.must_change_password:
            return _password_first(request)
        return None


def _note_activity(request) -> None:
    from allauth.usersessions import app_settings
    from allauth.usersessions.models import UserSession

    minute = int(time.time()) // 60
    if request.session.get(ACTIVE_MINUTE) == minute:
        return
    request.session[ACTIVE_MINUTE] = minute
    if app_settings.TRACK_ACTIVITY:
        UserSession.objects.create_from_request(request)


def _password_first(request):
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
