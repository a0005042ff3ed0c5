"""Writes batches to InfluxDB: retries what is transient, isolates and records what is bad data."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dampwatch.const import MEASUREMENT_READING, RejectReason
from dampwatch.influx import InfluxBadData, InfluxUnavailable, LineWriter
from dampwatch.readings import Rejection
from dampwatch_ingest.metrics import IngestMetrics
from dampwatch_ingest.pipeline import Decoded

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class Batch:
    """Decoded points of several messages, written together, acknowledged together."""

    lines: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    first_received_ns: int = 0
    messages: int = 0
    decoded: list[Decoded] = field(default_factory=list)  # accounted in metrics once written

    def add(self, decoded: Decoded, topic: str) -> None:
        """Add one message's points."""
        self.lines.extend(decoded.lines)
        self.topics.extend([topic] * len(decoded.lines))
        self.messages += 1
        if decoded.rejected or decoded.withheld or decoded.seqs:
            self.decoded.append(decoded)


def _reason_for(error: InfluxBadData) -> RejectReason:
    text = str(error)
    if error.status == 413:
        return RejectReason.TOO_LARGE
    if "beyond retention" in text:
        return RejectReason.STALE_TS
    if "conflict" in text:
        return RejectReason.TYPE_CONFLICT
    return RejectReason.STORE_REFUSED


class BatchWriter:
    """Writes a batch until InfluxDB has accepted or recorded as rejected every point in it."""

    def __init__(
        self,
        writer: LineWriter,
        metrics: IngestMetrics,
        reject: Callable[[Rejection, str], str],
        *,
        max_lines: int,
        retry_initial_s: float,
        retry_max_s: float,
        on_retry: Callable[[], None] | None = None,
    ) -> None:
        self._on_retry = on_retry
        self._writer = writer
        self._metrics = metrics
        self._reject = reject
        self._max_lines = max_lines
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s

    def write(self, batch: Batch, give_up: threading.Event | None = None) -> bool:
        """Write in requests of at most `max_lines`; False only if `give_up` was set."""
        started = time.monotonic()
        written = 0
        for start in range(0, len(batch.lines), self._max_lines):
            end = start + self._max_lines
            stored = self._write_retrying(
                batch.lines[start:end], batch.topics[start:end], batch.messages, give_up
            )
            if stored is None:
                return False
            written += stored
        self._metrics.readings_written.inc(written)
        self._metrics.batch_seconds.observe(time.monotonic() - started)
        self._metrics.batch_points.observe(len(batch.lines))
        return True

    def _write_retrying(
        self,
        lines: list[str],
        topics: list[str],
        messages: int,
        give_up: threading.Event | None,
    ) -> int | None:
        """Write with capped exponential backoff and jitter until stored or `give_up` is set."""
        delay = self._retry_initial_s
        failures = 0
        while True:
            try:
                written = self._write_isolating(lines, topics)
            except InfluxUnavailable as error:
                self._metrics.influx_up.set(0)
                self._metrics.write_retries.inc()
                if self._on_retry is not None:
                    self._on_retry()
                failures += 1
                if failures == 1 or failures % 10 == 0:
                    _LOGGER.warning(
                        "InfluxDB unavailable (%s); holding %d messages unacknowledged, "
                        "retry %d in %.1f s",
                        error,
                        messages,
                        failures,
                        delay,
                    )
                pause = random.uniform(delay / 2, delay)  # jitter spreads retries of many workers
                if give_up is not None and give_up.wait(pause):
                    return None
                if give_up is None:
                    time.sleep(pause)
                delay = min(delay * 2, self._retry_max_s)
                continue
            if failures:
                _LOGGER.info("InfluxDB accepts writes again after %d retries", failures)
            self._metrics.influx_up.set(1)
            return written

    def _write_isolating(self, lines: list[str], topics: list[str]) -> int:
        """Write lines; on bad data, bisect to find the refused points. Returns readings stored."""
        if not lines:
            return 0
        try:
            self._writer.write(lines)
        except InfluxBadData as error:
            if len(lines) == 1:
                self._record_refused(lines[0], topics[0], error)
                return 0
            # rewriting accepted points is harmless: the same series and time overwrite themselves
            middle = len(lines) // 2
            return self._write_isolating(lines[:middle], topics[:middle]) + self._write_isolating(
                lines[middle:], topics[middle:]
            )
        return sum(1 for line in lines if line.startswith(MEASUREMENT_READING + ","))

    def _record_refused(self, line: str, topic: str, error: InfluxBadData) -> None:
        reason = _reason_for(error)
        if not line.startswith(MEASUREMENT_READING + ","):
            # a rejection record InfluxDB will not take either: the log is its last resort
            self._metrics.unrecorded.inc()
            _LOGGER.error("InfluxDB refused a rejection record (%s): %s", error, line[:1024])
            return
        rejection = Rejection(reason, str(error)[:300], line.encode()[:1024])
        record = self._reject(rejection, topic)
        try:
            self._writer.write([record])
        except InfluxBadData as record_error:
            self._metrics.unrecorded.inc()
            _LOGGER.error("InfluxDB refused %s and its rejection record (%s)", line, record_error)
