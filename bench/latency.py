"""Publish-to-queryable latency: a paced publisher and a poller that watches InfluxDB.

Message `index` goes to device `index % devices` with `seq = index // devices` and `ts` = its
scheduled send time, so timestamps rise with the index. The poller asks for every point at or
after the timestamp of the oldest message it has not seen yet, so a poll returns little more
than what became visible since the previous one.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from dataclasses import dataclass, field

from bench.mqtt_tools import PacedPublisher
from bench.workload import Message, device_index, device_topic
from dampwatch_stack.servers import InfluxServer

# an unseen message this old no longer holds the poll window back; the final sweep finds it
STUCK_AFTER_S = 10.0


class MessageFactory:
    """Builds message `index` for its scheduled wall-clock time."""

    def __init__(self, devices: int, seed: int = 5) -> None:
        self.devices = devices
        self._rng = random.Random(seed)

    def __call__(self, index: int, due_wall_s: float) -> Message:
        """One single-reading message."""
        body = {
            "ts": round(due_wall_s, 3),
            "seq": index // self.devices,
            "temperature_c": round(self._rng.uniform(12.0, 26.0), 2),
            "humidity_pct": round(self._rng.uniform(35.0, 90.0), 1),
        }
        return Message(device_topic(index % self.devices, "l"), json.dumps(body).encode(), 1)


@dataclass(slots=True)
class LatencyResult:
    """Latencies in seconds of the messages seen, and what was never seen."""

    latencies: list[float] = field(default_factory=list)
    published: int = 0
    missing: int = 0
    found_late: int = 0
    polls: int = 0
    rows_read: int = 0

    def quantile(self, q: float) -> float | None:
        """The nearest-rank quantile `q` (0..1), or None without data."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        rank = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
        return ordered[rank]


class VisibilityPoller(threading.Thread):
    """Polls InfluxDB every `interval` s and records when each message became queryable."""

    def __init__(
        self,
        server: InfluxServer,
        database: str,
        publisher: PacedPublisher,
        devices: int,
        interval: float = 0.05,
    ) -> None:
        super().__init__(name="visibility-poller", daemon=True)
        self.server = server
        self.database = database
        self.publisher = publisher
        self.devices = devices
        self.interval = interval
        count = publisher.count
        self.visible_at = [0.0] * count
        self.seen = bytearray(count)
        self.seen_count = 0
        self.skipped: list[int] = []
        self.polls = 0
        self.rows_read = 0
        self.error: BaseException | None = None
        self._stop_event = threading.Event()

    def _ts_ms(self, index: int) -> int:
        return round(round(self.publisher.schedule(index), 3) * 1000)

    def _poll(self, since_ms: int) -> None:
        statement = f"SELECT seq, device FROM reading WHERE time >= {since_ms}ms"
        result = self.server.query(statement, db=self.database)
        now = time.time()
        self.polls += 1
        for series in result["results"][0].get("series", []):
            columns = series["columns"]
            seq_col, device_col = columns.index("seq"), columns.index("device")
            for row in series["values"]:
                self.rows_read += 1
                index = int(row[seq_col]) * self.devices + device_index(str(row[device_col]))
                if 0 <= index < len(self.seen) and not self.seen[index]:
                    self.seen[index] = 1
                    self.visible_at[index] = now
                    self.seen_count += 1

    def run(self) -> None:
        """Poll until every published message is seen, or stop() is called."""
        low = 0
        count = len(self.seen)
        try:
            while not self._stop_event.is_set():
                started = time.monotonic()
                published = self.publisher.published
                while low < published and self.seen[low]:
                    low += 1
                while (
                    low < published
                    and not self.seen[low]
                    and time.time() - self.publisher.sent_at[low] > STUCK_AFTER_S
                ):
                    self.skipped.append(low)
                    low += 1
                if low >= count:
                    return
                if low < published:
                    self._poll(self._ts_ms(low))
                self._stop_event.wait(max(0.0, self.interval - (time.monotonic() - started)))
        except BaseException as error:  # reported to the main thread
            self.error = error

    def stop(self) -> None:
        """Stop polling."""
        self._stop_event.set()
        if self.is_alive():
            self.join(10)

    def result(self) -> LatencyResult:
        """Sweep once for messages skipped as stuck, then compute the latencies."""
        published = self.publisher.published
        outcome = LatencyResult(published=published)
        if self.seen_count < published and published:
            before = self.seen_count
            self._poll(self._ts_ms(0))  # whatever turns up now gets this (late) time
            outcome.found_late = self.seen_count - before
        sent_at = self.publisher.sent_at
        for index in range(published):
            if self.seen[index]:
                outcome.latencies.append(self.visible_at[index] - sent_at[index])
            else:
                outcome.missing += 1
        outcome.polls = self.polls
        outcome.rows_read = self.rows_read
        return outcome
