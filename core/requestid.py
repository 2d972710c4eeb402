"""
The id of the request being served, for log lines (see core.middleware.RequestIdMiddleware).

A context variable rather than a thread-local, so it is right under threads and
async alike. `RequestIdFilter` puts it on every log record as `request_id`.
"""

import contextvars
import logging

current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True
