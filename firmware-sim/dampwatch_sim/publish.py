"""Publish a cohort's readings and status to the broker over MQTT QoS 1, live or accelerated."""

from __future__ import annotations

import json
import ssl
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from dampwatch.const import MAX_READINGS_PER_MESSAGE
from dampwatch.settings import MqttSettings
from dampwatch.topics import reading_topic, registry_topic, status_topic
from dampwatch_sim.cohort import Cohort
from dampwatch_sim.firmware import LIVE, DeviceDay, row_count, take
from dampwatch_sim.payloads import readings_payload, status_payload

HUB_DEVICE_ID: Final = "hub"  # the connection of a home: its last will marks the hub offline
MAX_OUTSTANDING: Final = 2000
CONNECT_TIMEOUT_S: Final = 10.0


class PublishError(RuntimeError):
    """The broker refused the connection or stopped acknowledging."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One MQTT message and the simulated time it is sent at."""

    send_s: float
    home_id: str
    topic: str
    payload: bytes
    retain: bool
    readings: int


@dataclass(slots=True)
class PublishStats:
    """What was published."""

    messages: int = 0
    readings: int = 0
    status_messages: int = 0
    elapsed_s: float = 0.0
    per_device: dict[str, int] = field(default_factory=dict)


def load_credentials(path: Path) -> dict[str, str]:
    """Per-home passwords from a JSON object {home_id: password} or `home_id:password` lines."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        loaded = json.loads(text)
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            raise ValueError(f"{path}: expected a JSON object of home id to password")
        return {str(key): value for key, value in loaded.items()}
    credentials: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        home, separator, password = line.partition(":")
        if not separator:
            raise ValueError(f"{path}:{number}: expected home_id:password")
        credentials[home.strip()] = password.strip()
    return credentials


def day_messages(sent: list[DeviceDay], prefix: str, batch: int) -> list[Outgoing]:
    """A day's messages of every device in the order they are sent (ties keep device order)."""
    batch = max(1, min(batch, MAX_READINGS_PER_MESSAGE))
    out: list[Outgoing] = []
    for device_day in sent:
        plan = device_day.plan
        topic = reading_topic(plan.home_id, plan.device_id, prefix)
        state_topic = status_topic(plan.home_id, plan.device_id, prefix)
        for status in device_day.statuses:
            payload = status_payload(status.online, status.send_s, status.battery_pct)
            out.append(Outgoing(status.send_s, plan.home_id, state_topic, payload, True, 0))
        for message in device_day.messages:
            count = row_count(message.readings)
            if message.kind != LIVE:
                payload = readings_payload(message.readings)
                out.append(
                    Outgoing(float(message.send_s[0]), plan.home_id, topic, payload, False, count)
                )
                continue
            for first in range(0, count, batch):
                part = take(message.readings, slice(first, first + batch))
                send_s = float(message.send_s[min(first + batch, count) - 1])
                payload = readings_payload(part, as_array=batch > 1)
                out.append(Outgoing(send_s, plan.home_id, topic, payload, False, row_count(part)))
    out.sort(key=lambda item: item.send_s)
    return out


