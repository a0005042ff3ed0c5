"""Reading messages of contract v1 for the benchmarks, and the line protocol they store as.

Every (device, ts) pair is unique, so InfluxDB holds exactly one point per reading, and every
timestamp lies in the recent past, well inside the retention and never in the future.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass

from dampwatch.lineprotocol import reading_line
from dampwatch.readings import parse_payload
from dampwatch.topics import parse_device_topic, reading_topic

DEVICES_PER_HOME = 4
# keep a whole workload inside a few hours, so it lands in one or two shards
MAX_SPAN_S = 6 * 3600


@dataclass(frozen=True, slots=True)
class Message:
    """One MQTT message and the number of readings it carries."""

    topic: str
    payload: bytes
    readings: int


def device_topic(device: int, prefix: str = "b") -> str:
    """The reading topic of device number `device`."""
    home = device // DEVICES_PER_HOME
    return reading_topic(f"{prefix}home{home:05d}", f"{prefix}dev{device:06d}")


def device_index(device_id: str) -> int:
    """The number of a device named by `device_topic`."""
    return int(device_id.rsplit("dev", 1)[1])


def _reading(rng: random.Random, ts: float, seq: int) -> dict[str, float | int]:
    return {
        "ts": round(ts, 3),
        "seq": seq,
        "temperature_c": round(rng.uniform(12.0, 26.0), 2),
        "humidity_pct": round(rng.uniform(35.0, 90.0), 1),
    }


def _timeline(per_device: int, now_s: float | None) -> tuple[float, float]:
    """Start and spacing of each device's readings: spread over the last few hours."""
    now = time.time() if now_s is None else now_s
    step = max(0.001, min(30.0, MAX_SPAN_S / max(per_device, 1)))
    start = now - 600.0 - per_device * step
    return start, step


def single_messages(
    count: int, devices: int, *, prefix: str = "b", seed: int = 1, now_s: float | None = None
) -> list[Message]:
    """`count` single-reading messages, round robin over `devices` devices."""
    rng = random.Random(seed)
    per_device = -(-count // devices)
    start, step = _timeline(per_device, now_s)
    messages = []
    for index in range(count):
        device, seq = index % devices, index // devices
        body = _reading(rng, start + seq * step, seq)
        messages.append(Message(device_topic(device, prefix), json.dumps(body).encode(), 1))
    return messages


def batched_messages(
    readings: int,
    per_message: int,
    devices: int,
    *,
    prefix: str = "g",
    seed: int = 2,
    now_s: float | None = None,
) -> list[Message]:
    """Arrays of `per_message` consecutive readings of one device (a gateway flushing)."""
    rng = random.Random(seed)
    count = -(-readings // per_message)
    per_device = -(-count // devices) * per_message
    start, step = _timeline(per_device, now_s)
    messages = []
    for index in range(count):
        device, chunk = index % devices, index // devices
        size = min(per_message, readings - index * per_message)
        first = chunk * per_message
        body = [_reading(rng, start + (first + k) * step, first + k) for k in range(size)]
        messages.append(Message(device_topic(device, prefix), json.dumps(body).encode(), size))
    return messages


def line_protocol(messages: list[Message]) -> list[str]:
    """The `reading` points the ingest stores for `messages`, built with the product's code."""
    now = time.time()
    lines: list[str] = []
    for message in messages:
        device = parse_device_topic(message.topic)
        parsed = parse_payload(message.payload, now_s=now, retention_s=396 * 86400.0)
        if parsed.rejections:
            raise ValueError(f"benchmark payload rejected: {parsed.rejections[0].detail}")
        lines.extend(
            reading_line(reading, device.home_id, device.device_id) for reading in parsed.readings
        )
    return lines


def total_readings(messages: list[Message]) -> int:
    """Readings carried by `messages`."""
    return sum(message.readings for message in messages)
