"""Moves the queue up the uplink: oldest first, in order, a bounded number of rows in flight."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Final

from dampwatch.const import MAX_PAYLOAD_BYTES
from dampwatch.readings import parse_payload
from dampwatch_gateway.pipeline import Outgoing
from dampwatch_gateway.status import GatewayStatus
from dampwatch_gateway.store import Batch, QueuedReading, Store
from dampwatch_gateway.uplink import Uplink

_LOGGER = logging.getLogger(__name__)
# Room left under the contract's message limit for the array's brackets and commas.
_PAYLOAD_LIMIT: Final = MAX_PAYLOAD_BYTES - 1024


def reading_payload(ts_ms: int, seq: int | None, values: dict[str, float]) -> str:
    """A contract v1 reading as compact JSON: `ts` in Unix seconds (ms precision)."""
    document: dict[str, object] = {"ts": ts_ms / 1000}
    if seq is not None:
        document["seq"] = seq
    document.update(values)
    return json.dumps(document, separators=(",", ":"), allow_nan=False)


def validated(
    outgoing: Sequence[Outgoing],
    store: Store,
    status: GatewayStatus,
    now_s: float,
    retention_s: float,
) -> list[QueuedReading]:
    """Readings that pass contract v1 (`parse_payload`), numbered; the rest counted by reason."""
    accepted: list[QueuedReading] = []
    next_seq: dict[str, int] = {}
    for item in outgoing:
        seq = item.seq
        if item.numbered_here:
            seq = next_seq.get(item.device, store.next_seq(item.device))
        try:
            payload = reading_payload(item.ts_ms, seq, item.values)
        except ValueError:  # NaN or infinity
            status.rejected["gateway/range"] += 1
            continue
        parsed = parse_payload(payload.encode(), now_s=now_s, retention_s=retention_s)
        if parsed.rejections:
            rejection = parsed.rejections[0]
            status.rejected[f"gateway/{rejection.reason.value}"] += 1
            _LOGGER.warning(
                "reading of %s not queued (%s): %s",
                item.device,
                rejection.reason.value,
                rejection.detail,
            )
            continue
        if item.numbered_here and seq is not None:
            next_seq[item.device] = seq + 1
        accepted.append(
            QueuedReading(item.device, item.ts_ms, payload, seq if item.numbered_here else None)
        )
        if item.device in status.sensors:
            status.sensors[item.device].readings += 1
    return accepted


class Forwarder:
    """Publishes batches of queued rows and deletes them when their PUBACK arrives."""

    def __init__(self, store: Store, uplink: Uplink, batch_size: int, max_inflight: int) -> None:
        self._store = store
        self._uplink = uplink
        self._batch_size = batch_size
        self._max_rows = batch_size * max_inflight
        self._cursor = 0  # rows up to this id are handed to paho or gone
        self._inflight: dict[int, Batch] = {}
        self.inflight_rows = 0

    def flush(self) -> int:
        """Publish what the in-flight bound allows; returns how many messages went out."""
        sent = 0
        while self._uplink.connected:
            room = self._max_rows - self.inflight_rows
            if room <= 0:
                break
            batches = self._store.batches(self._cursor, room, self._batch_size, _PAYLOAD_LIMIT)
            if not batches:
                break
            for index, batch in enumerate(batches):
                mid = self._uplink.publish(self._uplink.topic(batch.device), batch.payload)
                if mid is None:
                    # later rows go again from here; some may already be out (duplicates only)
                    self._cursor = min(min(b.ids) for b in batches[index:]) - 1
                    return sent
                self._inflight[mid] = batch
                self.inflight_rows += len(batch.ids)
                sent += 1
            self._cursor = max(max(batch.ids) for batch in batches)
        return sent

    def acked(self, mids: Sequence[int]) -> int:
        """Delete the rows of acknowledged messages in one transaction; returns rows deleted."""
        ids: list[int] = []
        for mid in mids:
            batch = self._inflight.pop(mid, None)
            if batch is not None:
                ids.extend(batch.ids)
                self.inflight_rows -= len(batch.ids)
        return self._store.delete(ids) if ids else 0
