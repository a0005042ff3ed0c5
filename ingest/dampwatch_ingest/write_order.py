"""Batches written side by side, reported stored strictly in the order they were queued.

One write in flight leaves InfluxDB idle while the writer sends the next body and reads the
answer; two keep it busy. Each batch is still reported (and so acknowledged) only after its
own write succeeded and after every batch queued before it was reported.
"""

from __future__ import annotations

import threading

WAIT_S = 0.5


class InOrder:
    """Turns for reporting: ticket n reports after ticket n - 1 has."""

    def __init__(self, give_up: threading.Event) -> None:
        self._turn = 0
        self._condition = threading.Condition()
        self._give_up = give_up

    def wait_turn(self, ticket: int) -> bool:
        """Block until `ticket` may report; False once the store gives up."""
        with self._condition:
            while self._turn != ticket:
                if self._give_up.is_set():
                    return False
                self._condition.wait(WAIT_S)
            return not self._give_up.is_set()

    def done(self, ticket: int) -> None:
        """`ticket` has reported: the next one's turn."""
        with self._condition:
            self._turn = ticket + 1
            self._condition.notify_all()


class Countdown:
    """Sets `event` when the last of `count` threads has finished."""

    def __init__(self, count: int, event: threading.Event) -> None:
        self._left = count
        self._lock = threading.Lock()
        self._event = event

    def finished(self) -> None:
        """One thread has finished."""
        with self._lock:
            self._left -= 1
            if self._left <= 0:
                self._event.set()
