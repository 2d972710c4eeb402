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
    def PASSWORD_CHECKS_PER_SECOND(self) -> float:
        """
        Password checks (PBKDF2, ~250 ms of a core each) the whole site starts in a
        second, counted in the shared cache; over it, a sign-in waits its turn (up to
        CANDOR_PASSWORD_WAIT_SECONDS), then is pointed to the emailed code. By default
        CANDOR_PASSWORD_SHARE of what CANDOR_HASHING_CORES cores can hash, at the hash cost
        measured in this process (core.password_budget.derived_budget); 0 turns it off.
        """
        value = self._setting("CANDOR_PASSWORD_CHECKS_PER_SECOND", None)
        if value is None:
            from .password_budget import derived_budget  # measures the hash once

            return derived_budget()
        return value

    @property
    def PASSWORD_WAIT_SECONDS(self) -> float:
        """How long a password sign-in over the budget may wait for its turn."""
        return self._setting("CANDOR_PASSWORD_WAIT_SECONDS", 3)

    @property
    def HASHING_CORES(self) -> int:
        """
        CPU cores of all the web servers together (not this machine's: the budget is the
        whole site's). 2 by default, one small server; set it when adding servers.
        """
        return self._setting("CANDOR_HASHING_CORES", 2)

    @property
    def PASSWORD_SHARE(self) -> float:
        """The share of those cores password checks may take; the rest serves pages."""
        return self._setting("CANDOR_PASSWORD_SHARE", 0.5)

    @property
    def KNOWN_BROWSER_SHARE(self) -> float:
        """
        The share of each second's password checks kept for browsers that signed in to
        the account before (core.known_browsers): a storm of guesses, however spread,
        cannot take them. The rest are anyone's; a known browser takes those too when
        its own are spent. 0 keeps none. The open share is what a storm takes from the
        pages (README, "Sizing the password budget"); a new browser past it is offered the
        emailed code, the way every affected customer's first sign-in goes anyway.
        """
        return self._setting("CANDOR_KNOWN_BROWSER_SHARE", 0.9)

    @property
    def PASSWORD_STORM_SECONDS(self) -> float:
        """
        After a password sign-in finds no place within its wait, how long the open lane
        stays closed (core.password_budget): a storm of guesses gets no password checked,
        a browser new to the site is offered the emailed code at once, and browsers that
        signed in before keep their places. Every refusal renews it. 0 never closes it.
        """
        return self._setting("CANDOR_PASSWORD_STORM_SECONDS", 30)

    @property
    def KNOWN_BROWSER_DAYS(self) -> int:
        """How long a browser stays known after its last sign-in."""
        return self._setting("CANDOR_KNOWN_BROWSER_DAYS", 180)

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
