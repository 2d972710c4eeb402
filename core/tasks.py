"""Handing work to Celery without failing the request that asked for it."""

import logging

from celery import current_app
from django.db import transaction


def delay_or_defer(task, *args) -> bool:
    """
    Queue a task; when the broker is down, log it and return False instead of raising.

    Every caller's work is saved before it queues, and a periodic sweep queues it
    again, so a broker outage delays the work but never loses it or fails a request.
    """
    from kombu.exceptions import OperationalError

    try:
        task.delay(*args)
    except OperationalError:
        logging.getLogger(__name__).warning(
            "Broker unreachable: %s%s waits for the sweep", task.name, args, exc_info=True
        )
        return False
    return True


def enqueue_on_commit(task_name: str, *args) -> None:
    """
    Queue the task registered as `task_name` once the current transaction commits
    (at once outside one), as `delay_or_defer` does.

    By name, so that a service hands work to its app's tasks without importing them:
    the tasks import the services, never the other way round (import-linter checks it).
    Each app's AppConfig.ready imports its tasks, so the name is known in every process.
    """
    transaction.on_commit(lambda: delay_or_defer(current_app.tasks[task_name], *args))
