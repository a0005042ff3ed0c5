"""Simulated devices publishing a cohort's readings as a steady stream, and the ledger of what left.

Each home's devices share one MQTT connection (QoS 1) to where that home sends: the platform
broker with the home's own credentials, or the home broker of its gateway. paho keeps every
unacknowledged QoS 1 message and sends it again after a reconnect, as device firmware with a
send buffer does, so a broker restart costs no reading that left a device.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from dampwatch.const import DEFAULT_RETENTION_DAYS, DEFAULT_TOPIC_PREFIX
from dampwatch.readings import parse_payload
from dampwatch.topics import TopicError, parse_device_topic
from dampwatch_sim.cohort import Cohort
from dampwatch_sim.publish import Outgoing, day_messages

RETENTION_S: Final = DEFAULT_RETENTION_DAYS * 86400.0
OVERSIZED_PAD: Final = 300 * 1024  # past the contract's 256 KiB
RECONNECT_DELAY_S: Final = (1, 2)
ReadingKey = tuple[str, str, int]  # home, device, ts in ms


@dataclass(frozen=True, slots=True)
class Route:
    """Where one home's devices publish."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None


@dataclass(slots=True)
class Ledger:
    """Every reading that left a device: the valid ones by key, the others counted by reason."""

    expected: dict[ReadingKey, int | None] = field(default_factory=dict)
    readings_sent: int = 0
    messages_sent: int = 0
    status_sent: int = 0
    resent: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, topic: str, payload: bytes, now_s: float) -> None:
        """Account one published reading message the way the receiver will judge it."""
        parsed = parse_payload(payload, now_s=now_s, retention_s=RETENTION_S)
        try:
            device_topic = parse_device_topic(topic)
        except TopicError:
            with self._lock:
                self.messages_sent += 1
                self.rejected["bad_topic"] += 1
            return
        home, device = device_topic.home_id, device_topic.device_id
        with self._lock:
            self.messages_sent += 1
            self.readings_sent += len(parsed.readings) + len(parsed.rejections)
            for reading in parsed.readings:
                key = (home, device, reading.ts_ms)
                if key in self.expected:
                    self.resent += 1
                self.expected[key] = reading.seq
            for rejection in parsed.rejections:
                self.rejected[rejection.reason.value] += 1

    def distinct(self) -> int:
        """Distinct readings (device and timestamp) that should be stored."""
        with self._lock:
            return len(self.expected)

    def snapshot(self) -> dict[ReadingKey, int | None]:
        """A copy of the expected readings."""
        with self._lock:
            return dict(self.expected)


def malformed_payloads(now_s: float) -> list[bytes]:
    """Sensor output the platform must reject with a reason: never store, never crash on.

    Timestamps are a minute old so each message has one fault (a timestamp in the cohort's
    simulated time could also be stale or future).
    """
    ts = int(now_s) - 60
    return [
        b"temperature=21.5;humidity=48",  # a firmware's own text format
        b'{"ts": %d, "temperature_c": 21.' % ts,  # a frame cut short
        b'{"ts": %d, "temperature_c": NaN, "humidity_pct": 50}' % ts,
        b'{"ts": %d, "temperature_c": null, "humidity_pct": null}' % ts,  # Tasmota's nulls
        b'{"ts": %d, "temperature_c": 1e308, "humidity_pct": 50}' % ts,
        b'{"ts": %d, "humidity_pct": 150}' % ts,
        b'{"ts": %d, "temperature_c": 20}' % (ts + 3600),  # an hour ahead
        b"[" * 5000 + b"]" * 5000,  # deeper than any parser should follow
        b"\xff\xfe\x00{",  # not UTF-8
        b'{"ts": %d, "temperature_c": 20, "pad": "%s"}' % (ts, b"x" * OVERSIZED_PAD),
        b'[{"ts": 0, "temperature_c": 20}]',  # 1970: older than the retention
    ]


