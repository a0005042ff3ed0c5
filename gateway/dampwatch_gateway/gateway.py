"""The engine: one thread owns the queue file; network threads only hand it events."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Final

from dampwatch import __version__
from dampwatch_gateway.ble_source import BleScanner
from dampwatch_gateway.config import GatewayConfig
from dampwatch_gateway.events import (
    Acked,
    BleChanged,
    BleSample,
    DecodeFailed,
    Event,
    LocalMessage,
    UplinkChanged,
    Wake,
)
from dampwatch_gateway.forwarder import Forwarder, validated
from dampwatch_gateway.local import LocalBroker
from dampwatch_gateway.mapping import SensorMap
from dampwatch_gateway.pipeline import Outgoing, Pipeline
from dampwatch_gateway.samples import DecodeError
from dampwatch_gateway.status import GatewayStatus, iso
from dampwatch_gateway.store import Eviction, Store, StoreError
from dampwatch_gateway.uplink import Uplink

_LOGGER = logging.getLogger("dampwatch.gateway")
FIRMWARE: Final = f"dampwatch-gateway {__version__}"
_MAX_EVENTS_PER_ROUND: Final = 2000
_DRAIN_ON_STOP_S: Final = 3.0


class Gateway:
    """Decode, queue, forward; `run()` returns after `stop()` once the state is safe on disk."""

    def __init__(self, config: GatewayConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self.sensor_map = SensorMap(config)
        self.status = GatewayStatus(self.sensor_map.sensors, clock(), FIRMWARE)
        self.pipeline = Pipeline(config, self.sensor_map, self.status)
        self.store = Store(config.queue.path, config.queue.budget_bytes)
        self.uplink = Uplink(config, self._events)
        self.forwarder = Forwarder(
            self.store, self.uplink, config.uplink.batch_size, config.uplink.max_inflight
        )
        self.local = (
            LocalBroker(config, self._events, self.sensor_map.esphome_nodes())
            if config.local is not None
            else None
        )
        self.ble = BleScanner(config.ble, self._events) if config.ble.enabled else None
        self._retention_s = config.retention_days * 86400.0
        self._next_status_s = 0.0

    def stop(self) -> None:
        """Ask `run()` to finish (safe from signal handlers and other threads)."""
        self._stopping.set()
        self._events.put(Wake())

    def submit(self, event: Event) -> None:
        """Hand the engine an event from another source (for example a raw HCI reader)."""
        self._events.put(event)

    def run(self) -> None:
        """Run until `stop()`."""
        _LOGGER.info(
            "gateway %s of home %s: uplink %s:%d, queue %s (%d readings waiting), %d sensors",
            self.config.gateway_id,
            self.config.home_id,
            self.config.uplink.host,
            self.config.uplink.port,
            self.config.queue.path,
            self.store.depth,
            len(self.status.sensors),
        )
        self.uplink.start()
        if self.local is not None:
            self.local.start()
        if self.ble is not None:
            self.ble.start()
        try:
            while not self._stopping.is_set():
                self._round(self._next_events())
        finally:
            self._shutdown()

    def queue_document(self) -> dict[str, Any]:
        """The queue's part of the status."""
        return {
            "depth": self.store.depth,
            "bytes": self.store.queued_bytes,
            "budget_bytes": self.store.budget_bytes,
            "oldest_ts": iso(_seconds(self.store.oldest_ts_ms())),
            "in_flight": self.forwarder.inflight_rows,
            "delivered_total": self.store.counters.get("delivered", 0),
            "evicted_total": self.store.counters.get("evicted", 0),
        }

    def status_document(self) -> dict[str, Any]:
        """The retained status as it would be published now."""
        return self.status.document(self._clock(), self.queue_document())

    def _next_events(self) -> list[Event]:
        now = self._clock()
        deadlines = [self._next_status_s]
        if (window_end := self.pipeline.next_deadline()) is not None:
            deadlines.append(window_end)
        timeout = max(0.0, min(deadlines) - now)
        try:
            events = [self._events.get(timeout=min(timeout, self.config.status_interval_s))]
        except queue.Empty:
            return []
        while len(events) < _MAX_EVENTS_PER_ROUND:
            try:
                events.append(self._events.get_nowait())
            except queue.Empty:
                break
        return events

    def _round(self, events: list[Event]) -> None:
        now = self._clock()
        outgoing: list[Outgoing] = []
        local_acks: list[tuple[int, int]] = []
        acked: list[int] = []
        for event in events:
            try:
                self._handle(event, now, outgoing, local_acks, acked)
            except Exception:  # one bad event must not stop the gateway
                _LOGGER.exception("error handling %s; it is skipped", type(event).__name__)
                self.status.decode_errors[f"internal/{type(event).__name__}"] += 1
        outgoing.extend(self.pipeline.due(now))
        try:
            self._queue(outgoing, now)
        except StoreError as error:
            # unacknowledged, the home broker sends its QoS 1 messages again on reconnect
            _LOGGER.error("%s; %d readings not queued", error, len(outgoing))
            self.status.rejected["gateway/store_failed"] += len(outgoing)
            local_acks = []
        # acknowledged to the home broker only now that their readings are on disk
        if self.local is not None:
            for mid, qos in local_acks:
                self.local.ack(mid, qos)
        try:
            if acked and self.forwarder.acked(acked):
                self.store.maintain()
        except StoreError as error:
            _LOGGER.error("%s; those readings will go up again", error)
        self.forwarder.flush()
        if now >= self._next_status_s:
            self._publish_status(now)

    def _handle(
        self,
        event: Event,
        now: float,
        outgoing: list[Outgoing],
        local_acks: list[tuple[int, int]],
        acked: list[int],
    ) -> None:
        if isinstance(event, LocalMessage):
            outgoing.extend(self.pipeline.local(event, now))
            local_acks.append((event.mid, event.qos))
        elif isinstance(event, BleSample):
            outgoing.extend(self.pipeline.ble(event.sample, now))
        elif isinstance(event, Acked):
            acked.append(event.mid)
        elif isinstance(event, DecodeFailed):
            self.pipeline.failed(event.source, DecodeError(event.reason, event.detail))
        elif isinstance(event, UplinkChanged):
            self._uplink_changed(event, now)
        elif isinstance(event, BleChanged):
            self.status.ble = event.state

    def _queue(self, outgoing: list[Outgoing], now: float) -> None:
        readings = validated(outgoing, self.store, self.status, now, self._retention_s)
        eviction = self.store.add(readings)
        if eviction is not None:
            self._evicted(eviction)

    def _evicted(self, eviction: Eviction) -> None:
        self.status.last_eviction = {
            "count": eviction.count,
            "oldest_ts": iso(eviction.oldest_ts_ms / 1000),
            "newest_ts": iso(eviction.newest_ts_ms / 1000),
        }
        _LOGGER.warning(
            "queue over its disk budget of %d bytes: evicted the %d oldest readings (%s to %s), "
            "%d evicted in total",
            self.store.budget_bytes,
            eviction.count,
            iso(eviction.oldest_ts_ms / 1000),
            iso(eviction.newest_ts_ms / 1000),
            self.store.counters.get("evicted", 0),
        )

    def _uplink_changed(self, event: UplinkChanged, now: float) -> None:
        if event.connected:
            self.status.uplink_connected_since_s = now
            _LOGGER.info("uplink %s; %d readings queued", event.detail, self.store.depth)
            self._next_status_s = 0.0  # announce `online` at once
        else:
            self.status.uplink_connected_since_s = None
            _LOGGER.warning("uplink %s; readings stay queued on disk", event.detail)

    def _publish_status(self, now: float) -> None:
        self._next_status_s = now + self.config.status_interval_s
        document = self.status.document(now, self.queue_document())
        self.uplink.publish_status(document)
        queue_part = document["queue"]
        _LOGGER.info(
            "queue %d readings (oldest %s), in flight %d, delivered %d, evicted %d; silent: %s; "
            "unknown sensors: %d; decode errors: %d; rejected: %d; uplink %s",
            queue_part["depth"],
            queue_part["oldest_ts"] or "-",
            queue_part["in_flight"],
            queue_part["delivered_total"],
            queue_part["evicted_total"],
            ", ".join(document["silent_sensors"]) or "none",
            len(document["unknown_sensors"]),
            sum(self.status.decode_errors.values()),
            sum(self.status.rejected.values()),
            "up" if self.uplink.connected else "down",
        )

    def _shutdown(self) -> None:
        now = self._clock()
        try:
            self._queue(self.pipeline.close_all(), now)
        except StoreError as error:
            _LOGGER.error("%s; the open intervals' readings are lost", error)
        self.forwarder.flush()
        if self.ble is not None:
            self.ble.stop()
        if self.local is not None:
            self.local.stop()
        self._drain_acks()
        self.uplink.stop(self.status.offline_document(self._clock()))
        self.store.close()
        _LOGGER.info("gateway stopped; %d readings stay queued", self.store.depth)

    def _drain_acks(self) -> None:
        """Give in-flight batches a moment, so fewer go up twice after the restart."""
        deadline = time.monotonic() + _DRAIN_ON_STOP_S
        while self.forwarder.inflight_rows and self.uplink.connected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                event = self._events.get(timeout=remaining)
            except queue.Empty:
                break
            if isinstance(event, Acked):
                self.forwarder.acked([event.mid])


def _seconds(ts_ms: int | None) -> float | None:
    return ts_ms / 1000 if ts_ms is not None else None
