"""From one MQTT message to line-protocol points: readings to store and rejections to record."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from dampwatch.const import READING_LEAF, RejectReason
from dampwatch.lineprotocol import reading_line, rejected_line
from dampwatch.readings import Rejection, excerpt, parse_payload
from dampwatch.topics import TopicError, parse_device_topic
from dampwatch_ingest.registry import Registry


@dataclass(slots=True)
class Decoded:
    """The points one message yields, and what they count for."""

    lines: list[str] = field(default_factory=list)
    readings: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    withheld: int = 0
    seqs: list[int] = field(default_factory=list)
    device_key: tuple[str, str] | None = None


class MessageDecoder:
    """Validates a message against contract v1 and turns it into `reading`/`rejected` lines."""

    def __init__(
        self, *, prefix: str, source: str, retention_s: float, registry: Registry | None = None
    ) -> None:
        self._prefix = prefix
        self._source = source
        self._retention_s = retention_s
        self._registry = registry or Registry()
        self._last_rejected_ns = 0
        self._clock_lock = threading.Lock()

    def _rejection_time_ns(self) -> int:
        # strictly increasing, so two rejections from this source never share a timestamp and merge
        with self._clock_lock:
            self._last_rejected_ns = max(time.time_ns(), self._last_rejected_ns + 1)
            return self._last_rejected_ns

    def decode_rejection(self, rejection: Rejection, topic: str) -> str:
        """The `rejected` line for a rejection found after decoding (InfluxDB refused a point)."""
        decoded = Decoded()
        self.reject(decoded, rejection, topic)
        return decoded.lines[0]

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
        decoded.rejected[rejection.reason.value] += 1

    def decode(self, topic: str, payload: bytes, now_s: float | None = None) -> Decoded:
        """Decode one message; never raises for any topic or payload."""
        decoded = Decoded()
        try:
            device = parse_device_topic(topic, self._prefix)
            if device.leaf != READING_LEAF:
                raise TopicError(f"topic {topic!r} is not a reading topic")
        except TopicError as error:
            self.reject(
                decoded, Rejection(RejectReason.BAD_TOPIC, str(error), excerpt(payload)), topic
            )
            return decoded
        home_id, device_id = device.home_id, device.device_id
        if not self._registry.consents(home_id):
            # consent withdrawn: neither store the readings nor keep their bytes as evidence
            decoded.withheld = 1
            return decoded

        parsed = parse_payload(
            payload, now_s=time.time() if now_s is None else now_s, retention_s=self._retention_s
        )
        room = self._registry.room(home_id, device_id)
        for reading in parsed.readings:
            decoded.lines.append(reading_line(reading, home_id, device_id, room))
            if reading.seq is not None:
                decoded.seqs.append(reading.seq)
        decoded.readings = len(parsed.readings)
        decoded.device_key = (home_id, device_id)
        for rejection in parsed.rejections:
            self.reject(decoded, rejection, topic, home_id, device_id)
        return decoded
