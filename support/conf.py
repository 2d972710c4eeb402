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

    # --- The support mailbox (questions by email), read over IMAP ---------------------

    @property
    def IMAP_HOST(self) -> str:
        """The support mailbox's IMAP server (SUPPORT_IMAP_HOST); empty: email intake off."""
        return self._setting("SUPPORT_IMAP_HOST", "")

    @property
    def IMAP_PORT(self) -> int:
        """SUPPORT_IMAP_PORT: 993 with TLS, 143 without, by default."""
        return self._setting("SUPPORT_IMAP_PORT", 993 if self.IMAP_TLS else 143)

    @property
    def IMAP_TLS(self) -> bool:
        """SUPPORT_IMAP_TLS: implicit TLS (IMAPS). Only a test server goes without."""
        return self._setting("SUPPORT_IMAP_TLS", True)

    @property
    def IMAP_USER(self) -> str:
        return self._setting("SUPPORT_IMAP_USER", "")

    @property
    def IMAP_PASSWORD(self) -> str:
        return self._setting("SUPPORT_IMAP_PASSWORD", "")

    @property
    def IMAP_FOLDER(self) -> str:
        """The folder read (SUPPORT_IMAP_FOLDER); its unread mail is taken in, then marked read."""
        return self._setting("SUPPORT_IMAP_FOLDER", "INBOX")

    @property
    def IMAP_DONE_FOLDER(self) -> str:
        """Where mail taken in is moved (SUPPORT_IMAP_DONE_FOLDER); empty: it stays, read."""
        return self._setting("SUPPORT_IMAP_DONE_FOLDER", "")

    @property
    def IMAP_BATCH(self) -> int:
        """Emails taken in per poll; the rest wait for the next one."""
        return self._setting("SUPPORT_IMAP_BATCH", 500)

    @property
    def IMAP_THREADS(self) -> int:
        """Threads (each with a database connection) taking in a chunk of mail at once."""
        return self._setting("SUPPORT_IMAP_THREADS", 4)

    @property
    def MAIL_MAX_BYTES(self) -> int:
        """An email larger than this (SUPPORT_MAIL_MAX_BYTES) is refused: only its
        sender and subject are read, and the agent is told."""
        return self._setting("SUPPORT_MAIL_MAX_BYTES", 10 * 1024 * 1024)

    @property
    def MAIL_ACK_INTERVAL_SECONDS(self) -> int:
        """At most one acknowledgement per address in this time, whatever it sends."""
        return self._setting("SUPPORT_MAIL_ACK_INTERVAL_SECONDS", 3600)


app_settings = AppSettings()
