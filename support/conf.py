"""
The support app's settings, read through one object (`app_settings`), as allauth reads
its own: when they are used, so `settings.X = ...` in a test reaches the code too.

Each has its default here, beside its meaning; a deployment changes one by setting the
Django setting of the same name (portal/settings.py passes on the environment variable
of that name when it is set, and None otherwise, which means the default).
"""

from core.conf import SettingsReader


class AppSettings(SettingsReader):
    @property
    def FIRST_RESPONSE_HOURS(self) -> dict[str, int]:
        """Hours to a first answer, by priority (SUPPORT_HOURS_URGENT, _HIGH, _NORMAL,
        _LOW); each question's due time is stored when it is asked."""
        return {
            "urgent": self._setting("SUPPORT_HOURS_URGENT", 2),
            "high": self._setting("SUPPORT_HOURS_HIGH", 4),
            "normal": self._setting("SUPPORT_HOURS_NORMAL", 24),
            "low": self._setting("SUPPORT_HOURS_LOW", 72),
        }

    @property
    def SLA_WARNING_MINUTES(self) -> int:
        """How long before its first answer is due an unanswered question nobody has
        alerts the support agents (SUPPORT_SLA_WARNING_MINUTES); once overdue, it
        alerts the support leads."""
        return self._setting("SUPPORT_SLA_WARNING_MINUTES", 60)


app_settings = AppSettings()
