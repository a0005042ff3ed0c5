"""The ingest worker: MQTT in, validated points batched into InfluxDB, acknowledgements out."""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dampwatch.influx import InfluxError, InfluxQL
from dampwatch_ingest.consumer import Consumer
from dampwatch_ingest.metrics import IngestMetrics
from dampwatch_ingest.registry import Registry
from dampwatch_ingest.settings import IngestSettings
from dampwatch_ingest.store_client import StoreProcess
from dampwatch_ingest.store_process import StoreReport

_LOGGER = logging.getLogger(__name__)
POLL_S = 0.02
# Batches handed to the store process at once: it decodes the next while writing two.
MAX_OUTSTANDING = 4


@dataclass(slots=True)
class RawBatch:
    """Messages as received, waiting to be stored and acknowledged together."""

    topics: list[str] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    acks: list[tuple[int, int, int]] = field(default_factory=list)  # mid, qos, connection
    payload_bytes: int = 0
    readings: int = 0  # as `_readings_in` estimates them
    started: float = 0.0  # monotonic time its first message arrived
    last_added: float = 0.0  # monotonic time its latest message arrived
    first_received_ns: int = 0


def _readings_in(payload: bytes) -> int:
    """How many readings a payload holds, estimated without decoding it: one per "ts" key.

    Only sizes batches; the store process still splits a write at `ingest_batch_size` points.
    """
    return payload.count(b'"ts"') or 1


@dataclass(frozen=True, slots=True)
class RegistryUpdate:
    """A registry message, kept in line with the readings received around it."""

    home_id: str
    payload: bytes