class HomeConnection:
    """One home's MQTT connection; counts messages handed over and PUBACKs received."""

    def __init__(self, home_id: str, route: Route, client_prefix: str) -> None:
        self.home_id = home_id
        self.route = route
        self.published = 0
        self.acked = 0
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"{client_prefix}-{home_id}"[:64]
        )
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(*RECONNECT_DELAY_S)
        if route.username is not None:
            self.client.username_pw_set(route.username, route.password)
        self.client.on_publish = self._on_publish

    def start(self) -> None:
        """Connect in the background; paho reconnects by itself."""
        self.client.connect_async(self.route.host, self.route.port, keepalive=30)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        """Hand a QoS 1 message to paho (it is queued while the connection is down)."""
        with self._lock:
            self.published += 1
        self.client.publish(topic, payload, qos=1, retain=retain)

    def pending(self) -> int:
        """Messages not yet acknowledged by the broker."""
        with self._lock:
            return self.published - self.acked

    def stop(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, *args: Any) -> None:
        with self._lock:
            self.acked += 1


class Fleet:
    """Replays a cohort's messages at `speed` times simulated time through per-home connections."""

    def __init__(
        self,
        cohort: Cohort,
        routes: dict[str, Route],
        ledger: Ledger,
        *,
        speed: float,
        client_prefix: str = "fleet",
        prefix: str = DEFAULT_TOPIC_PREFIX,
        malformed_every: int = 0,
        malformed_homes: frozenset[str] = frozenset(),
    ) -> None:
        """`malformed_every` N: after every Nth reading message of `malformed_homes`, one of
        `malformed_payloads` on the same topic."""
        self.cohort = cohort
        self.malformed_every = malformed_every
        self.malformed_homes = malformed_homes
        self._readings_of_those = 0
        self.ledger = ledger
        self.speed = speed
        self.prefix = prefix
        self.connections = {
            home: HomeConnection(home, route, client_prefix) for home, route in routes.items()
        }
        self.simulated_s = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, duration_s: float) -> None:
        """Connect every home and start the stream for `duration_s` real seconds."""
        for connection in self.connections.values():
            connection.start()
        self._thread = threading.Thread(
            target=self._run, args=(duration_s,), name="fleet", daemon=True
        )
        self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the stream to end; True when it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop_stream(self) -> None:
        """End the stream early."""
        self._stop.set()

    def pending(self) -> int:
        """Messages devices still hold unacknowledged."""
        return sum(connection.pending() for connection in self.connections.values())

    def wait_acknowledged(self, timeout: float) -> int:
        """Wait until every message is acknowledged by its broker; returns what is still pending."""
        deadline = time.monotonic() + timeout
        while (left := self.pending()) and time.monotonic() < deadline:
            time.sleep(0.1)
        return left

    def close(self) -> None:
        """Stop the stream and disconnect every home."""
        self._stop.set()
        self.join(10)
        for connection in self.connections.values():
            connection.stop()

    def _days(self) -> Iterator[list[Outgoing]]:
        # Simulating a day takes seconds: the next one is prepared while this one streams.
        days: queue.Queue[list[Outgoing] | None] = queue.Queue(maxsize=1)

        def hand_over(item: list[Outgoing] | None) -> bool:
            while not self._stop.is_set():
                try:
                    days.put(item, timeout=0.5)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            for _day, _frame, sent in self.cohort.days_sent():
                if not hand_over(day_messages(sent, self.prefix, 1)):
                    return
            hand_over(None)

        threading.Thread(target=produce, name="fleet-days", daemon=True).start()
        while not self._stop.is_set():
            try:
                messages = days.get(timeout=0.5)
            except queue.Empty:
                continue
            if messages is None:
                return
            yield messages

    def _run(self, duration_s: float) -> None:
        start_s = self.cohort.start_s
        end_s = start_s + duration_s * self.speed
        wall_start = time.monotonic()
        for messages in self._days():
            for message in messages:
                if message.send_s >= end_s or self._stop.is_set():
                    self._stop.set()
                    return
                connection = self.connections.get(message.home_id)
                if connection is None:
                    continue
                delay = wall_start + (message.send_s - start_s) / self.speed - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self.simulated_s = message.send_s - start_s
                if message.retain:
                    self.ledger.status_sent += 1
                else:
                    self.ledger.record(message.topic, message.payload, time.time())
                connection.publish(message.topic, message.payload, message.retain)
                if not message.retain and message.home_id in self.malformed_homes:
                    self._malformed_after(connection, message.topic)

    def _malformed_after(self, connection: HomeConnection, topic: str) -> None:
        self._readings_of_those += 1
        if not self.malformed_every or self._readings_of_those % self.malformed_every:
            return
        corpus = malformed_payloads(time.time())
        payload = corpus[(self._readings_of_those // self.malformed_every) % len(corpus)]
        self.ledger.record(topic, payload, time.time())
        connection.publish(topic, payload)
