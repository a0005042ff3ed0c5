"""The ingest worker: MQTT in, validated points batched into InfluxDB, acknowledgements out."""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dampwatch.influx import InfluxError, InfluxQL, make_writer
from dampwatch.readings import Rejection
from dampwatch_ingest.consumer import Consumer
from dampwatch_ingest.decode_process import DecodeProcess, DecoderConfig
from dampwatch_ingest.metrics import IngestMetrics
from dampwatch_ingest.registry import Registry
from dampwatch_ingest.settings import IngestSettings
from dampwatch_ingest.stats import StatsReporter
from dampwatch_ingest.writer import Batch, BatchWriter

_LOGGER = logging.getLogger(__name__)
POLL_S = 0.02
# Batches sent to the decoder ahead of the one being written: decoding overlaps writing.
DECODE_AHEAD = 2


@dataclass(slots=True)
class RawBatch:
    """Messages as received, waiting to be decoded, written and acknowledged together."""

    topics: list[str] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    acks: list[tuple[int, int, int]] = field(default_factory=list)  # mid, qos, connection
    payload_bytes: int = 0
    started: float = 0.0  # monotonic time its first message arrived
    first_received_ns: int = 0


class Ingest:
    """One ingest worker. `run()` blocks until `stop()`; every stored message is acknowledged.

    paho's network thread only files each message into the open batch. The writer thread hands
    closed batches to the decoder process, writes what comes back, then acknowledges it.
    """

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self.metrics = IngestMetrics()
        self.registry = Registry(settings.data_dir / f"{settings.ingest_client_id}.registry.json")
        self.decoder = DecodeProcess(
            DecoderConfig(
                prefix=settings.mqtt_topic_prefix,
                source=settings.ingest_client_id,
                retention_s=settings.retention_days * 86400.0,
                log_level=settings.log_level,
            ),
            self.registry,
        )
        self.consumer = Consumer(settings, self.metrics, self.registry, self._on_message)
        self._line_writer = make_writer(settings)
        self._batch_writer = BatchWriter(
            self._line_writer,
            self.metrics,
            self._record_rejection,
            max_lines=settings.ingest_batch_size,
            retry_initial_s=settings.ingest_retry_initial_s,
            retry_max_s=settings.ingest_retry_max_s,
        )
        self._stats = StatsReporter(settings, self.metrics, self._line_writer)
        self._lock = threading.Lock()
        self._open = RawBatch()
        self._full: collections.deque[RawBatch] = collections.deque()
        self._decoding: collections.deque[RawBatch] = collections.deque()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._abandon = threading.Event()

    def stop(self) -> None:
        """Stop taking messages, write and acknowledge what is batched, then return from run().

        If InfluxDB stays unavailable past the shutdown timeout, the batch is left unacknowledged
        for the broker to redeliver to the next session.
        """
        if not self._stopping.is_set():
            self._stopping.set()
            self._wake.set()
            timer = threading.Timer(self.settings.ingest_shutdown_timeout_s, self._abandon.set)
            timer.daemon = True
            timer.start()

    def run(self, on_ready: Callable[[], None] | None = None) -> None:
        """Run until stopped."""
        self._prepare_database()
        self.decoder.start()
        try:
            self.consumer.start()
            if on_ready is not None:
                on_ready()
            self._write_loop()
        finally:
            self.stop()
            if self._abandon.is_set():
                _LOGGER.warning(
                    "InfluxDB still unavailable at shutdown; the broker redelivers the "
                    "unacknowledged messages to the next session"
                )
            self.consumer.stop()
            self.decoder.close()
            self._line_writer.close()
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
        self.metrics.messages.inc()
        self.metrics.backlog.inc()
        with self._lock:
            batch = self._open
            if not batch.topics:
                batch.started = time.monotonic()
                batch.first_received_ns = time.time_ns()
            batch.topics.append(topic)
            batch.payloads.append(payload)
            batch.acks.append((mid, qos, connection))
            batch.payload_bytes += len(payload)
            if (
                len(batch.topics) >= self.settings.ingest_batch_messages
                or batch.payload_bytes >= self.settings.ingest_batch_bytes
            ):
                self._full.append(batch)
                self._open = RawBatch()
                self._wake.set()

    def _next_batch(self) -> RawBatch | None:
        """A full batch, else the open one once old enough (or when stopping), else None."""
        with self._lock:
            if self._full:
                return self._full.popleft()
            batch = self._open
            age = time.monotonic() - batch.started
            if batch.topics and (
                self._stopping.is_set() or age >= self.settings.ingest_batch_wait_s
            ):
                self._open = RawBatch()
                return batch
            return None

    def _write_loop(self) -> None:
        next_summary = time.monotonic() + self.settings.ingest_log_interval_s
        while True:
            raw = self._next_batch()
            if raw is not None:
                self.decoder.submit(raw.topics, raw.payloads)
                self._decoding.append(raw)
                if len(self._decoding) < DECODE_AHEAD:
                    continue  # another batch may be waiting: keep the decoder busy meanwhile
            if self._decoding:
                if not self._write(self._decoding.popleft()):
                    return
                continue
            if self._stopping.is_set():
                return  # nothing left open, full or decoding
            now = time.monotonic()
            self._stats.maybe_report(now)
            if now >= next_summary:
                _LOGGER.info("ingest: %s", self.metrics.summary())
                next_summary = now + self.settings.ingest_log_interval_s
            self._wake.wait(POLL_S)
            self._wake.clear()

    def _write(self, raw: RawBatch) -> bool:
        """Write a decoded batch and acknowledge it; False if shutdown gave up on InfluxDB."""
        batch = Batch(started=raw.started, first_received_ns=raw.first_received_ns)
        for topic, decoded in zip(raw.topics, self.decoder.result(), strict=True):
            batch.add(decoded, topic)
        self._account(batch)
        write_started = time.monotonic()
        if not self._batch_writer.write(batch, give_up=self._abandon):
            return False
        batch_s = time.monotonic() - write_started
        self.consumer.ack_many(raw.acks)
        latency_s = (time.time_ns() - batch.first_received_ns) / 1e9
        self.metrics.latency_seconds.observe(latency_s)
        self.metrics.backlog.dec(len(raw.acks))
        self._stats.observe_lag(latency_s, batch_s)
        return True

    def _account(self, batch: Batch) -> None:
        """Count a batch's rejections and sequence gaps here, not per message on paho's thread."""
        metrics = self.metrics
        for decoded in batch.decoded:
            for reason, count in decoded.rejected.items():
                metrics.rejected.labels(reason).inc(count)
            if decoded.withheld:
                metrics.withheld.inc()
            if decoded.seqs and decoded.device_key is not None:
                metrics.observe_sequences(decoded.device_key, decoded.seqs)

    def _record_rejection(self, rejection: Rejection, topic: str) -> str:
        self.metrics.rejected.labels(rejection.reason.value).inc()
        return self.decoder.rejection_line(rejection, topic)
