"""
The site's budget of password checks per second.

A password check (PBKDF2, ~250 ms of a core) is the most expensive thing a visitor
can ask for. allauth limits it per address and per account; a storm spread over many
addresses gets past both, so the whole site also allows at most
CANDOR_PASSWORD_CHECKS_PER_SECOND of them (core.conf), counted in the shared cache (while Redis
is away, in each process's own memory). Past it, password sign-in waits for the next
second and people are pointed to the emailed code, which costs no hashing.
"""

import time

from django.core.cache import cache

from .conf import app_settings


def _key() -> str:
    return f"password-checks:{int(time.time())}"


def password_check_allowed() -> bool:
    """Spend one check of this second's budget, if there is one left."""
    budget = app_settings.PASSWORD_CHECKS_PER_SECOND
    if not budget:
        return True
    key = _key()
    cache.add(key, 0, timeout=5)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr
        used = 1
    return used <= budget


def password_checks_spent() -> bool:
    """Whether this second's budget is used up already (spends nothing)."""
    budget = app_settings.PASSWORD_CHECKS_PER_SECOND
    return bool(budget) and (cache.get(_key()) or 0) >= budget
