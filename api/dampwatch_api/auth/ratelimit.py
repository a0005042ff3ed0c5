"""Failed-login limiting per username and client address (in memory, per API process)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_TRACKED_KEYS = 100_000


class LoginRateLimiter:
    """Allows `max_failures` failed logins per `window_s` for each (username, client) pair."""

    def __init__(
        self, max_failures: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_failures = max_failures
        self._window_s = window_s
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, username: str, client: str) -> int | None:
        """Seconds until another attempt is allowed, or None when it is allowed now."""
        now = self._clock()
        with self._lock:
            failures = self._failures.get((username.lower(), client))
            if failures is None:
                return None
            while failures and failures[0] <= now - self._window_s:
                failures.popleft()
            if len(failures) < self._max_failures:
                return None
            return max(1, math.ceil(failures[0] + self._window_s - now))

    def record_failure(self, username: str, client: str) -> None:
        """Count one failed attempt."""
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_KEYS:
                self._failures.clear()  # bounded memory under a spray of usernames
            key = (username.lower(), client)
            self._failures.setdefault(key, deque()).append(self._clock())

    def reset(self, username: str, client: str) -> None:
        """Forget the failures after a successful login."""
        with self._lock:
            self._failures.pop((username.lower(), client), None)
