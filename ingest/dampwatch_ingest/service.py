"""The ingest worker: MQTT in, validated points batched into InfluxDB, acknowledgements out."""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable

from dampwatch.const import RejectReason
from dampwatch.influx import InfluxError, InfluxQL, make_writer
from dampwatch.readings import Rejection, excerpt
from dampwatch_ingest.consumer import Consumer
from dampwatch_ingest.metrics import IngestMetrics
from dampwatch_ingest.pipeline import Decoded, MessageDecoder
from dampwatch_ingest.registry import Registry
from dampwatch_ingest.settings import IngestSettings
from dampwatch_ingest.writer import Batch, BatchWriter

_LOGGER = logging.getLogger(__name__)
POLL_S = 0.02


class Ingest:
    """One ingest worker. `run()` blocks until `stop()`; every stored message is acknowledged.

    paho's network thread decodes each message into the open batch (cheap and non-blocking);
    the writer thread closes batches when full or old, writes them, then acknowledges them.
    """

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self.metrics = IngestMetrics()
        self.registry = Registry(settings.data_dir / f"{settings.ingest_client_id}.registry.json")
        self.decoder = MessageDecoder(
            prefix=settings.mqtt_topic_prefix,
            source=settings.ingest_client_id,
            retention_s=settings.retention_days * 86400.0,
            registry=self.registry,
        )
        self.consumer = Consumer(settings, self.metrics, self.registry, self._on_message)
        self._line_writer = make_writer(settings)
        self._batch_writer = BatchWriter(
            self._line_writer,
            self.metrics,
            self._record_rejection,
            retry_initial_s=settings.ingest_retry_initial_s,
            retry_max_s=settings.ingest_retry_max_s,
        )
        self._lock = threading.Lock()
        self._open = Batch()
        self._full: collections.deque[Batch] = collections.deque()
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
        self.consumer.start()
        if on_ready is not None:
            on_ready()
        try:
            self._write_loop()
        finally:
            self.stop()
            if self._abandon.is_set():
                _LOGGER.warning(
                    "InfluxDB still unavailable at shutdown; the broker redelivers the "
                    "unacknowledged messages to the next session"
                )
            self.consumer.stop()
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
        """Decode a message into the open batch (on paho's network thread)."""
        if self._stopping.is_set():
            return  # not acknowledged: the broker redelivers it to the next session
        try:
            decoded = self.decoder.decode(topic, payload)
        except Exception as error:
            _LOGGER.exception("could not decode a message on %s", topic)
            decoded = Decoded()
            rejection = Rejection(RejectReason.INTERNAL_ERROR, repr(error)[:300], excerpt(payload))
            self.decoder.reject(decoded, rejection, topic)
        self.metrics.messages.inc()
        self.metrics.backlog.inc()
        with self._lock:
            batch = self._open
            batch.add(decoded, topic, mid, qos, connection)
            if (
                len(batch.lines) >= self.settings.ingest_batch_size
                or batch.messages >= self.settings.ingest_batch_messages
            ):
                self._full.append(batch)
                self._open = Batch()
                self._wake.set()

    def _next_batch(self) -> Batch | None:
        """A full batch, else the open one once old enough (or when stopping), else None."""
        with self._lock:
            if self._full:
                return self._full.popleft()
            batch = self._open
            age = time.monotonic() - batch.started
            if batch.messages and (
                self._stopping.is_set() or age >= self.settings.ingest_batch_wait_s
            ):
                self._open = Batch()
                return batch
            return None

    def _write_loop(self) -> None:
        next_summary = time.monotonic() + self.settings.ingest_log_interval_s
        while True:
            batch = self._next_batch()
            if batch is None:
                if self._stopping.is_set():
                    return  # nothing left open or full
                if time.monotonic() >= next_summary:
                    _LOGGER.info("ingest: %s", self.metrics.summary())
                    next_summary = time.monotonic() + self.settings.ingest_log_interval_s
                self._wake.wait(POLL_S)
                self._wake.clear()
                continue
            self._account(batch)
            if not self._batch_writer.write(batch, give_up=self._abandon):
                return
            self.consumer.ack_many(batch.acks)
            self.metrics.latency_seconds.observe((time.time_ns() - batch.first_received_ns) / 1e9)
            self.metrics.backlog.dec(batch.messages)

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
        return self.decoder.decode_rejection(rejection, topic)
