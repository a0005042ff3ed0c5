"""MQTT helpers: persistent sessions prepared in advance, bulk and paced QoS 1 publishing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from bench.workload import Message

HOST = "127.0.0.1"
READINGS_FILTER = "dampwatch/v1/+/+/reading"
SESSION_EXPIRY_S = 3600


class MqttError(RuntimeError):
    """The broker refused or did not answer in time."""


def _connect_properties(expiry_s: int) -> Properties:
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = expiry_s
    return properties


def _wait(event: threading.Event, timeout: float, what: str) -> None:
    if not event.wait(timeout):
        raise MqttError(f"timed out after {timeout:.0f} s waiting for {what}")


def create_session(port: int, client_id: str, topic_filter: str = READINGS_FILTER) -> None:
    """Create `client_id`'s persistent MQTT 5 session with a QoS 1 subscription, then leave.

    The broker then queues every matching message for the consumer that later resumes it.
    """
    subscribed = threading.Event()
    refused: list[str] = []

    def on_subscribe(
        client: mqtt.Client, userdata: Any, mid: int, codes: list[ReasonCode], props: Any
    ) -> None:
        refused.extend(str(code) for code in codes if code.is_failure)
        subscribed.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.on_subscribe = on_subscribe
    client.connect(HOST, port, clean_start=False, properties=_connect_properties(SESSION_EXPIRY_S))
    client.loop_start()
    try:
        client.subscribe(topic_filter, qos=1)
        _wait(subscribed, 10, f"SUBACK for {client_id}")
        if refused:
            raise MqttError(f"subscription of {client_id} refused: {refused}")
    finally:
        client.disconnect()
        client.loop_stop()


def drop_session(port: int, client_id: str) -> None:
    """End `client_id`'s session on the broker (clean start, expiry 0), freeing its queue."""
    connected = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.on_connect = lambda *_args: connected.set()
    client.connect(HOST, port, clean_start=True, properties=_connect_properties(0))
    client.loop_start()
    try:
        _wait(connected, 10, f"CONNACK for {client_id}")
    finally:
        client.disconnect()
        client.loop_stop()


MAX_OUTSTANDING = 20_000


class Publisher:
    """A QoS 1 publisher (MQTT 3.1.1) that can wait for the broker's PUBACK of everything."""

    def __init__(self, port: int, client_id: str, max_inflight: int = 1000) -> None:
        self._acked = 0
        self._sent = 0
        self._lock = threading.Condition()
        self._connected = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.max_inflight_messages_set(max_inflight)
        self.client.max_queued_messages_set(0)
        self.client.on_publish = self._on_publish
        self.client.on_connect = lambda *_args: self._connected.set()
        self.client.connect(HOST, port)
        self.client.loop_start()
        _wait(self._connected, 10, f"CONNACK for {client_id}")

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, *_rest: Any) -> None:
        with self._lock:
            self._acked += 1
            self._lock.notify_all()

    def publish(self, message: Message) -> None:
        """Queue one QoS 1 message, first waiting while too many await their PUBACK."""
        # paho numbers messages with 16-bit ids: beyond ~65,000 outstanding it refuses more
        with self._lock:
            while self._sent - self._acked >= MAX_OUTSTANDING:
                self._lock.wait(0.1)
        info = self.client.publish(message.topic, message.payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise MqttError(f"publish failed: {mqtt.error_string(info.rc)}")
        self._sent += 1

    def wait_acked(self, timeout: float) -> None:
        """Block until every message published so far is acknowledged by the broker."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._acked < self._sent:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise MqttError(f"only {self._acked} of {self._sent} PUBACKs arrived")
                self._lock.wait(left)

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()


def publish_all(port: int, messages: Sequence[Message], client_id: str) -> float:
    """Publish every message at QoS 1 and wait for all PUBACKs; returns the seconds it took."""
    started = time.monotonic()
    publisher = Publisher(port, client_id)
    try:
        for message in messages:
            publisher.publish(message)
        publisher.wait_acked(timeout=120 + len(messages) / 1000)
    finally:
        publisher.close()
    return time.monotonic() - started


class PacedPublisher(threading.Thread):
    """Publishes `count` messages at a steady `rate` per second, recording each send time.

    `make(index, scheduled_wall_s)` builds message `index`; `sent_at[index]` is the wall clock
    just before it was handed to the client.
    """

    def __init__(
        self,
        port: int,
        client_id: str,
        rate: float,
        count: int,
        make: Callable[[int, float], Message],
    ) -> None:
        super().__init__(name="paced-publisher", daemon=True)
        self.rate = rate
        self.count = count
        self.sent_at: list[float] = [0.0] * count
        self.published = 0
        self.started_wall = 0.0
        self.error: BaseException | None = None
        self.max_lag_s = 0.0
        self._make = make
        self._stop_event = threading.Event()
        self._publisher = Publisher(port, client_id, max_inflight=5000)

    def schedule(self, index: int) -> float:
        """Wall-clock time message `index` is due."""
        return self.started_wall + index / self.rate

    def run(self) -> None:
        """Publish on schedule; a late loop catches up at once, an early one sleeps."""
        try:
            self.started_wall = time.time() + 0.05
            for index in range(self.count):
                due = self.schedule(index)
                while (ahead := due - time.time()) > 0:
                    if self._stop_event.wait(min(ahead, 0.01)):
                        return
                now = time.time()
                self.max_lag_s = max(self.max_lag_s, now - due)
                message = self._make(index, due)
                self.sent_at[index] = now
                self._publisher.publish(message)
                self.published = index + 1
            self._publisher.wait_acked(timeout=60)
        except BaseException as error:  # reported to the main thread
            self.error = error

    def stop(self) -> None:
        """Stop publishing and disconnect."""
        self._stop_event.set()
        if self.is_alive():
            self.join(10)
        self._publisher.close()
