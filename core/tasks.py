"""Handing work to Celery without failing the request that asked for it."""

import logging


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
