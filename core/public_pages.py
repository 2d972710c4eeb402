"""
Whole-response cache for the public pages: the same for every visitor, so each is
rendered once and then answered by `EarlyAnswerMiddleware` (core.middleware) right
after WhiteNoise, before sessions, locale, CSRF, auth and the rest have run.

The interface, shared by views and middlewares:
- `public_page` marks a view whose successful GET responses are public;
- `is_public_page(view)` tells middlewares that read the session to leave it alone
  (reading it would add `Vary: Cookie` to a page a CDN should keep);
- `page_fresh_until(response, moment)`: the page is true until then (the next
  scheduled update), and neither we nor browsers nor CDNs keep it any longer;
- `pages_version_bump()` makes every kept page stale (an app calls it when something
  public changed: incidents does on publish).

Two levels: the shared cache (Redis in production) holds the version number and every
rendered page; each process also keeps the pages it served in its own memory
(`caches["pages"]`), so a warm request costs one small Redis read at most. All entries
share one version number, so a bump orphans every entry at once.

While Redis is unreachable no process can tell the others that something changed: each
keeps the pages it renders for a few seconds only, and the first to reach Redis again
bumps the version, since a publish meanwhile could not.
"""

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from .conf import app_settings

VERSION_KEY = "public-pages:version"
# Part of every key; changed with the shape of an entry, so that during a deployment
# processes of the new release never read what the old one kept, nor the other way.
ENTRY_FORMAT = 2


@dataclass(frozen=True)
class PageRules:
    # The query parameters that change the page; any others (tracking tags, cache
    # busters) are ignored, so they cannot multiply entries.
    params: tuple[str, ...] = ()
    # Free text (a search): a page where one is set is kept only in this process's
    # bounded memory; in the shared cache every value a script sends would be an entry.
    local_params: tuple[str, ...] = ()


_RULES = "public_page_rules"
_FRESH_UNTIL = "_public_page_fresh_until"


def public_page(view=None, *, params: tuple[str, ...] = (), local_params: tuple[str, ...] = ()):
    """
    Mark a GET view as public: its 200 responses without cookies are kept and answered
    from the cache with an ETag (a conditional GET gets a 304) and Cache-Control for
    browsers and CDNs. Errors (404s) are not kept.
    """
    rules = PageRules(params=params, local_params=local_params)

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            return view_func(request, *args, **kwargs)

        setattr(wrapper, _RULES, rules)
        return wrapper

    return decorator(view) if view is not None else decorator


def is_public_page(view_func) -> bool:
    return getattr(view_func, _RULES, None) is not None


def page_fresh_until(response: HttpResponse, moment: dt.datetime | None) -> HttpResponse:
    """The page is true until `moment` (None: until something public changes)."""
    setattr(response, _FRESH_UNTIL, moment)
    return response


