"""
core's settings, read through one object (`app_settings`), as allauth reads its own.

Each has its default here, beside its meaning; a deployment changes one by setting the
Django setting of the same name (portal/settings.py passes on the environment variable
of that name when it is set, and None otherwise, which means the default).
"""

from django.conf import settings


class SettingsReader:
    """
    The base of each app's `app_settings`: a setting read when it is used (so
    `settings.X = ...` in a test reaches the code), its default when it is unset or None.
    """

    def _setting(self, name: str, default):
        value = getattr(settings, name, None)
        return default if value is None else value


class AppSettings(SettingsReader):
    @property
    def REFUSED_HOLD_SECONDS(self) -> int:
        """After a POST is refused by a rate limit (429), how long the same client's
        same POST is refused again before sessions, CSRF and the limiter run."""
        return self._setting("CANDOR_REFUSED_HOLD_SECONDS", 5)

    @property
    def PASSWORD_CHECKS_PER_SECOND(self) -> int:
        """
        Password checks (PBKDF2, ~250 ms of a core each) the whole site makes in a
        second, counted in the shared cache; past it, password sign-in points to the
        emailed code. 1 by default: an eighth of a two-core server, whatever machine
        reads this setting (a site-wide budget cannot come from one web process's
        cores). Raise it with more web servers; 0 turns the budget off.
        """
        return self._setting("CANDOR_PASSWORD_CHECKS_PER_SECOND", 1)

    @property
    def PUBLIC_CACHE_SECONDS(self) -> int:
        """How long a rendered public page may be reused. Publishing or editing anything
        public refreshes every page at once; a scheduled update caps the lifetime."""
        return self._setting("CANDOR_PUBLIC_CACHE_SECONDS", 300)

    @property
    def PUBLIC_VERSION_SECONDS(self) -> float:
        """How long a process trusts its last reading of the shared page version: the
        longest another web process can go on serving a page after it changed."""
        return self._setting("CANDOR_PUBLIC_VERSION_SECONDS", 1.0)

    @property
    def PUBLIC_OUTAGE_SECONDS(self) -> int:
        """While Redis is unreachable no process can learn of another's publish: each
        keeps the public pages it rendered for this long only."""
        return self._setting("CANDOR_PUBLIC_OUTAGE_SECONDS", 5)

    @property
    def PUBLIC_MAX_AGE(self) -> int:
        """What browsers may reuse without asking again (seconds)."""
        return self._setting("CANDOR_PUBLIC_MAX_AGE", 30)

    @property
    def PUBLIC_S_MAXAGE(self) -> int:
        """What CDNs may reuse without asking again (seconds)."""
        return self._setting("CANDOR_PUBLIC_S_MAXAGE", 60)


app_settings = AppSettings()
