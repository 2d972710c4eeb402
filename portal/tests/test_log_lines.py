"""
What the log says in a flood of refusals: enough to see it, not a line for each.
"""

import datetime as dt
import logging

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone


@pytest.fixture
def refusals_summary():
    from core.log_filters import RefusalsSummary

    (summary,) = [
        f for f in logging.getLogger("django.request").filters if isinstance(f, RefusalsSummary)
    ]
    summary.forget()
    yield summary
    summary.forget()


def warnings(caplog, text):
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


def flood(client, count):
    """Subscriptions from one address, past allauth's 5 a minute: 429s after the fifth."""
    statuses = [
        client.post(reverse("notifications:subscribe"), {"email": f"s{n}@example.com"}).status_code
        for n in range(count)
    ]
    return statuses.count(429)


@pytest.mark.django_db
def test_a_flood_of_refusals_is_one_line_a_minute_with_how_many_were_left_out(
    client, caplog, refusals_summary
):
    with (
        time_machine.travel(timezone.now(), tick=False) as clock,
        caplog.at_level(logging.WARNING, logger="django.request"),
    ):
        refused = flood(client, 25)
        assert refused >= 15
        assert len(warnings(caplog, "Too Many Requests")) == 1

        clock.shift(dt.timedelta(seconds=61))  # a new minute: 5 more are let in
        assert flood(client, 8) > 0

    lines = warnings(caplog, "Too Many Requests")
    assert len(lines) == 2
    path = reverse("notifications:subscribe")
    assert lines[1] == (
        f"Too Many Requests: {path} (and {refused - 1} more on this path in the last 61 s,"
        " not logged)"
    )


@pytest.mark.django_db
def test_other_errors_are_logged_every_time(client, caplog, refusals_summary):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        for _ in range(3):
            assert client.get("/en/no-such-page/").status_code == 404

    assert len(warnings(caplog, "Not Found")) == 3
