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
takes an open place too when the kept ones of that second are spent. A lane's rate need not
be whole: at 0.5 checks a second it has a place every other second (`places`), so a small
server's budget is kept as set, not rounded to a whole check a second.

A storm closes the open lane. Once a sign-in finds no place within its wait, the site is in a
storm for CANDOR_PASSWORD_STORM_SECONDS, renewed by every refusal, and while it lasts the open
lane has no places: a storm of guesses gets no password checked at all, instead of every open
place (each a guess at someone's account, and a hash taken from the pages), and a browser new
to the site is offered the emailed code at once, as it would be anyway once the bots had taken
the open places. Browsers that signed in before keep their places. The storm is marked in the
shared cache, so every web process closes the lane; each remembers for a few seconds what it
marked or read, so a storm's refusals cost no round trip to Redis.

One sign-in is one hash, whether the account exists or not (portal.base_settings lists
allauth's authentication backend alone), so the budget counts what the cores do.
"""

import math
import threading
import time

from django.core.cache import cache

from .conf import app_settings

_sleep = time.sleep  # tests move a frozen clock instead

# A second's count outlives the longest wait for it, and a little more.
_KEY_SLACK_SECONDS = 5
_STORM_KEY = "password-checks:storm"
# How long a process trusts what it last marked or read of the storm, at most.
_STORM_MEMO_SECONDS = 5.0


_measured: list[float] = []
_measuring = threading.Lock()


def hash_seconds() -> float:
    """
    What one password hash costs this process in CPU time, measured once with the first
    of settings.PASSWORD_HASHERS, as checks use it: when the web process starts
    (portal.wsgi), or else by the first sign-in. One thread measures; the others wait for
    its figure (a storm's first sign-ins, all measuring at once, once spent a quarter of
    the server's CPU on it: bench/load.py --login-storm --spread, py-spy).
    """
    if _measured:
        return _measured[0]
    with _measuring:
        if not _measured:
            _measured.append(_measure_hash())
    return _measured[0]


def _measure_hash() -> float:
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher()
    # The CPU time of this thread, not the time on the clock: measured in the middle of a
    # storm, the clock would count the wait for a core too, and the budget would come out
    # a fraction of what the cores can do.
    started = time.thread_time()
    hasher.encode("a password nobody types", hasher.salt())
    return max(time.thread_time() - started, 1e-6)


def derived_budget() -> float:
    """
    The default budget: the share of the site's hashing capacity (CANDOR_HASHING_CORES
    cores, each making 1 / hash_seconds() checks a second) that password sign-in may take.
    The cores are the settings', not this machine's: the budget is the whole site's.
    """
    capacity = app_settings.HASHING_CORES / hash_seconds()
    return app_settings.PASSWORD_SHARE * capacity


def _key(lane: str, second: int) -> str:
    return f"password-checks:{lane}:{second}"


class _Storm:
    """This process's memory of the storm: until when it knows one is on, and when it last
    marked it in the shared cache."""

    known_until = 0.0
    marked_at = -math.inf


def forget_storm() -> None:
    """Forget what this process knows of a storm (tests: each starts from a cold cache)."""
    _Storm.known_until = 0.0
    _Storm.marked_at = -math.inf


def _closes_in_storm() -> bool:
    # Only a budget with places kept for known browsers closes its open lane: with none
    # kept, closing it would leave no password sign-in at all.
    return bool(app_settings.PASSWORD_STORM_SECONDS) and app_settings.KNOWN_BROWSER_SHARE > 0


def in_storm(now: float) -> bool:
    """Whether a sign-in was refused a place, on any web process, within the storm's time."""
    if not _closes_in_storm():
        return False
    if now < _Storm.known_until:
        return True
    until = cache.get(_STORM_KEY)  # when the storm ends, unless a refusal renews it
    if until is None or until <= now:
        return False
    _Storm.known_until = min(until, now + _STORM_MEMO_SECONDS)
    return True


def _mark_storm(now: float) -> None:
    """A sign-in found no place: the storm starts, or goes on, for every web process."""
    if not _closes_in_storm():
        return
    storm_seconds = app_settings.PASSWORD_STORM_SECONDS
    memo = min(_STORM_MEMO_SECONDS, storm_seconds)
    _Storm.known_until = max(_Storm.known_until, now + memo)
    # Each process renews the shared mark at most every few seconds, not on every refusal.
    if now - _Storm.marked_at >= memo:
        cache.set(_STORM_KEY, now + storm_seconds, timeout=math.ceil(storm_seconds) + 1)
        _Storm.marked_at = now


def lanes(known: bool, storm: bool = False) -> list[tuple[str, float]]:
    """
    The lanes a sign-in may take a place in, each with its checks a second; none when
    the budget is off (0). In a storm the open lane has none.
    """
    budget = app_settings.PASSWORD_CHECKS_PER_SECOND
    if not budget:
        return []
    # The open lane has a place within every wait at least, so that on a quiet day a browser
    # new to the site, whose first password was mistyped, waits its turn and gets in
    # instead of being told many people are signing in (a small server's tenth of 2 checks
    # a second was a place every 5 s).
    least_open = min(budget, 1 / max(app_settings.PASSWORD_WAIT_SECONDS, 1))
    open_rate = max(budget * (1 - app_settings.KNOWN_BROWSER_SHARE), least_open)
    open_lane = ("open", 0.0 if storm else open_rate)
    return [("kept", budget - open_rate), open_lane] if known else [open_lane]


def places(rate: float, second: int) -> int:
    """
    A lane's places in `second`: the whole checks its rate has made by the end of that
    second less those it had made by its start. Over any run of seconds they add up to
    the rate times the seconds (less than one check short), whatever the rate: at 2.5
    a second, 2 and 3 in turn; at 0.25, one place every fourth second.
    """
    # Rounded first: 0.1 * 30 is 3.0000000000000004 in floating point, not 3.
    return math.floor(round((second + 1) * rate, 9)) - math.floor(round(second * rate, 9))


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
    its_lanes = lanes(known, in_storm(now))
    if not its_lanes:
        return now, seconds[0]
    timeout = app_settings.PASSWORD_WAIT_SECONDS + _KEY_SLACK_SECONDS
    for second in seconds:
        for lane, rate in its_lanes:
            room = places(rate, second)
            if room <= 0:
                continue
            key = _key(lane, second)
            cache.add(key, 0, timeout=timeout)
            try:
                used = cache.incr(key)
            except ValueError:  # evicted between add and incr
                used = 1
            if used <= room:
                return now, second
    _mark_storm(now)
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
    """
    Whether every place within the bound is spent already (takes nothing; marks the storm
    when so). In a storm, a browser new to the account needs no reading at all.
    """
    now, seconds = _window()
    its_lanes = lanes(known, in_storm(now))
    if not its_lanes:
        return False
    keys = {_key(lane, s): places(rate, s) for s in seconds for lane, rate in its_lanes}
    keys = {key: room for key, room in keys.items() if room > 0}
    used = cache.get_many(list(keys)) if keys else {}
    spent = all(used.get(key, 0) >= room for key, room in keys.items())
    if spent:
        _mark_storm(now)
    return spent


def hashing_capacity_per_second() -> float:
    """Checks a second the site's hashing cores can make at most (for reports)."""
    return app_settings.HASHING_CORES / hash_seconds()


def measure_when_starting() -> None:
    """
    For a web process as it starts: read the budget once, which measures the hash cost
    now, on a quiet core, when the budget is derived from it (CANDOR_PASSWORD_CHECKS_PER_SECOND
    unset; core.conf).
    """
    app_settings.PASSWORD_CHECKS_PER_SECOND  # noqa: B018 (read for its measuring)
