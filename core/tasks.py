"""Handing work to Celery without failing the request that asked for it."""

import contextlib
import logging
import threading

from celery import current_app
from django.db import transaction

# The tasks held back in this thread by `enqueue_held`, when it is in effect.
_held = threading.local()


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
    transaction.on_commit(lambda: _enqueue_now_or_hold(task_name, args))


@contextlib.contextmanager
def enqueue_held():
    """
    In this block (in this thread), what `enqueue_on_commit` queues as a transaction
    commits is held back, and queued when the block ends: each distinct task (by name
    and arguments) once. Many small transactions in a row (the mail intake's, one an
    email) then ask a worker once, not a broker round trip each. A transaction rolled
    back still queues nothing, and one committed in the block is queued even when the
    block ends in an error. Once for many is enough: the same task with the same
    arguments does the same work, and the ones queued this way do all that is due
    (the outbox's send takes a batch, then queues the next while more is due).
    """
    if getattr(_held, "tasks", None) is not None:  # already held further out
        yield
        return
    _held.tasks = {}
    try:
        yield
    finally:
        tasks, _held.tasks = _held.tasks, None
        for task_name, args in tasks:
            delay_or_defer(current_app.tasks[task_name], *args)


def _enqueue_now_or_hold(task_name: str, args: tuple) -> None:
    held = getattr(_held, "tasks", None)
    if held is None:
        delay_or_defer(current_app.tasks[task_name], *args)
    else:
        held[task_name, args] = None  # a dict: in the order first asked, each once
