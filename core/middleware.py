"""
core's middlewares. Their order in settings.MIDDLEWARE matters, and
tests/test_middleware_order.py holds it:

- RequestIdMiddleware first, so every response (static files, early answers, errors)
  carries its id;
- EarlyAnswerMiddleware right after WhiteNoise (where Django's FetchFromCacheMiddleware
  would sit) and after the headers' middlewares (CSP, Permissions-Policy), which its
  answers pass through, and ConditionalGetMiddleware, which turns them into 304s;
- StaffTwoFactorMiddleware after authentication;
- CSPMiddleware (django-csp's, its header built once) where django-csp's would be.
"""

import functools
import math
import secrets
import time

from allauth.account.adapter import get_adapter as get_account_adapter
from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from . import public_pages, requestid
from .conf import app_settings
from .known_browsers import is_known_browser
from .password_budget import in_storm, password_checks_spent
from .staff import may_use_account, refuse_password_only, second_factor_gate


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


class EarlyAnswerMiddleware:
    """
    Answers what needs no session before sessions, locale, CSRF, auth and the rest run,
    and says how every other page may be kept:

    - a public page kept in the cache (core.public_pages) is answered from it; one not
      kept yet is rendered through the whole stack, then kept as it went out;
    - a client refused by a rate limit a moment ago, asking again, is refused again
      (`RepeatRefusals`);
    - a password sign-in while the budget of password checks is spent for as long as it
      may wait is answered with a page pointing to the emailed code
      (`PasswordBudgetRefusal`);
    - every page that did not choose its own caching gets `Cache-Control: no-store`
      (Django's `never_cache` headers), so a signed-in page or a form with a CSRF token
      is never kept by a browser, a shared computer's back button or a proxy.

    In a news-day spike or a sign-in storm, sessions, CSRF and the rest cost ~2 ms of a
    core a request, taken from the public pages (bench/public_pages.py, bench/load.py
    --login-storm).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.refusals = RepeatRefusals()
        self.budget = PasswordBudgetRefusal()

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            rules = public_pages.rules_for(request)
            if rules is not None:
                return self._public_page(request, rules)
        elif request.method == "POST":
            if (refused := self.refusals.again(request)) is not None:
                return refused
            if (refused := self.budget.refusal(request)) is not None:
                return refused
        response = self.get_response(request)
        if request.method == "POST":
            self.refusals.note(request, response)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response

    def _public_page(self, request, rules):
        slot = public_pages.page_slot(request, rules)
        response = public_pages.cached_page(slot)
        if response is None:
            response = public_pages.keep_page(slot, self.get_response(request))
        if not response.has_header("Cache-Control"):  # not kept: an error page
            add_never_cache_headers(response)
        return response


def refusal(content: bytes, *, retry_after: int, content_type=None) -> HttpResponse:
    """
    A 429 answered ahead of the middleware that would add X-Frame-Options (the security
    headers' middlewares above still run).
    """
    response = HttpResponse(content, content_type=content_type, status=429)
    response["Retry-After"] = str(retry_after)
    response["X-Frame-Options"] = "DENY"
    add_never_cache_headers(response)
    return response


class RepeatRefusals:
    """
    When a POST is answered 429 (a rate limit), the client's address (as allauth's
    limiter sees it) and the path are held for CANDOR_REFUSED_HOLD_SECONDS (5), with the
    page it got, if it was not signed in (a page with someone's name in it is never
    reused for another person behind the same address). Within that time the same POST
    from that address gets the same page at once. Each process holds its own, at most
    `MAX_HELD` clients.
    """

    MAX_HELD = 10_000

    def __init__(self):
        # (address, path) -> (until, page bytes, content type)
        self.held: dict[tuple[str, str], tuple[float, bytes, str]] = {}

    @staticmethod
    def _key(request) -> tuple[str, str]:
        return get_account_adapter().get_client_ip(request), request.path

    def again(self, request) -> HttpResponse | None:
        held = self.held.get(self._key(request))
        now = time.time()
        if held is None or held[0] <= now:
            return None
        until, content, content_type = held
        return refusal(
            content, retry_after=max(1, math.ceil(until - now)), content_type=content_type
        )

    def note(self, request, response) -> None:
        if response.status_code != 429 or _signed_in(request):
            return
        now = time.time()
        if len(self.held) >= self.MAX_HELD:
            self.held = {k: v for k, v in self.held.items() if v[0] > now}
            if len(self.held) >= self.MAX_HELD:
                return
        until = now + app_settings.REFUSED_HOLD_SECONDS
        self.held[self._key(request)] = (until, response.content, response["Content-Type"])


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class PasswordBudgetRefusal:
    """
    While every second a password sign-in could wait for (core.password_budget) is spent,
    it is answered at once with a 429 page that points to the emailed code: no place
    would come free in time, and in a storm from many addresses, sessions, CSRF and the
    sign-in form cost more than the public pages (bench/load.py --login-storm --spread).
    A browser that signed in to the account before also has the places kept for it.
    A sign-in that may still get a place goes on: the account adapter takes it, after
    allauth's per-address limits, and waits for it. The refusal lasts a second, so it is
    not held by RepeatRefusals.

    In a storm, the refusal of a browser new to the account is the same page for every
    guess on that path for as long as the storm lasts, so it says `X-Accel-Expires: 1`:
    deploy/'s nginx keeps it a second and answers the next guesses from browsers without
    core.known_browsers' cookie itself, without an app server (deploy/nginx/
    candor-refusals.conf). A browser with that cookie is always passed on and checked
    here. Outside a storm, places may come free within a second: nothing is kept.
    """

    def __init__(self):
        self._login_paths: set[str] | None = None
        self._pages: dict[str, bytes] = {}

    def login_paths(self) -> set[str]:
        if self._login_paths is None:
            paths = set()
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    paths.add(reverse("account_login"))
            self._login_paths = paths
        return self._login_paths

    def refusal(self, request) -> HttpResponse | None:
        if request.path not in self.login_paths():
            return None
        known = is_known_browser(request, request.POST.get("login"))
        if not password_checks_spent(known=known):
            return None
        # The page is the same for everyone on this path: rendered once, then reused.
        page = self._pages.get(request.path)
        if page is None:
            language = translation.get_language_from_path(request.path) or settings.LANGUAGE_CODE
            with translation.override(language):
                page = render(request, "429.html", {"busy": True}).content
            self._pages[request.path] = page
        response = refusal(page, retry_after=1)
        if not known and in_storm(time.time()):
            response["X-Accel-Expires"] = "1"  # nginx keeps it a second; browsers never see it
        return response


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
        if public_pages.is_public_page(view_func):
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


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """
    django-csp's middleware, with the header built once per process. django-csp builds the
    same policy string from settings for every response (twice, with the report-only
    one): ~25 µs, a sixth of what a public page kept in the cache costs, and in a sign-in
    storm a tenth of the server's Python time (py-spy; bench/load.py --spread). A response
    that asks for a policy of its own (django-csp's decorators) or a page that used a
    nonce gets django-csp's own build, as before.
    """

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            name.startswith("_csp_") for name in vars(response)
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # Django's debug pages, as django-csp leaves them
        for header, policy, excluded in _site_policies():
            if excluded and request.path_info.startswith(excluded):
                continue
            if policy and header not in response:
                response[header] = policy
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.cache
def _site_policies() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """
    The site's policy and its report-only one, as django-csp builds them from settings,
    each with the path prefixes it leaves out (EXCLUDE_URL_PREFIXES).
    """
    return tuple(
        (
            header,
            build_policy(report_only=report_only),
            tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()),
        )
        for header, report_only, setting in (
            (HEADER, False, "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, True, "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        )
    )


@receiver(setting_changed)
def _policies_changed(*, setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policies.cache_clear()
