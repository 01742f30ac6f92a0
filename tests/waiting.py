"""Waiting for another process (a worker, a server, a drill's service) to get something done."""

import time
from collections.abc import Callable


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 120) -> float:
    """Poll until true; returns the seconds it took (a measured figure, never asserted on)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