@lru_cache(maxsize=1024)
def _rules_for_path(path_info: str, urlconf: str) -> PageRules | None:
    # The page's language is in its path; i18n_patterns resolve in the active language.
    language = translation.get_language_from_path(path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            match = resolve(path_info, urlconf)
        except Resolver404:
            return None
    return getattr(match.func, _RULES, None)


def rules_for(request) -> PageRules | None:
    """The public page rules of the view this request's path leads to, if it is one."""
    return _rules_for_path(request.path_info, settings.ROOT_URLCONF)


# --- The shared version --------------------------------------------------------------


def pages_version_bump() -> None:
    """Every kept page is stale from now on, in every process (within
    CANDOR_PUBLIC_VERSION_SECONDS; in this one at once)."""
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted: any new value orphans old entries
        version = int(timezone.now().timestamp() * 1000)
        cache.set(VERSION_KEY, version, None)
    _remember_version(version)


# This process's last reading of the shared version, and when it was read. Reading
# it from Redis costs more than serving the page from memory, so it is reused for
# CANDOR_PUBLIC_VERSION_SECONDS: another process's change shows here within that
# time (by default one second), this process's own at once.
_local_version: tuple[int, float] = (0, float("-inf"))
# How many Redis outages this process had seen end, at the last version reading.
_recoveries_seen = 0


def _remember_version(version: int) -> None:
    global _local_version
    _local_version = (version, time.monotonic())


def forget_local_version() -> None:
    """Read the shared version on the next request (tests start from a clean slate)."""
    global _local_version, _recoveries_seen
    _local_version = (0, float("-inf"))
    _recoveries_seen = getattr(cache, "recoveries", 0)


def _current_version() -> int | None:
    """
    The shared version, or None while the shared cache is unreachable: then nobody
    can tell this process that something was published, so it keeps pages for a
    few seconds only (CANDOR_PUBLIC_OUTAGE_SECONDS). When the shared cache is back,
    the version is bumped: pages cached there before a publish that happened
    during the outage would be stale, and the bump of that publish was lost.
    """
    global _recoveries_seen
    version, read_at = _local_version
    if time.monotonic() - read_at >= app_settings.PUBLIC_VERSION_SECONDS:
        version = cache.get_or_set(VERSION_KEY, 1, None)
        _remember_version(version)
    backend = caches["default"]  # one look-up: every public page request comes here
    if getattr(backend, "unreachable", False):
        return None
    recoveries = getattr(backend, "recoveries", 0)
    if recoveries != _recoveries_seen:
        _recoveries_seen = recoveries
        pages_version_bump()
        version = _local_version[0]
    return version


# --- Entries ------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSlot:
    """
    Where this request's page is kept: its key (with the version read before the page
    is rendered, so a page rendered while something was published is kept under the
    old version, already stale), and whether in the shared cache too.
    """

    key: str
    shared: bool
    outage: bool


def page_slot(request, rules: PageRules) -> PageSlot:
    version = _current_version()
    outage = version is None
    selected = "&".join(f"{p}={request.GET.get(p, '')}" for p in rules.params)
    # The language is in the path (or, for the API, fixed); htmx asks for a fragment.
    htmx = request.META.get("HTTP_HX_REQUEST") == "true"  # as django-htmx reads it
    raw = f"{ENTRY_FORMAT}|{request.path}?{selected}|{htmx}"
    key = (
        f"public-page:{'outage' if outage else version}:{hashlib.sha256(raw.encode()).hexdigest()}"
    )
    local_only = any(request.GET.get(p) for p in rules.local_params)
    return PageSlot(key=key, shared=not outage and not local_only, outage=outage)


def _seconds_until(fresh_until: float | None, ceiling: int) -> int:
    if fresh_until is None:
        return ceiling
    return max(0, min(ceiling, int(fresh_until - timezone.now().timestamp())))


def _entry_get(slot: PageSlot) -> dict | None:
    """This process's copy first, then (if shared) the shared one. The key holds the
    version, so neither can be stale once anything public has changed."""
    local = caches["pages"]
    entry = local.get(slot.key)
    if entry is None and slot.shared:
        entry = cache.get(slot.key)
        if entry is not None:
            timeout = _seconds_until(entry["fresh_until"], app_settings.PUBLIC_CACHE_SECONDS)
            local.set(slot.key, entry, timeout)
    if entry is not None and _seconds_until(entry["fresh_until"], 1) <= 0:
        # Checked here as well as by the cache's TTL, which runs on the cache server's
        # clock and rounds to whole seconds.
        return None
    return entry


def _response_from(entry: dict) -> HttpResponse:
    # The headers were completed when the page was kept (keep_page): only what depends
    # on the time is added here. This runs for every public page request.
    response = HttpResponse(entry["content"], headers=entry["headers"])
    fresh_until = entry["fresh_until"]
    max_age = _seconds_until(fresh_until, app_settings.PUBLIC_MAX_AGE)
    s_maxage = _seconds_until(fresh_until, app_settings.PUBLIC_S_MAXAGE)
    response["Cache-Control"] = f"public, max-age={max_age}, s-maxage={s_maxage}"
    return response


def cached_page(slot: PageSlot) -> HttpResponse | None:
    """The page kept in this slot, if there is one still fresh."""
    entry = _entry_get(slot)
    return _response_from(entry) if entry is not None else None


def keep_page(slot: PageSlot, response: HttpResponse) -> HttpResponse:
    """
    Keep a page just rendered (through the whole middleware stack, so its headers are
    those of every later answer) and answer it as it will be answered from the cache.
    A response that set a cookie or read the session is another person's: never kept.
    """
    if hasattr(response, "render") and not response.is_rendered:
        response = response.render()
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or "cookie" in response.get("Vary", "").lower()
    ):
        return response
    fresh_until = getattr(response, _FRESH_UNTIL, None)
    digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
    response["ETag"] = f'"{digest}"'
    patch_vary_headers(response, ["HX-Request"])
    # Cache-Control is set for each answer; a view has no say in it.
    headers = {k: v for k, v in response.items() if k.lower() != "cache-control"}
    entry = {
        "content": response.content,
        "headers": headers,
        "fresh_until": fresh_until.timestamp() if fresh_until else None,
    }
    ceiling = (
        app_settings.PUBLIC_OUTAGE_SECONDS if slot.outage else app_settings.PUBLIC_CACHE_SECONDS
    )
    timeout = _seconds_until(entry["fresh_until"], ceiling)
    if timeout > 0:
        if slot.shared:
            cache.set(slot.key, entry, timeout)
        caches["pages"].set(slot.key, entry, timeout)
    return _response_from(entry)
