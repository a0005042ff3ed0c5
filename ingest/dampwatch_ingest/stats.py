"""The ingest's own health as the `ingest` measurement, so Grafana's pipeline board can show it."""

from __future__ import annotations

import logging
import time

from dampwatch.const import MEASUREMENT_INGEST, TAG_WORKER
from dampwatch.influx import InfluxError, LineWriter
from dampwatch.lineprotocol import format_tags
from dampwatch_ingest.metrics import IngestMetrics, current, total_rejected
from dampwatch_ingest.settings import IngestSettings

_LOGGER = logging.getLogger(__name__)


class StatsReporter:
    """Writes one `ingest` point per interval: totals, backlog, last batch time and lag."""

    def __init__(
        self, settings: IngestSettings, metrics: IngestMetrics, writer: LineWriter
    ) -> None:
        self._interval_s = settings.ingest_stats_interval_s
        self._tags = format_tags({TAG_WORKER: settings.ingest_client_id})
        self._metrics = metrics
        self._writer = writer
        self._next = time.monotonic() + self._interval_s
        self._lag_s = 0.0
        self._batch_s = 0.0

    def observe_lag(self, lag_s: float, batch_s: float | None = None) -> None:
        """Remember the receive-to-acknowledge time of the last written batch."""
        self._lag_s = lag_s
        if batch_s is not None:
            self._batch_s = batch_s

    def line(self, timestamp_ns: int) -> str:
        """The `ingest` point for now."""
        metrics = self._metrics
        fields = (
            f"received_total={int(current(metrics.messages))}i,"
            f"written_total={int(current(metrics.readings_written))}i,"
            f"rejected_total={total_rejected(metrics)}i,"
            f"backlog={int(current(metrics.backlog))}i,"
            f"batch_seconds={self._batch_s!r},"
            f"lag_seconds={self._lag_s!r}"
        )
        return f"{MEASUREMENT_INGEST}{self._tags} {fields} {timestamp_ns}"

    def maybe_report(self, now: float) -> None:
        """Write the point if the interval has passed; a failure only costs this one point."""
        if self._interval_s <= 0 or now < self._next:
            return
        self._next = now + self._interval_s
        try:
            self._writer.write([self.line(time.time_ns())])
        except InfluxError as error:
            _LOGGER.debug("could not write the ingest's own stats: %s", error)
