"""Small helpers for tests that use real workers and servers."""

import socket
import time


def wait_for(predicate, *, seconds: float = 20.0) -> bool:
    """Poll until predicate() is true, for work done by another process or thread."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def redis_caches(location: str, *, timeout: float = 0.5) -> dict:
    """CACHES with the site's Redis cache at `location` and the usual in-process page copies."""
    return {
        "default": {
            "BACKEND": "core.redis_cache.RedisCacheWithStandIn",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        },
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


def free_port() -> int:
    """A port nothing listens on now: for a server of the test's own, or to be refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sign_in(client, user, *methods: str) -> None:
    """
    Signs `user` in on the test client and records how, as allauth does after each step:
    "password", "code" (emailed), "mfa" (the authenticator app). Staff pages read these
    records (core.staff); force_login alone records nothing.
    """
    from allauth.account.internal.flows.login import record_authentication
    from django.test import RequestFactory

    client.force_login(user)
    request = RequestFactory().get("/")
    request.session, request.user = client.session, user
    for method in methods:
        extra = {"type": "totp"} if method == "mfa" else {}
        record_authentication(request, user, method, **extra)
    request.session.save()
