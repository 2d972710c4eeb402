"""Probes for /healthz. Each is quick and never raises."""

import logging

from django.conf import settings

from .celery import app as celery_app

logger = logging.getLogger(__name__)


def broker_state() -> str:
    """
    "ok" when the Celery broker accepts a connection, "unreachable" when not,
    "eager" when there is no broker and tasks run in the web process.

    A broker outage degrades the site (mail waits in the outbox) but does not
    make it unhealthy, so it never turns /healthz into a 503 on its own.
    """
    if not settings.CELERY_BROKER_URL:
        return "eager"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=1)
        return "ok"
    except Exception:
        logger.warning("Health check: broker unreachable", exc_info=True)
        return "unreachable"