class Connections:
    """One MQTT connection per home (per-home credentials, last will per hub) or one shared."""

    def __init__(
        self,
        settings: MqttSettings,
        *,
        per_home: bool,
        credentials: dict[str, str] | None = None,
        client_prefix: str = "dampwatch-sim",
    ) -> None:
        self.settings = settings
        self.per_home = per_home or credentials is not None
        self.credentials = credentials
        self.client_prefix = client_prefix
        self._clients: dict[str, mqtt.Client] = {}
        self._pending: deque[mqtt.MQTTMessageInfo] = deque()

    def client(self, home_id: str) -> mqtt.Client:
        """The connection a home's messages go through (connecting on first use)."""
        key = home_id if self.per_home else ""
        existing = self._clients.get(key)
        if existing is not None:
            return existing
        client = self._connect(key or None)
        self._clients[key] = client
        return client

    def _connect(self, home_id: str | None) -> mqtt.Client:
        settings = self.settings
        client_id = f"{self.client_prefix}-{home_id}" if home_id else f"{self.client_prefix}"
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        client.max_inflight_messages_set(MAX_OUTSTANDING)
        client.max_queued_messages_set(0)
        if home_id is not None and self.credentials is not None:
            if home_id not in self.credentials:
                raise PublishError(f"no password for home {home_id!r} in the credentials file")
            client.username_pw_set(home_id, self.credentials[home_id])
        elif settings.mqtt_username:
            password = settings.mqtt_password.get_secret_value() if settings.mqtt_password else None
            client.username_pw_set(settings.mqtt_username, password)
        if settings.mqtt_tls_ca is not None:
            client.tls_set(ca_certs=str(settings.mqtt_tls_ca), tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if home_id is not None:
            will = status_payload(False, time.time(), None)
            client.will_set(
                status_topic(home_id, HUB_DEVICE_ID, settings.mqtt_topic_prefix), will, 1, True
            )
        outcome: list[object] = []
        client.on_connect = lambda _c, _u, _f, reason, _p: outcome.append(reason)
        try:
            client.connect(settings.mqtt_host, settings.mqtt_port, settings.mqtt_keepalive_s)
        except OSError as error:
            raise PublishError(
                f"cannot reach the broker at {settings.mqtt_host}:{settings.mqtt_port}: {error}"
            ) from None
        client.loop_start()
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while not outcome and time.monotonic() < deadline:
            time.sleep(0.01)
        if not outcome or getattr(outcome[0], "is_failure", True):
            client.loop_stop()
            reason = outcome[0] if outcome else "no answer"
            raise PublishError(f"broker refused the connection for {client_id}: {reason}")
        if home_id is not None:
            online = status_payload(True, time.time(), None)
            topic = status_topic(home_id, HUB_DEVICE_ID, settings.mqtt_topic_prefix)
            self._track(client.publish(topic, online, 1, True))
        return client

    def publish(self, home_id: str, topic: str, payload: bytes, retain: bool = False) -> None:
        """Publish with QoS 1, keeping at most MAX_OUTSTANDING unacknowledged messages."""
        self._track(self.client(home_id).publish(topic, payload, 1, retain))

    def _track(self, info: mqtt.MQTTMessageInfo) -> None:
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            raise PublishError(f"publish failed: {mqtt.error_string(info.rc)}")
        self._pending.append(info)
        while len(self._pending) > MAX_OUTSTANDING:
            self._wait(self._pending.popleft())

    def _wait(self, info: mqtt.MQTTMessageInfo) -> None:
        try:
            info.wait_for_publish(60)
        except RuntimeError as error:
            raise PublishError(f"broker connection lost: {error}") from None
        if not info.is_published():
            raise PublishError("the broker did not acknowledge a message within 60 s")

    def flush(self) -> None:
        """Wait until the broker acknowledged every message."""
        while self._pending:
            self._wait(self._pending.popleft())

    def close(self, *, clean: bool = True) -> None:
        """Mark the hubs offline (clean) and disconnect every connection."""
        for key, client in self._clients.items():
            if clean and key:
                topic = status_topic(key, HUB_DEVICE_ID, self.settings.mqtt_topic_prefix)
                self._track(
                    client.publish(topic, status_payload(False, time.time(), None), 1, True)
                )
        self.flush()
        for client in self._clients.values():
            client.disconnect()
            client.loop_stop()
        self._clients.clear()


def publish_registry(cohort: Cohort, connections: Connections) -> None:
    """Publish each home's registry facts (rooms, consent) retained, as the API would."""
    prefix = connections.settings.mqtt_topic_prefix
    for home in cohort.homes:
        document = {"consent": True, "rooms": cohort.rooms_of(home.home_id)}
        payload = json.dumps(document, sort_keys=True).encode()
        connections.publish("", registry_topic(home.home_id, prefix), payload, True)


def cohort_outgoing(cohort: Cohort, prefix: str, batch: int) -> Iterator[list[Outgoing]]:
    """Each day's outgoing messages, in send order."""
    for _day, _frame, sent in cohort.days_sent():
        yield day_messages(sent, prefix, batch)


def publish_cohort(
    cohort: Cohort,
    mqtt_settings: MqttSettings,
    *,
    speed: float = 0.0,
    batch: int = MAX_READINGS_PER_MESSAGE,
    per_home: bool = False,
    credentials: dict[str, str] | None = None,
    registry: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PublishStats:
    """Publish every device's readings and status; `speed` 0 is as fast as the broker takes."""
    connections = Connections(mqtt_settings, per_home=per_home, credentials=credentials)
    try:
        if registry:
            publish_registry(cohort, connections)
        stream = cohort_outgoing(cohort, mqtt_settings.mqtt_topic_prefix, batch)
        return publish_stream(
            stream,
            connections,
            start_s=cohort.start_s,
            total=cohort.days,
            speed=speed,
            progress=progress,
        )
    finally:
        connections.close()


def publish_stream(
    stream: Iterator[list[Outgoing]],
    connections: Connections,
    *,
    start_s: float,
    total: int,
    speed: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
    clock: Callable[[], float] = time.time,
) -> PublishStats:
    """Publish groups of messages in order, paced at `speed` times real time (0: no pacing)."""
    stats = PublishStats()
    started = time.monotonic()
    wall_start = clock()
    for number, messages in enumerate(stream):
        for message in messages:
            if speed > 0:
                delay = wall_start + (message.send_s - start_s) / speed - clock()
                if delay > 0:
                    time.sleep(delay)
            connections.publish(message.home_id, message.topic, message.payload, message.retain)
            stats.messages += 1
            stats.readings += message.readings
            stats.status_messages += message.retain
            stats.per_device[message.topic] = (
                stats.per_device.get(message.topic, 0) + message.readings
            )
        if progress is not None:
            progress(number + 1, total)
    connections.flush()
    stats.elapsed_s = time.monotonic() - started
    return stats
