"""The store process: decodes raw batches, writes them to InfluxDB, reports each one stored.

Validation, line-protocol formatting and the HTTP writes cost about as much CPU as paho spends
receiving a message; under one GIL they would share a core with paho's network thread. Here
they run in a process of their own, and the ingest process only receives and acknowledges.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from dampwatch.influx import make_writer
from dampwatch.logs import configure_logging
from dampwatch.readings import Rejection
from dampwatch_ingest.metrics import IngestMetrics, current, rejected_counts
from dampwatch_ingest.pipeline import MessageDecoder, decode_all, quarantined
from dampwatch_ingest.registry import HomeFacts, Registry
from dampwatch_ingest.settings import IngestSettings
from dampwatch_ingest.stats import StatsReporter
from dampwatch_ingest.write_order import Countdown, InOrder
from dampwatch_ingest.writer import Batch, BatchWriter

_LOGGER = logging.getLogger(__name__)
IDLE_WAIT_S = 0.5
# Writes in flight at once, each on its own connection: InfluxDB works on one while the
# other's body is sent and its answer read.
WRITERS = 2


@dataclass(slots=True)
class StoreReport:
    """The store process's totals so far, and the figures of the batch just stored."""

    written: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    withheld: int = 0
    unrecorded: int = 0
    retries: int = 0
    sequence_gaps: int = 0
    devices_with_gaps: int = 0
    worst_gaps: list[tuple[tuple[str, str], int]] = field(default_factory=list)
    influx_up: bool = True
    batch_seconds: float = 0.0
    batch_points: int = 0


def report_of(metrics: IngestMetrics, batch_seconds: float = 0.0, points: int = 0) -> StoreReport:
    """A report from the store process's own metrics."""
    return StoreReport(
        written=int(current(metrics.readings_written)),
        rejected=rejected_counts(metrics),
        withheld=int(current(metrics.withheld)),
        unrecorded=int(current(metrics.unrecorded)),
        retries=int(current(metrics.write_retries)),
        sequence_gaps=int(current(metrics.sequence_gaps)),
        devices_with_gaps=metrics.sequences.devices_with_gaps,
        worst_gaps=metrics.sequences.worst(3),
        influx_up=bool(current(metrics.influx_up)),
        batch_seconds=batch_seconds,
        batch_points=points,
    )


