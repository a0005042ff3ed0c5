"""Drive the gateway against real Mosquitto brokers: config, a running gateway, MQTT clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from dampwatch_gateway.config import GatewayConfig, parse_config
from dampwatch_gateway.gateway import Gateway

HOME = "home-1"


def wait_for(condition: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    """Poll until `condition()` holds; fail with `what` otherwise."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.05)


def config_document(
    uplink_port: int, local_port: int | None, queue_path: Path, **overrides: Any
) -> dict[str, Any]:
    """A configuration document for brokers on loopback, fast status, no BLE."""
    document: dict[str, Any] = {
        "home_id": HOME,
        "interval_s": 1,
        "status_interval_s": 1,
        "uplink": {"host": "127.0.0.1", "port": uplink_port, "reconnect_max_s": 1},
        "queue": {"path": str(queue_path)},
        "sensors": [],
    }
    if local_port is not None:
        document["local"] = {"host": "127.0.0.1", "port": local_port}
    document.update(overrides)
    return document


def make_config(
    uplink_port: int, local_port: int | None, queue_path: Path, **overrides: Any
) -> GatewayConfig:
    """A validated configuration for tests."""
    return parse_config(config_document(uplink_port, local_port, queue_path, **overrides))


class RunningGateway:
    """A gateway running on a thread of the test process."""

    def __init__(self, config: GatewayConfig) -> None:
        self.gateway = Gateway(config)
        self._thread = threading.Thread(target=self.gateway.run, name="gateway", daemon=True)

    def __enter__(self) -> RunningGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop like SIGTERM does."""
        self.gateway.stop()
        self._thread.join(30)
        assert not self._thread.is_alive(), "gateway did not stop"


class Collector:
    """A subscriber on the uplink with a persistent session: every message, in arrival order."""

    def __init__(
        self, port: int, topic_filter: str = "dampwatch/v1/#", client_id: str = "collector"
    ) -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False
        )
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic_filter, qos=1)
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.reconnect_delay_set(0.2, 1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self._subscribed.wait(10), "collector did not subscribe"

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, bytes(message.payload), bool(message.retain)))

    def readings(self, topic_suffix: str = "/reading") -> list[tuple[str, dict[str, Any]]]:
        """(device, reading) for every reading received, arrays flattened, in order."""
        with self._lock:
            messages = list(self.messages)
        out: list[tuple[str, dict[str, Any]]] = []
        for topic, payload, _retained in messages:
            if not topic.endswith(topic_suffix):
                continue
            device = topic.split("/")[-2]
            document = json.loads(payload)
            items = document if isinstance(document, list) else [document]
            out.extend((device, item) for item in items)
        return out

    def statuses(self, gateway_id: str = "gateway") -> list[dict[str, Any]]:
        """Every status message of the gateway, in order."""
        with self._lock:
            messages = list(self.messages)
        suffix = f"/{gateway_id}/status"
        return [json.loads(p) for t, p, _r in messages if t.endswith(suffix)]

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


class LocalPublisher:
    """Publishes on the home's broker and waits until the broker has every QoS 1 message."""

    def __init__(self, port: int) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="home-sensors")
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def publish(
        self, messages: Iterable[tuple[str, bytes | str]], qos: int = 1, retain: bool = False
    ) -> None:
        """Publish all and wait for the broker's acknowledgements."""
        infos = [self.client.publish(t, p, qos=qos, retain=retain) for t, p in messages]
        for info in infos:
            info.wait_for_publish(30)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()
