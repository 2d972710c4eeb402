"""
A filter for the site's log lines (portal.base_settings.LOGGING): one line a minute for a
flood of refusals, not one a refusal.
"""

import logging
import threading
import time


class RefusalsSummary(logging.Filter):
    """
    Django logs every answer in the 400s as a warning ("Too Many Requests: /en/accounts/
    login/"). In a sign-in storm that is a hundred lines a second of the same line,
    drowning the ones that matter and filling the disk. Per process and path, this lets
    the first 429 of every `WINDOW` seconds through and counts the others; the next line
    let through says how many were left out. Other answers pass as they are.
    """

    WINDOW = 60.0
    MAX_PATHS = 1000

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self._lock = threading.Lock()
        # path -> (when its last line was let through, 429s left out since)
        self._paths: dict[str, tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 429:
            return True
        path = getattr(getattr(record, "request", None), "path", "")
        now = time.time()
        with self._lock:
            since, left_out = self._paths.get(path, (float("-inf"), 0))
            if now - since < self.WINDOW:
                self._paths[path] = (since, left_out + 1)
                return False
            if len(self._paths) >= self.MAX_PATHS:
                self._paths.clear()
            self._paths[path] = (now, 0)
        if left_out:
            record.msg = f"{record.msg} (and %d more on this path in the last %d s, not logged)"
            record.args = (*(record.args or ()), left_out, round(now - since))
        return True

    def forget(self) -> None:
        """Start counting afresh (tests)."""
        with self._lock:
            self._paths.clear()