class _Store:
    """Everything the store process keeps between batches."""

    def __init__(
        self, connection: Connection, settings: IngestSettings, homes: dict[str, HomeFacts]
    ):
        self.connection = connection
        self.settings = settings
        self.metrics = IngestMetrics()
        self.metrics.influx_up.set(1)
        self.registry = Registry()
        self.registry.replace(homes)
        self.decoder = MessageDecoder(
            prefix=settings.mqtt_topic_prefix,
            source=settings.ingest_client_id,
            retention_s=settings.retention_days * 86400.0,
            registry=self.registry,
        )
        # one connection per writer, and one for the stats
        self.line_writers = [make_writer(settings) for _ in range(WRITERS + 1)]
        self.give_up = threading.Event()
        self.writers = [
            BatchWriter(
                line_writer,
                self.metrics,
                self._record_rejection,
                max_lines=settings.ingest_batch_size,
                retry_initial_s=settings.ingest_retry_initial_s,
                retry_max_s=settings.ingest_retry_max_s,
                on_retry=self._on_retry,
            )
            for line_writer in self.line_writers[:WRITERS]
        ]
        self.stats = StatsReporter(settings, self.metrics, self.line_writers[-1])
        self._stats_lock = threading.Lock()
        self._send_lock = threading.Lock()  # a pipe takes one message at a time
        # one batch waits here while others are written and the next decoded
        self.to_write: queue.Queue[tuple[int, int, Batch] | None] = queue.Queue(maxsize=1)
        self.writer_done = threading.Event()  # set once every writer thread has ended
        self.finished = Countdown(WRITERS, self.writer_done)
        self.order = InOrder(self.give_up)
        self._tickets = 0  # the order batches were queued in, which is the order they report

    def decode(
        self,
        batch_id: int,
        topics: list[str],
        payloads: list[bytes],
        received_ns: int,
        quarantine: bool,
    ) -> None:
        """Decode one batch and queue it for the writer thread (waits while one is queued)."""
        self.metrics.received += len(topics)
        if quarantine:
            results = [
                quarantined(
                    self.decoder,
                    topic,
                    payload,
                    "this message repeatedly stopped the store process",
                )
                for topic, payload in zip(topics, payloads, strict=True)
            ]
        else:
            results = decode_all(self.decoder, topics, payloads)
        batch = Batch(first_received_ns=received_ns)
        for topic, decoded in zip(topics, results, strict=True):
            batch.add(decoded, topic)
        self._account(batch)
        while not self.writer_done.is_set():
            try:
                self.to_write.put((self._tickets, batch_id, batch), timeout=IDLE_WAIT_S)
                self._tickets += 1
                return
            except queue.Full:
                continue

    def write_loop(self, writer: BatchWriter) -> None:
        """A writer thread: write decoded batches, report each in queue order, write stats.

        The writers overlap their HTTP round trips to InfluxDB with each other and with the
        decoding of the next batch; a batch written early waits for its turn to report.
        """
        try:
            while True:
                try:
                    item = self.to_write.get(timeout=IDLE_WAIT_S)
                except queue.Empty:
                    self._maybe_report_stats()
                    continue
                if item is None:
                    return
                ticket, batch_id, batch = item
                started = time.monotonic()
                if not writer.write(batch, give_up=self.give_up):
                    return
                if not self.order.wait_turn(ticket):
                    return
                try:
                    self._report(batch_id, batch, time.monotonic() - started)
                finally:
                    self.order.done(ticket)
                self._maybe_report_stats()
        except (BrokenPipeError, EOFError, OSError):
            self.give_up.set()  # the ingest is gone
        finally:
            self.finished.finished()

    def _report(self, batch_id: int, batch: Batch, batch_s: float) -> None:
        self.metrics.acknowledged += batch.messages
        with self._stats_lock:
            self.stats.observe_lag((time.time_ns() - batch.first_received_ns) / 1e9, batch_s)
        self.send(("done", batch_id, report_of(self.metrics, batch_s, len(batch.lines))))

    def _maybe_report_stats(self) -> None:
        with self._stats_lock:
            self.stats.maybe_report(time.monotonic())

    def send(self, message: tuple[Any, ...]) -> None:
        """Send to the ingest process; writer threads share the pipe."""
        with self._send_lock:
            self.connection.send(message)

    def _account(self, batch: Batch) -> None:
        metrics = self.metrics
        # In a shared subscription each worker sees only some of a device's messages, so its
        # view of the sequence would be all gaps; the assessment counts them from stored `seq`.
        track_sequences = self.settings.ingest_share_group is None
        for decoded in batch.decoded:
            for reason, count in decoded.rejected.items():
                metrics.rejected.labels(reason).inc(count)
            if decoded.withheld:
                metrics.withheld.inc()
            if track_sequences and decoded.seqs and decoded.device_key is not None:
                metrics.observe_sequences(decoded.device_key, decoded.seqs)

    def _record_rejection(self, rejection: Rejection, topic: str) -> str:
        self.metrics.rejected.labels(rejection.reason.value).inc()
        return self.decoder.decode_rejection(rejection, topic)

    def _on_retry(self) -> None:
        self.send(("progress", report_of(self.metrics)))


def _read_requests(
    connection: Connection, requests: queue.SimpleQueue[Any], give_up: threading.Event
) -> None:
    """Move requests from the pipe to the queue; an abandon order acts at once."""
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            give_up.set()  # the ingest is gone: nobody would acknowledge what is written
            requests.put(("stop",))
            return
        if request[0] == "abandon":
            give_up.set()
            requests.put(("stop",))
            return
        requests.put(request)
        if request[0] == "stop":
            return


def serve(connection: Connection, settings: IngestSettings, homes: dict[str, HomeFacts]) -> None:
    """The store process's main function."""
    # Ctrl-C reaches the whole process group; only the ingest decides when storing ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_logging(settings.log_level)
    store = _Store(connection, settings, homes)
    connection.send(("ready",))
    requests: queue.SimpleQueue[Any] = queue.SimpleQueue()
    reader = threading.Thread(
        target=_read_requests, args=(connection, requests, store.give_up), daemon=True
    )
    reader.start()
    writers = [
        threading.Thread(
            target=store.write_loop, args=(batch_writer,), name=f"store-writer-{n}", daemon=True
        )
        for n, batch_writer in enumerate(store.writers)
    ]
    for writer in writers:
        writer.start()
    try:
        while not store.writer_done.is_set():
            try:
                request = requests.get(timeout=IDLE_WAIT_S)
            except queue.Empty:
                continue
            kind = request[0]
            if kind == "batch":
                store.decode(*request[1:])
            elif kind == "registry":
                with contextlib.suppress(ValueError):  # the ingest has already logged it
                    store.registry.update(request[1], request[2])
            else:
                break
    finally:
        # the writers finish what is queued unless told to give up; then the process exits
        stops = len(writers)
        while stops and not store.writer_done.is_set():
            try:
                store.to_write.put(None, timeout=IDLE_WAIT_S)
                stops -= 1
            except queue.Full:
                continue
        for writer in writers:
            writer.join()
        for line_writer in store.line_writers:
            line_writer.close()
