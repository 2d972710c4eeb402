"""
A real SMTP server for tests (a pytest plugin: `pytest_plugins = ["tests.smtp_sink"]`).

The `smtp_sink` fixture starts aiosmtpd on 127.0.0.1 and points Django's SMTP backend at
it, so mail goes through the same code and the same network protocol as in production;
tests then read what actually arrived, parsed as email.message.EmailMessage.
"""

import email
import email.policy
import logging
import threading
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import free_port


class SmtpSink:
    """The messages the server received, oldest first."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()
        # Run before every read: e.g. have the outbox sent, as a worker would.
        self.before_read = lambda: None

    # Called by aiosmtpd, on its own thread, for every message it accepts.
    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, *, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived; return them all."""
        self.before_read()
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(
                    f"expected {count} message(s) within {timeout}s, got {len(self.messages)}"
                )
            return list(self.messages)

    def last_to(self, address: str, *, timeout: float = 5.0) -> EmailMessage:
        """The latest message sent to `address`, waiting briefly for one to arrive."""
        self.before_read()
        with self._arrived:
            self._arrived.wait_for(lambda: self._sent_to(address), timeout)
            sent = self._sent_to(address)
        if not sent:
            raise AssertionError(f"no message to {address}; got {len(self.messages)} in all")
        return sent[-1]

    def sent_to(self, address: str) -> list[EmailMessage]:
        self.before_read()
        return self._sent_to(address)

    def _sent_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m.get_all("To", [])]

    @staticmethod
    def text(message: EmailMessage) -> str:
        """The plain-text body, with the line ends SMTP gave it made plain."""
        return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


@pytest.fixture
def smtp_sink(settings):
    # aiosmtpd logs every command at INFO; failures are easier to read without them.
    server_log = logging.getLogger("mail.log")
    server_log_level = server_log.level
    server_log.setLevel(logging.WARNING)
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    controller.stop()
    server_log.setLevel(server_log_level)
