import pytest

from notifications.services.outbox import notifications_send_due

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def alice(make_customer):
    """A customer who signs in with PASSWORD and has confirmed her address."""
    return make_customer("alice@example.com", PASSWORD)


@pytest.fixture
def smtp_sink(smtp_sink):
    """
    The SMTP sink, read after what waits in the outbox has been sent. allauth's emails
    go through the outbox once the request's transaction commits; these tests run
    inside one transaction that never commits, so the test sends in its place, as
    the worker would (the worker itself is tested in notifications and support).
    """

    def deliver():
        while notifications_send_due():
            pass

    smtp_sink.before_read = deliver
    return smtp_sink
