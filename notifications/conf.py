"""
The notifications app's settings, read through one object (`app_settings`) when they
are used, so `settings.X = ...` in a test reaches the code too. Each has its default
here; portal/settings.py passes on the environment variable of the same name.
"""

from core.conf import SettingsReader


class AppSettings(SettingsReader):
    @property
    def WEBHOOK_ALLOW_LOOPBACK(self) -> bool:
        """Let chat and webhook deliveries reach loopback addresses (127.0.0.1, ::1), over
        plain HTTP too: for tests and development only. Private, link-local and every other
        non-public address stay refused whatever this says."""
        return self._setting("CANDOR_WEBHOOK_ALLOW_LOOPBACK", False)

    @property
    def WEBHOOK_TIMEOUT_SECONDS(self) -> float:
        """How long a chat or webhook endpoint has to accept the connection, and then to
        answer; past it the delivery is retried later."""
        return self._setting("CANDOR_WEBHOOK_TIMEOUT_SECONDS", 10.0)

    @property
    def WEBHOOK_DISABLE_AFTER(self) -> int:
        """Failed deliveries in a row after which an endpoint is disabled and its owner
        told (with the outbox's backoff, the 8th comes about an hour after the first)."""
        return self._setting("CANDOR_WEBHOOK_DISABLE_AFTER", 8)


app_settings = AppSettings()
