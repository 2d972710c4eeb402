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

Each second's checks are in two lanes: CANDOR_KNOWN_BROWSER_SHARE of them are kept for
browsers that signed in to the account before (core.known_browsers), the rest are open to
anyone. A storm of guesses from a leaked list fills the open lane and no more, so a person
signing in again from her own browser still finds a place within the wait; a known browser
takes an open place too when the kept ones of that second are spent.
"""

import math
import time
from functools import cache as once

from django.core.cache import cache

from .conf import app_settings

_sleep = time.sleep  # tests move a frozen clock instead

# A second's count outlives the longest wait for it, and a little more.
_KEY_SLACK_SECONDS = 5


@once
def hash_seconds() -> float:
    """
    What one password hash costs this process in CPU time, measured once (lazily: the
    first sign-in pays it, ~250 ms) with the first of settings.PASSWORD_HASHERS, as checks
    use it.
    """
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher()
    # The CPU time of this thread, not the time on the clock: measured in the middle of a
    # storm (the first sign-in often is), the clock would count the wait for a core too,
    # and the budget would come out a fraction of what the cores can do.
    started = time.thread_time()
    hasher.encode("a password nobody types", hasher.salt())
    return max(time.thread_time() - started, 1e-6)


def derived_budget() -> int:
    """
    The default budget: the share of the site's hashing capacity (CANDOR_HASHING_CORES
    cores, each making 1 / hash_seconds() checks a second) that password sign-in may take.
    The cores are the settings', not this machine's: the budget is the whole site's.
    """
    capacity = app_settings.HASHING_CORES / hash_seconds()
    # To the nearest whole check: a small server's 1.99 (one core, a 251 ms hash) is 2 checks,
    # of which one is kept for known browsers; rounded down it would be 1 and keep none.
    return max(1, round(app_settings.PASSWORD_SHARE * capacity))


def _key(lane: str, second: int) -> str:
    return f"password-checks:{lane}:{second}"


def lanes(known: bool) -> list[tuple[str, int]]:
    """The lanes a sign-in may take a place in, each with its places a second."""
    budget = app_settings.PASSWORD_CHECKS_PER_SECOND
    kept = math.floor(budget * app_settings.KNOWN_BROWSER_SHARE)
    open_lane = ("open", budget - kept)
    return [("kept", kept), open_lane] if known else [open_lane]


def _window() -> tuple[float, list[int]]:
    now = time.time()
    last = math.floor(now + app_settings.PASSWORD_WAIT_SECONDS)
    return now, list(range(int(now), last + 1))


def password_check_place(known: bool = False) -> tuple[float, int] | None:
    """
    Take a place for one password check: (now, the second it is in), or None when every
    second within CANDOR_PASSWORD_WAIT_SECONDS is spent (then nothing is taken). Fair: a
    later caller never gets an earlier second in its lane. A known browser (signed in to
    this account before) may take the kept places too. Without a budget, the place is now.
    """
    now, seconds = _window()
    if not app_settings.PASSWORD_CHECKS_PER_SECOND:
        return now, seconds[0]
    for second in seconds:
        for lane, places in lanes(known):
            if places <= 0:
                continue
            key = _key(lane, second)
            cache.add(key, 0, timeout=app_settings.PASSWORD_WAIT_SECONDS + _KEY_SLACK_SECONDS)
            try:
                used = cache.incr(key)
            except ValueError:  # evicted between add and incr
                used = 1
            if used <= places:
                return now, second
    return None


def password_check_allowed(known: bool = False) -> bool:
    """Take a place for one password check and wait for it; False past the bound."""
    place = password_check_place(known)
    if place is None:
        return False
    now, second = place
    if second > now:
        _sleep(second - now)
    return True


def password_checks_spent(known: bool = False) -> bool:
    """Whether every place within the bound is spent already (reads, takes nothing)."""
    if not app_settings.PASSWORD_CHECKS_PER_SECOND:
        return False
    _now, seconds = _window()
    keys = {_key(lane, s): places for s in seconds for lane, places in lanes(known)}
    used = cache.get_many(list(keys))
    return all(used.get(key, 0) >= places for key, places in keys.items())


def hashing_capacity_per_second() -> float:
    """Checks a second the site's hashing cores can make at most (for reports)."""
    return app_settings.HASHING_CORES / hash_seconds()
