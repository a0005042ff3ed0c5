"""A short-lived memory of who a credential names, so most requests authenticate without SQL.

A JWT is still verified on every request (signature and expiry); what is remembered is the user
row behind it, or the API key row, for `TTL_S` seconds. Changes made through this process
(users, keys) clear it at once; another worker process sees them within `TTL_S`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from dampwatch_api.auth.principal import Principal

TTL_S = 5.0
MAX_ENTRIES = 10_000


class PrincipalCache:
    """Principals by credential key (`user:<name>` or `key:<sha256>`), each kept for `ttl_s`."""

    def __init__(self, ttl_s: float = TTL_S, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Principal | None:
        """The principal remembered for `key`, unless it has expired."""
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, principal: Principal) -> None:
        """Remember `principal` for `ttl_s`, dropping the oldest entries beyond the limit."""
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl_s, principal)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everyone (a user or key changed)."""
        with self._lock:
            self._entries.clear()
