"""From a broker message or a BLE frame to readings: decode, map, de-duplicate, aggregate."""

from __future__ import annotations

import logging
from typing import NamedTuple

from dampwatch.readings import parse_payload
from dampwatch_gateway.aggregate import Aggregator, Deduplicator, WindowReading
from dampwatch_gateway.config import GatewayConfig
from dampwatch_gateway.decoders.esphome import decode_esphome, parse_state_topic
from dampwatch_gateway.decoders.tasmota import decode_tasmota, device_topic
from dampwatch_gateway.decoders.zigbee2mqtt import decode_zigbee2mqtt, friendly_name
from dampwatch_gateway.events import LocalMessage
from dampwatch_gateway.mapping import SensorMap
from dampwatch_gateway.samples import DecodeError, Sample, SourceKind
from dampwatch_gateway.status import GatewayStatus

_LOGGER = logging.getLogger(__name__)


class Outgoing(NamedTuple):
    """A reading for the queue; `seq` None means: the gateway numbers it (native keeps its own)."""

    device: str
    ts_ms: int
    values: dict[str, float]
    seq: int | None
    numbered_here: bool


def _outgoing(window: WindowReading) -> Outgoing:
    return Outgoing(window.device, round(window.ts_s * 1000), window.values, None, True)


class Pipeline:
    """Turns what sensors send into readings of configured devices; counts everything else."""

    def __init__(self, config: GatewayConfig, sensor_map: SensorMap, status: GatewayStatus) -> None:
        self._config = config
        self._local = config.local
        self._map = sensor_map
        self._status = status
        self._dedupe = Deduplicator()
        self._aggregator = Aggregator(config.interval_s, config.aggregate)
        self._retention_s = config.retention_days * 86400
        self._warned: set[str] = set()

    def next_deadline(self) -> float | None:
        """When the next aggregation window ends."""
        return self._aggregator.next_deadline()

    def due(self, now_s: float) -> list[Outgoing]:
        """Readings of the windows that have ended."""
        return [_outgoing(window) for window in self._aggregator.due(now_s)]

    def close_all(self) -> list[Outgoing]:
        """Readings of every open window, at shutdown."""
        return [_outgoing(window) for window in self._aggregator.close_all()]

    def ble(self, sample: Sample, now_s: float) -> list[Outgoing]:
        """A decoded BLE advertisement."""
        return self._sample(sample, now_s)

    def failed(self, source: str, error: DecodeError) -> None:
        """Count a frame that did not decode; the first of each kind is logged."""
        key = f"{source}/{error.reason}"
        self._status.decode_errors[key] += 1
        if key not in self._warned:
            self._warned.add(key)
            _LOGGER.warning(
                "skipping undecodable %s message (%s); counted from now on", source, error
            )

    def local(self, message: LocalMessage, now_s: float) -> list[Outgoing]:
        """A message from the home's broker; never raises for bad content."""
        local = self._local
        if local is None:
            return []
        topic = message.topic
        native_head = f"{local.native_topic_prefix}/" if local.native_topic_prefix else None
        try:
            if native_head and topic.startswith(native_head):
                return self._native(topic[len(native_head) :], message.payload, now_s)
            if message.retained:
                # a retained state is old news: stamping it with today's time would be wrong
                self._status.retained_skipped += 1
                return []
            if local.zigbee2mqtt_topic and (name := friendly_name(topic, local.zigbee2mqtt_topic)):
                return self._decoded(SourceKind.ZIGBEE2MQTT, name, message.payload, now_s)
            if local.tasmota and (board := device_topic(topic)):
                return self._decoded(SourceKind.TASMOTA, board, message.payload, now_s)
            if local.esphome and (state := parse_state_topic(topic)):
                return self._esphome(state[0], state[1], message.payload, now_s)
        except DecodeError as error:
            self.failed(topic.split("/", 1)[0] if "/" in topic else topic, error)
        return []

    def _decoded(
        self, kind: SourceKind, address: str, payload: bytes, now_s: float
    ) -> list[Outgoing]:
        try:
            if kind is SourceKind.ZIGBEE2MQTT:
                return self._sample(decode_zigbee2mqtt(address, payload), now_s)
            message = decode_tasmota(address, payload)
        except DecodeError as error:
            self._fault_or_count(Sample(kind, address, {}), error, now_s)
            return []
        sole = len(message.samples) + len(message.faults) == 1
        out: list[Outgoing] = []
        for sample in message.samples:
            out.extend(self._sample(sample, now_s, sole))
        for sensor_key in message.faults:
            fault = DecodeError("sensor_null", f"{sensor_key} sent null values (failed read)")
            self._fault_or_count(
                Sample(kind, address, {}, sub_address=sensor_key), fault, now_s, sole
            )
        return out

    def _esphome(self, node: str, sensor: str, payload: bytes, now_s: float) -> list[Outgoing]:
        try:
            sample = decode_esphome(node, sensor, payload, self._map.esphome_fields(node))
        except DecodeError as error:
            self._fault_or_count(
                Sample(SourceKind.ESPHOME, node, {}, sub_address=sensor), error, now_s
            )
            return []
        return self._sample(sample, now_s)

    def _fault_or_count(
        self, sample: Sample, error: DecodeError, now_s: float, sole: bool = True
    ) -> None:
        self.failed(sample.source.value, error)
        mapped = self._map.resolve(sample, sole)
        if mapped is not None and error.reason == "sensor_null":
            self._status.faulted(mapped.device, error.detail, now_s)

    def _sample(self, sample: Sample, now_s: float, sole: bool = True) -> list[Outgoing]:
        if self._dedupe.is_repeat(sample):
            self._status.duplicates += 1
            return []
        mapped = self._map.resolve(sample, sole)
        if mapped is None:
            if self._status.unknown_seen(sample.key, sample.values, now_s):
                _LOGGER.warning(
                    "unknown sensor %s sends %s: not forwarded; add it to [[sensors]] to use it",
                    sample.key,
                    sample.values,
                )
            return []
        self._status.seen(mapped.device, sample.values, now_s)
        return [_outgoing(w) for w in self._aggregator.add(mapped.device, sample.values, now_s)]

    def _native(self, rest: str, payload: bytes, now_s: float) -> list[Outgoing]:
        parts = rest.split("/")
        if len(parts) != 3:
            raise DecodeError(
                "bad_topic", f"native topic .../{rest} is not <home>/<device>/reading"
            )
        sample = Sample(SourceKind.NATIVE, parts[1], {})
        mapped = self._map.resolve(sample)
        parsed = parse_payload(payload, now_s=now_s, retention_s=self._retention_s)
        for rejection in parsed.rejections:
            self._status.rejected[f"native/{rejection.reason.value}"] += 1
            _LOGGER.debug("native reading on %s rejected: %s", rest, rejection.detail)
        if mapped is None:
            values = parsed.readings[-1].values if parsed.readings else {}
            if self._status.unknown_seen(sample.key, values, now_s):
                _LOGGER.warning(
                    "unknown native device %s: not forwarded; add it to [[sensors]]", parts[1]
                )
            return []
        if parsed.readings:
            self._status.seen(mapped.device, parsed.readings[-1].values, now_s)
        return [
            Outgoing(mapped.device, reading.ts_ms, reading.values, reading.seq, False)
            for reading in parsed.readings
        ]