class Ingest:
    """One ingest worker. `run()` blocks until `stop()`; every stored message is acknowledged.

    paho's network thread only files each message into the open batch. This process's main
    thread hands closed batches to the store process, which decodes and writes them, and
    acknowledges each batch once the store process reports it stored.
    """

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self.metrics = IngestMetrics()
        self.registry = Registry(settings.data_dir / f"{settings.ingest_client_id}.registry.json")
        self.store = StoreProcess(settings, self.registry, self._apply_report)
        self.consumer = Consumer(settings, self.metrics, self.registry, self._on_message)
        self._last_report = StoreReport()
        self._lock = threading.Lock()
        self._open = RawBatch()
        # closed batches and registry updates, in the order they were received
        self._full: collections.deque[RawBatch | RegistryUpdate] = collections.deque()
        self._waiting: dict[int, RawBatch] = {}  # handed to the store process, by batch id
        self._stopping = threading.Event()
        self._abandon = threading.Event()
        self.registry.add_listener(self._on_registry)

    def ready(self) -> bool:
        """True once the store process runs and the broker has acknowledged the subscriptions."""
        return self.store.pid is not None and self.consumer.wait_connected(0)

    def stop(self) -> None:
        """Stop taking messages, store and acknowledge what is batched, then return from run().

        If InfluxDB stays unavailable past the shutdown timeout, the batches are left
        unacknowledged for the broker to redeliver to the next session.
        """
        if not self._stopping.is_set():
            self._stopping.set()
            timer = threading.Timer(self.settings.ingest_shutdown_timeout_s, self._abandon.set)
            timer.daemon = True
            timer.start()

    def run(self, on_ready: Callable[[], None] | None = None) -> None:
        """Run until stopped."""
        self._prepare_database()
        self.store.start()
        try:
            self.consumer.start()
            if on_ready is not None:
                on_ready()
            self._loop()
        finally:
            self.stop()
            if self._abandon.is_set() and self._waiting:
                _LOGGER.warning(
                    "InfluxDB still unavailable at shutdown; the broker redelivers the "
                    "unacknowledged messages to the next session"
                )
            self.consumer.stop()
            self.store.close()
            _LOGGER.info("ingest stopped: %s", self.metrics.summary())

    def _prepare_database(self) -> None:
        if self.settings.influx_api != "v1" or not self.settings.ingest_create_database:
            return
        client = InfluxQL(self.settings)
        try:
            client.query(f'CREATE DATABASE "{self.settings.influx_database}"')
        except InfluxError as error:
            # not fatal: the database may exist and this user may lack the right to create it
            _LOGGER.warning("could not make sure the InfluxDB database exists: %s", error)
        finally:
            client.close()

    def _on_message(self, topic: str, payload: bytes, mid: int, qos: int, connection: int) -> None:
        """File a message into the open batch (on paho's network thread: nothing more)."""
        if self._stopping.is_set():
            return  # not acknowledged: the broker redelivers it to the next session
        self.metrics.received += 1
        readings = _readings_in(payload)
        settings = self.settings
        with self._lock:
            batch = self._open
            if batch.topics and batch.readings + readings > settings.ingest_batch_size:
                # a batch that fits one write: a second, small request costs InfluxDB a round
                # trip and a WAL sync (make bench: 1,200-point requests took 30 % longer)
                self._full.append(batch)
                batch = self._open = RawBatch()
            if not batch.topics:
                batch.started = time.monotonic()
                batch.first_received_ns = time.time_ns()
            batch.last_added = time.monotonic()
            batch.topics.append(topic)
            batch.payloads.append(payload)
            batch.acks.append((mid, qos, connection))
            batch.payload_bytes += len(payload)
            batch.readings += readings
            if (
                len(batch.topics) >= settings.ingest_batch_messages
                or batch.payload_bytes >= settings.ingest_batch_bytes
                or batch.readings >= settings.ingest_batch_size
            ):
                self._full.append(batch)
                self._open = RawBatch()

    def _on_registry(self, home_id: str, payload: bytes) -> None:
        """Queue a registry message behind the readings received before it (paho's thread).

        The store process then decodes every message with the consent and rooms in force when
        it arrived: readings received while consent was withdrawn are never stored.
        """
        with self._lock:
            if self._open.topics:
                self._full.append(self._open)
                self._open = RawBatch()
            self._full.append(RegistryUpdate(home_id, payload))

    def _next_batch(self) -> RawBatch | RegistryUpdate | None:
        """A full batch or registry update, else the open batch once old enough, else None."""
        with self._lock:
            if self._full:
                batch = self._full.popleft()
            elif self._open.topics and (
                self._stopping.is_set()
                or (now := time.monotonic()) - self._open.started
                >= self.settings.ingest_batch_wait_s
                # the stream paused: waiting longer would only add latency
                or now - self._open.last_added >= self.settings.ingest_batch_idle_s
            ):
                batch, self._open = self._open, RawBatch()
            else:
                return None
        return batch

    def _drained(self) -> bool:
        with self._lock:
            return not self._full and not self._open.topics and not self._waiting

    def _loop(self) -> None:
        next_summary = time.monotonic() + self.settings.ingest_log_interval_s
        while True:
            if self._abandon.is_set() and self._waiting:
                self.store.abandon()
                return
            submitted = False
            if self.store.outstanding < MAX_OUTSTANDING:
                raw = self._next_batch()
                if isinstance(raw, RegistryUpdate):
                    self.store.update_registry(raw.home_id, raw.payload)
                    continue
                if raw is not None:
                    batch_id = self.store.submit(raw.topics, raw.payloads, raw.first_received_ns)
                    self._waiting[batch_id] = raw
                    submitted = True
            if not submitted and self._stopping.is_set() and self._drained():
                return
            for batch_id in self.store.poll(0 if submitted else POLL_S):
                self._acknowledge(self._waiting.pop(batch_id))
            now = time.monotonic()
            if now >= next_summary:
                _LOGGER.info("ingest: %s", self.metrics.summary())
                next_summary = now + self.settings.ingest_log_interval_s

    def _acknowledge(self, raw: RawBatch) -> None:
        self.consumer.ack_many(raw.acks)
        self.metrics.latency_seconds.observe((time.time_ns() - raw.first_received_ns) / 1e9)
        self.metrics.acknowledged += len(raw.acks)

    def _apply_report(self, report: StoreReport, fresh: bool) -> None:
        """Carry the store process's totals into this process's metrics (it restarts at zero)."""
        base = StoreReport() if fresh else self._last_report
        self._last_report = report
        metrics = self.metrics
        for counter, now, before in (
            (metrics.readings_written, report.written, base.written),
            (metrics.withheld, report.withheld, base.withheld),
            (metrics.unrecorded, report.unrecorded, base.unrecorded),
            (metrics.write_retries, report.retries, base.retries),
            (metrics.sequence_gaps, report.sequence_gaps, base.sequence_gaps),
        ):
            if now > before:
                counter.inc(now - before)
        for reason, count in report.rejected.items():
            if count > base.rejected.get(reason, 0):
                metrics.rejected.labels(reason).inc(count - base.rejected.get(reason, 0))
        metrics.devices_with_gaps.set(report.devices_with_gaps)
        metrics.worst_gaps = report.worst_gaps
        metrics.influx_up.set(1 if report.influx_up else 0)
        if report.batch_points:
            metrics.batch_seconds.observe(report.batch_seconds)
            metrics.batch_points.observe(report.batch_points)
