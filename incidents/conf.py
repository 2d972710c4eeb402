"""
The incidents app's settings, read through one object (`app_settings`), as allauth reads
its own: when they are used, so `settings.X = ...` in a test reaches the code too.

Each has its default here, beside its meaning; a deployment changes one by setting the
Django setting of the same name (portal/settings.py passes on the environment variable
of that name when it is set, and None otherwise, which means the default).
"""

from django.conf import settings

from core.conf import SettingsReader


class AppSettings(SettingsReader):
    @property
    def EXPOSURE_DIGEST_KEY(self) -> str:
        """The secret that keys the digests of affected people's emails. No default here:
        portal/settings.py refuses to start without a strong one unless debug is on."""
        return settings.EXPOSURE_DIGEST_KEY

    @property
    def EXPOSURE_IMPORT_MAX_BYTES(self) -> int:
        """The largest affected-people CSV the admin accepts (512 MB); the import_exposures
        command has no limit."""
        return self._setting("EXPOSURE_IMPORT_MAX_BYTES", 512 * 1024 * 1024)

    @property
    def PAGE_ID(self) -> str:
        """The page id in the Statuspage-compatible API."""
        return self._setting("CANDOR_PAGE_ID", "candor")


app_settings = AppSettings()
