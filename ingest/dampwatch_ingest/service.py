"""The ingest worker: MQTT in, validated points batched into InfluxDB, acknowledgements out."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from dampwatch.influx import InfluxError, InfluxQL, make_writer
from dampwatch.readings import Rejection
from dampwatch_ingest.consumer import Consumer, Inbound
from dampwatch_ingest.metrics import IngestMetrics
from dampwatch_ingest.pipeline import MessageDecoder
from dampwatch_ingest.registry import Registry
from dampwatch_ingest.settings import IngestSettings
from dampwatch_ingest.writer import Batch, BatchWriter

_LOGGER = logging.getLogger(__name__)
POLL_S = 0.2


class Ingest:
    """One ingest worker. `run()` blocks until `stop()`; every stored message is acknowledged."""

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
        self.consumer = Consumer(settings, self.metrics, self.registry)
        self._line_writer = make_writer(settings)
        self._batch_writer = BatchWriter(
            self._line_writer,
            self.metrics,
            self._record_rejection,
            retry_initial_s=settings.ingest_retry_initial_s,
            retry_max_s=settings.ingest_retry_max_s,
        )
        # one batch may wait while another is written: the broker's window covers both
        self._ready: queue.Queue[Batch | None] = queue.Queue(maxsize=1)
        self._stopping = threading.Event()
        self._abandon = threading.Event()
        self._stopped = threading.Event()

    def _record_rejection(self, rejection: Rejection, topic: str) -> str:
        decoded = self.decoder.decode_rejection(rejection, topic)
        self.metrics.rejected.labels(rejection.reason.value).inc()
        return decoded

    def stop(self) -> None:
        """Stop taking messages, write and acknowledge what is batched, then return from run().

        If InfluxDB stays unavailable past the shutdown timeout, the batch is left unacknowledged
        for the broker to redeliver to the next session.
        """
        if not self._stopping.is_set():
            self._stopping.set()
            timer = threading.Timer(self.settings.ingest_shutdown_timeout_s, self._abandon.set)
            timer.daemon = True
            timer.start()

    def _hand_over(self, batch: Batch | None) -> bool:
        """Queue a batch for the writer, waiting while it is busy, unless shutdown gave up."""
        while not self._abandon.is_set():
            try:
                self._ready.put(batch, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run(self, on_ready: Callable[[], None] | None = None) -> None:
        """Run until stopped."""
        self._prepare_database()
        self.consumer.start()
        writer_thread = threading.Thread(target=self._write_loop, name="ingest-writer", daemon=True)
        writer_thread.start()
        if on_ready is not None:
            on_ready()
        try:
            self._batch_loop()
        finally:
            self.stop()
            self._hand_over(None)
            writer_thread.join()
            if self._abandon.is_set():
                _LOGGER.warning(
                    "InfluxDB still unavailable at shutdown; the broker redelivers the "
                    "unacknowledged messages to the next session"
                )
            self.consumer.stop()
            self._line_writer.close()
            _LOGGER.info("ingest stopped: %s", self.metrics.summary())
            self._stopped.set()

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

    def _batch_loop(self) -> None:
        settings = self.settings
        batch = Batch()
        batch_started = 0.0
        next_summary = time.monotonic() + settings.ingest_log_interval_s
        while not self._stopping.is_set():
            now = time.monotonic()
            if now >= next_summary:
                _LOGGER.info("ingest: %s", self.metrics.summary())
                next_summary = now + settings.ingest_log_interval_s
            # wake at least every 0.2 s to notice a stop request
            timeout = POLL_S
            if batch.messages:
                timeout = min(batch_started + settings.ingest_batch_wait_s - now, POLL_S)
            try:
                message = self.consumer.inbox.get(timeout=max(timeout, 0.001))
            except queue.Empty:
                message = None
            if message is not None:
                if not batch.messages:
                    batch_started = time.monotonic()
                self._add(batch, message)
            full = (
                len(batch.lines) >= settings.ingest_batch_size
                or batch.messages >= settings.ingest_batch_messages
            )
            expired = (
                batch.messages and time.monotonic() >= batch_started + settings.ingest_batch_wait_s
            )
            if (full or expired) and self._hand_over(batch):
                batch = Batch()
        if batch.messages:
            self._hand_over(batch)

    def _add(self, batch: Batch, message: Inbound) -> None:
        decoded = self.decoder.decode(message.topic, message.payload)
        batch.add(decoded.lines, message.topic)
        batch.acks.append((message.mid, message.qos, message.connection))
        batch.received_ns.append(message.received_ns)
        batch.messages += 1
        batch.readings += decoded.readings
        for reason, count in decoded.rejected.items():
            self.metrics.rejected.labels(reason).inc(count)
        if decoded.withheld:
            self.metrics.withheld.inc()
        if decoded.seqs and decoded.device_key is not None:
            self.metrics.observe_sequences(decoded.device_key, decoded.seqs)

    def _write_loop(self) -> None:
        while (batch := self._ready.get()) is not None:
            if not self._batch_writer.write(batch, give_up=self._abandon):
                return
            for mid, qos, connection in batch.acks:
                self.consumer.ack(mid, qos, connection)
            now_ns = time.time_ns()
            for received_ns in batch.received_ns:
                self.metrics.latency_seconds.observe((now_ns - received_ns) / 1e9)
            self.metrics.backlog.dec(batch.messages)
