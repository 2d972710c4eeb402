"""Small helpers for tests that wait on real workers and servers."""

import time


def wait_for(predicate, *, seconds: float = 20.0) -> bool:
    """Poll until predicate() is true, for work done by another process or thread."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
