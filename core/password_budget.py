"""
The site's budget of password checks per second, and the queue in front of it.

A password check (PBKDF2, ~250 ms of a core) is the most expensive thing a visitor
can ask for. allauth limits it per address and per account; a storm spread over many
addresses gets past both, so the whole site also allows at most
CANDOR_PASSWORD_CHECKS_PER_SECOND of them (core.conf), counted in the shared cache (while Redis
is away, in each process's own memory).

Over the budget a sign-in is not refused at once: it takes the first second, from now on,
that still has a check to spare, and waits for it. Each second's count only grows, so a
sign-in that asked earlier never gets a later second than one that asked after it (first
come, first served, to the second). Only when no second within CANDOR_PASSWORD_WAIT_SECONDS
has room is the person pointed to the emailed code, which costs no hashing.
"""

import math
import time
from functools import cache as once

from django.core.cache import cache

from .conf import app_settings

_sleep = time.sleep  # tests move a frozen clock instead

# A second's count outlives the longest wait for it, and a little more.
_KEY_SLACK_SECONDS = 5


def _key(second: int) -> str:
    return f"password-checks:{second}"


@once
def hash_seconds() -> float:
    """
    What one password hash costs this process, measured once (lazily: the first sign-in
    pays it, ~250 ms) with the first of settings.PASSWORD_HASHERS, as checks use it.
    """
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher()
    started = time.perf_counter()
    hasher.encode("a password nobody types", hasher.salt())
    return max(time.perf_counter() - started, 1e-6)


def derived_budget() -> int:
    """
    The default budget: the share of the site's hashing capacity (CANDOR_HASHING_CORES
    cores, each making 1 / hash_seconds() checks a second) that password sign-in may take.
    The cores are the settings', not this machine's: the budget is the whole site's.
    """
    capacity = app_settings.HASHING_CORES / hash_seconds()
    return max(1, math.floor(app_settings.PASSWORD_SHARE * capacity))


def _budget_and_window() -> tuple[int, float, int, list[int]]:
    budget = app_settings.PASSWORD_CHECKS_PER_SECOND
    now = time.time()
    first = int(now)
    last = math.floor(now + app_settings.PASSWORD_WAIT_SECONDS)
    return budget, now, first, list(range(first, last + 1))


def password_check_place() -> tuple[float, int] | None:
    """
    Take a place for one password check: (now, the second it is in), or None when every
    second within CANDOR_PASSWORD_WAIT_SECONDS is spent (then nothing is taken). Fair: a
    later caller never gets an earlier second. Without a budget, the place is now.
    """
    budget, now, first, seconds = _budget_and_window()
    if not budget:
        return now, first
    for second in seconds:
        key = _key(second)
        cache.add(key, 0, timeout=app_settings.PASSWORD_WAIT_SECONDS + _KEY_SLACK_SECONDS)
        try:
            used = cache.incr(key)
        except ValueError:  # evicted between add and incr
            used = 1
        if used <= budget:
            return now, second
    return None


def password_check_allowed() -> bool:
    """Take a place for one password check and wait for it; False past the bound."""
    place = password_check_place()
    if place is None:
        return False
    now, second = place
    if second > now:
        _sleep(second - now)
    return True


def password_checks_spent() -> bool:
    """Whether every second within the bound is spent already (reads, takes nothing)."""
    budget, _now, _first, seconds = _budget_and_window()
    if not budget:
        return False
    used = cache.get_many([_key(second) for second in seconds])
    return all(used.get(_key(second), 0) >= budget for second in seconds)


def hashing_capacity_per_second() -> float:
    """Checks a second the site's hashing cores can make at most (for reports)."""
    return app_settings.HASHING_CORES / hash_seconds()
