import math
import secrets
import time

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from core.staff import may_use_account, refuse_password_only, second_factor_gate

from . import requestid
from .password_budget import password_checks_spent


class StaffTwoFactorMiddleware:
    """
    No admin page without two-factor authentication, and no staff account used on a
    password alone.

    Staff sign in through allauth, which asks enrolled people for their code; a session
    that skipped it is asked again before any admin page. A staff member not enrolled
    yet may use the account only in a session opened with a code emailed to them, where
    the admin sends them to enroll. Staff pages outside the admin hold to the same rule
    with core.staff.staff_view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "is_public_page", False):
            return None  # the same for everyone; reading the session would add Vary: Cookie
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return None
        if not may_use_account(request):
            # Every page, not only the enrolment ones: changing the address the codes
            # are emailed to would let whoever has the password enrol next.
            return refuse_password_only(request)
        match = request.resolver_match
        if match.app_name == "admin" and match.url_name not in {"login", "logout"}:
            return second_factor_gate(request)
        return None


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


class RefusedAgainMiddleware:
    """
    A client that was just refused for going over a rate limit, and asks again at
    once, is refused again here, before sessions, CSRF, the limiter and the page's
    template: in a password-guessing storm those cost a refused request ~2 ms of a
    core, taken from the public pages (bench/load.py --login-storm).

    When a POST is answered 429, the client's address (as allauth's limiter sees it)
    and the path are held for `CANDOR_REFUSED_HOLD_SECONDS` (5), with the page it got,
    if it was not signed in (a page with someone's name in it is never reused for
    another person behind the same address). Within that time the same POST from that
    address gets the same page at once. Each process holds its own, at most
    `MAX_HELD` clients. The response still passes the security headers' middleware.
    """

    MAX_HELD = 10_000

    def __init__(self, get_response):
        self.get_response = get_response
        # (address, path) -> (until, page bytes, content type)
        self.held: dict[tuple[str, str], tuple[float, bytes, str]] = {}

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        key = (self._client(request), request.path)
        held = self.held.get(key)
        now = time.time()
        if held is not None and held[0] > now:
            return self._refused_again(*held, now)
        response = self.get_response(request)
        held_too = getattr(response, "hold_client", True)  # the budget's refusal lasts 1 s
        if response.status_code == 429 and held_too and not _signed_in(request):
            self._hold(key, now, response)
        return response

    @staticmethod
    def _client(request) -> str:
        return get_account_adapter().get_client_ip(request)

    def _hold(self, key, now, response) -> None:
        if len(self.held) >= self.MAX_HELD:
            self.held = {k: v for k, v in self.held.items() if v[0] > now}
            if len(self.held) >= self.MAX_HELD:
                return
        until = now + settings.CANDOR_REFUSED_HOLD_SECONDS
        self.held[key] = (until, response.content, response["Content-Type"])

    @staticmethod
    def _refused_again(until, content, content_type, now):
        return _refusal(
            content, retry_after=max(1, math.ceil(until - now)), content_type=content_type
        )


def _refusal(content: bytes, *, retry_after: int, content_type=None) -> HttpResponse:
    """
    A 429 answered ahead of the middleware that would add X-Frame-Options and
    no-store (the security headers' middleware above still runs).
    """
    response = HttpResponse(content, content_type=content_type, status=429)
    response["Retry-After"] = str(retry_after)
    response["X-Frame-Options"] = "DENY"
    add_never_cache_headers(response)
    return response


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class PasswordBudgetMiddleware:
    """
    While this second's budget of password checks is spent (portal.password_budget),
    a password sign-in is answered at once, before sessions, CSRF and the sign-in
    form, with a 429 page that points to the emailed code: in a storm from many
    addresses those cost more than the public pages (bench/load.py --login-storm
    --spread). The budget itself is spent by the sign-in (the account adapter).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._login_paths: set[str] | None = None
        self._pages: dict[str, bytes] = {}

    def __call__(self, request):
        if (
            request.method == "POST"
            and request.path in self.login_paths()
            and password_checks_spent()
        ):
            return self._busy(request)
        return self.get_response(request)

    def login_paths(self) -> set[str]:
        if self._login_paths is None:
            paths = set()
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    paths.add(reverse("account_login"))
            self._login_paths = paths
        return self._login_paths

    def _busy(self, request):
        # The page is the same for everyone on this path: rendered once, then reused.
        page = self._pages.get(request.path)
        if page is None:
            language = translation.get_language_from_path(request.path) or settings.LANGUAGE_CODE
            with translation.override(language):
                page = render(request, "429.html", {"busy": True}).content
            self._pages[request.path] = page
        response = _refusal(page, retry_after=1)
        response.hold_client = False  # nothing for RefusedAgainMiddleware to hold
        return response
