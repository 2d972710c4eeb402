"""
Whole-response cache for the anonymous public pages, feeds and API.

Two levels: the shared cache (Redis in production) holds the version number
and every rendered page; each process also keeps the pages it served in
memory, so a warm request costs one small Redis read.

On a news day almost every request is for the same few pages, so each is
rendered once and then served from the cache with no SQL at all. All entries
share one version number: publishing or editing anything public bumps it
(`public_pages_invalidate`), which orphans every entry at once. Scheduled
updates need no cron: a view says until when its page is true
(`response.fresh_until`, the next scheduled publish time), and the entry, and
what browsers and CDNs are told they may keep, expire then.

While Redis is unreachable no process can tell the others that something
changed: each keeps the pages it renders for a few seconds only, and the first
to reach Redis again bumps the version, since a publish meanwhile could not.

Public pages are the same for every visitor: they read no session or user,
carry no CSRF token and so send no `Vary: Cookie`; a CDN can serve them.
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers

VERSION_KEY = "public-pages:version"


def public_pages_invalidate() -> None:
    """Make every cached public page stale once the current transaction commits."""
    transaction.on_commit(_bump_version)


def _bump_version() -> None:
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted: any new value orphans old entries
        version = int(timezone.now().timestamp() * 1000)
        cache.set(VERSION_KEY, version, None)
    _remember_version(version)


# This process's last reading of the shared version, and when it was read. Reading
# it from Redis costs more than serving the page from memory, so it is reused for
# PUBLIC_PAGE_VERSION_SECONDS: another process's change shows here within that
# time (by default one second), this process's own at once.
_local_version: tuple[int, float] = (0, float("-inf"))


def _remember_version(version: int) -> None:
    global _local_version
    _local_version = (version, time.monotonic())


def forget_local_version() -> None:
    """Read the shared version on the next request (tests start from a clean slate)."""
    global _local_version, _recoveries_seen
    _local_version = (0, float("-inf"))
    _recoveries_seen = getattr(cache, "recoveries", 0)


# How many Redis outages this process had seen end, at the last version reading.
_recoveries_seen = 0


def _current_version() -> int | None:
    """
    The shared version, or None while the shared cache is unreachable: then nobody
    can tell this process that something was published, so it keeps pages for a
    few seconds only (PUBLIC_PAGE_OUTAGE_SECONDS). When the shared cache is back,
    the version is bumped: pages cached there before a publish that happened
    during the outage would be stale, and the bump of that publish was lost.
    """
    global _recoveries_seen
    version, read_at = _local_version
    if time.monotonic() - read_at >= settings.PUBLIC_PAGE_VERSION_SECONDS:
        version = cache.get_or_set(VERSION_KEY, 1, None)
        _remember_version(version)
    if getattr(cache, "unreachable", False):
        return None
    recoveries = getattr(cache, "recoveries", 0)
    if recoveries != _recoveries_seen:
        _recoveries_seen = recoveries
        _bump_version()
        version = _local_version[0]
    return version


def _cache_key(request, version, params) -> str:
    selected = "&".join(f"{p}={request.GET.get(p, '')}" for p in params)
    raw = f"{request.path}?{selected}|{translation.get_language()}|{bool(request.htmx)}"
    return f"public-page:{version}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _seconds_until(fresh_until: float | None, ceiling: int) -> int:
    if fresh_until is None:
        return ceiling
    return max(0, min(ceiling, int(fresh_until - timezone.now().timestamp())))


def _entry_get(key: str, *, shared: bool = True) -> dict | None:
    """This process's copy first, then (if `shared`) the shared one. The key holds the
    version, so neither can be stale once anything public has changed."""
    local = caches["pages"]
    entry = local.get(key)
    if entry is None and shared:
        entry = cache.get(key)
        if entry is not None:
            timeout = _seconds_until(entry["fresh_until"], settings.PUBLIC_PAGE_CACHE_SECONDS)
            local.set(key, entry, timeout)
    return entry


def _entry_from(response) -> dict:
    fresh_until = getattr(response, "fresh_until", None)
    digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
    return {
        "content": response.content,
        "headers": dict(response.items()),
        "etag": f'"{digest}"',
        "fresh_until": fresh_until.timestamp() if fresh_until else None,
    }


def _response_from(entry: dict) -> HttpResponse:
    response = HttpResponse(entry["content"], headers=entry["headers"])
    response["ETag"] = entry["etag"]
    patch_cache_control(
        response,
        public=True,
        max_age=_seconds_until(entry["fresh_until"], settings.PUBLIC_PAGE_MAX_AGE),
        s_maxage=_seconds_until(entry["fresh_until"], settings.PUBLIC_PAGE_S_MAXAGE),
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def public_page(view=None, *, params: tuple[str, ...] = (), local_params: tuple[str, ...] = ()):
    """
    Cache a public GET view's successful responses and send validators.

    `params` names the query parameters that change the page; any others
    (tracking tags, cache busters) are ignored, so they cannot multiply entries.
    A page where one of `local_params` is set (free text such as a search) is kept
    only in this process's memory, which holds a bounded number of pages: in the
    shared cache every distinct value a script sends would be one more entry.
    Responses are served with an ETag, so a conditional GET gets a 304 from
    ConditionalGetMiddleware, and with Cache-Control for browsers and CDNs.
    Errors (404s) are not cached.
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            version = _current_version()
            shared = version is not None
            key = _cache_key(request, version if shared else "outage", params)
            in_shared = shared and not any(request.GET.get(p) for p in local_params)
            entry = _entry_get(key, shared=in_shared)
            if entry is not None and _seconds_until(entry["fresh_until"], 1) <= 0:
                # Checked here as well as by the cache's TTL, which runs on the cache
                # server's clock and rounds to whole seconds.
                entry = None
            if entry is None:
                response = view_func(request, *args, **kwargs)
                if hasattr(response, "render"):
                    response = response.render()
                if response.status_code != 200 or response.cookies:
                    return response
                entry = _entry_from(response)
                ceiling = (
                    settings.PUBLIC_PAGE_CACHE_SECONDS
                    if shared
                    else settings.PUBLIC_PAGE_OUTAGE_SECONDS
                )
                timeout = _seconds_until(entry["fresh_until"], ceiling)
                if timeout > 0:
                    if in_shared:
                        cache.set(key, entry, timeout)
                    caches["pages"].set(key, entry, timeout)
            return _response_from(entry)

        # Middleware that would read the session (and so add Vary: Cookie) skips these.
        wrapper.is_public_page = True
        return wrapper

    return decorator(view) if view is not None else decorator
