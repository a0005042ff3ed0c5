"""From one MQTT message to line-protocol points: readings to store and rejections to record."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import orjson

from dampwatch.const import MAX_PAYLOAD_BYTES, READING_LEAF, RejectReason
from dampwatch.fastlines import fast_lines
from dampwatch.lineprotocol import reading_line_in, reading_series, rejected_line
from dampwatch.readings import Rejection, excerpt, parse_payload
from dampwatch.topics import TopicError, parse_device_topic
from dampwatch_ingest.registry import Registry

_LOGGER = logging.getLogger(__name__)
# Parsed topics and series strings are cached; beyond this many the caches start afresh.
CACHE_LIMIT = 200_000


@dataclass(slots=True)
class Decoded:
    """The points one message yields, and what they count for."""

    lines: list[str] = field(default_factory=list)
    readings: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    withheld: int = 0
    seqs: list[int] = field(default_factory=list)
    device_key: tuple[str, str] | None = None


class MessageDecoder:
    """Validates a message against contract v1 and turns it into `reading`/`rejected` lines."""

    def __init__(
        self,
        *,
        prefix: str,
        source: str,
        retention_s: float,
        registry: Registry | None = None,
        fast_path: bool = True,
    ) -> None:
        self._prefix = prefix
        self._fast_path = fast_path  # off: every message through the reference path (tests)
        self._source = source
        self._retention_s = retention_s
        self._registry = registry or Registry()
        self._last_rejected_ns = 0
        self._clock_lock = threading.Lock()
        self._devices: dict[str, tuple[str, str] | str] = {}  # topic → (home, device) | error
        self._series: dict[tuple[str, str, str | None], str] = {}

    def _rejection_time_ns(self) -> int:
        # strictly increasing, so two rejections from this source never share a timestamp and merge
        with self._clock_lock:
            self._last_rejected_ns = max(time.time_ns(), self._last_rejected_ns + 1)
            return self._last_rejected_ns

    def reject(
        self,
        decoded: Decoded,
        rejection: Rejection,
        topic: str,
        home_id: str | None = None,
        device_id: str | None = None,
    ) -> None:
        """Add a `rejected` point for `rejection`."""
        decoded.lines.append(
            rejected_line(
                rejection,
                topic=topic,
                source=self._source,
                timestamp_ns=self._rejection_time_ns(),
                home_id=home_id,
                device_id=device_id,
            )
        )
        reason = rejection.reason.value
        decoded.rejected[reason] = decoded.rejected.get(reason, 0) + 1

    def decode_rejection(self, rejection: Rejection, topic: str) -> str:
        """The `rejected` line for a rejection found after decoding (InfluxDB refused a point)."""
        decoded = Decoded()
        device = self._device(topic)
        if isinstance(device, tuple):
            self.reject(decoded, rejection, topic, *device)
        else:
            self.reject(decoded, rejection, topic)
        return decoded.lines[0]

    def _device(self, topic: str) -> tuple[str, str] | str:
        """Home and device of a reading topic, or why the topic is outside the contract."""
        known = self._devices.get(topic)
        if known is not None:
            return known
        try:
            parsed = parse_device_topic(topic, self._prefix)
            if parsed.leaf != READING_LEAF:
                raise TopicError(f"topic {topic!r} is not a reading topic")
            result: tuple[str, str] | str = (parsed.home_id, parsed.device_id)
        except TopicError as error:
            result = str(error)
        if len(self._devices) >= CACHE_LIMIT:
            self._devices.clear()
        self._devices[topic] = result
        return result

    def _series_of(self, home_id: str, device_id: str) -> str:
        key = (home_id, device_id, self._registry.room(home_id, device_id))
        series = self._series.get(key)
        if series is None:
            if len(self._series) >= CACHE_LIMIT:
                self._series.clear()
            series = self._series[key] = reading_series(*key)
        return series

    def decode(self, topic: str, payload: bytes, now_s: float | None = None) -> Decoded:
        """Decode one message; never raises for any topic or payload."""
        decoded = Decoded()
        device = self._device(topic)
        if isinstance(device, str):
            self.reject(decoded, Rejection(RejectReason.BAD_TOPIC, device, excerpt(payload)), topic)
            return decoded
        home_id, device_id = device
        if not self._registry.consents(home_id):
            # consent withdrawn: neither store the readings nor keep their bytes as evidence
            decoded.withheld = 1
            return decoded

        now_s = time.time() if now_s is None else now_s
        series = self._series_of(home_id, device_id)
        fast = _fast_path(payload, series, now_s, self._retention_s) if self._fast_path else None
        if fast is not None:
            decoded.lines, decoded.seqs = fast
            decoded.readings = len(decoded.lines)
            decoded.device_key = device
            return decoded

        parsed = parse_payload(payload, now_s=now_s, retention_s=self._retention_s)
        if parsed.readings:
            decoded.lines = [reading_line_in(series, reading) for reading in parsed.readings]
            decoded.seqs = [reading.seq for reading in parsed.readings if reading.seq is not None]
            decoded.readings = len(parsed.readings)
            decoded.device_key = device
        for rejection in parsed.rejections:
            self.reject(decoded, rejection, topic, home_id, device_id)
        return decoded


def _fast_path(
    payload: bytes, series: str, now_s: float, retention_s: float
) -> tuple[list[str], list[int]] | None:
    """Lines of a well-formed payload of valid readings; None sends it to `parse_payload`.

    orjson refuses some JSON the standard library takes (NaN, lone surrogates, numbers beyond
    a double): those payloads take the reference path, which decides and words the rejection.
    """
    if len(payload) > MAX_PAYLOAD_BYTES:
        return None
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return fast_lines(document, series, now_s=now_s, retention_s=retention_s)


def decode_all(decoder: MessageDecoder, topics: list[str], payloads: list[bytes]) -> list[Decoded]:
    """Decode each message; an unexpected error rejects that message, never the batch."""
    results = []
    for topic, payload in zip(topics, payloads, strict=True):
        try:
            results.append(decoder.decode(topic, payload))
        except Exception as error:
            _LOGGER.exception("could not decode a message on %s", topic)
            results.append(quarantined(decoder, topic, payload, repr(error)))
    return results


def quarantined(decoder: MessageDecoder, topic: str, payload: bytes, why: str) -> Decoded:
    """A message recorded as an internal error without decoding it."""
    decoded = Decoded()
    decoder.reject(
        decoded, Rejection(RejectReason.INTERNAL_ERROR, why[:300], excerpt(payload)), topic
    )
    return decoded
