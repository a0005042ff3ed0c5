"""One long-lived MQTT connection for the API: retained registry messages and control requests."""

from __future__ import annotations

import json
import logging
import os
import ssl
import threading
import uuid
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from dampwatch.settings import MqttSettings

_LOGGER = logging.getLogger(__name__)
DYNSEC_TOPIC = "$CONTROL/dynamic-security/v1"
DYNSEC_RESPONSE_TOPIC = f"{DYNSEC_TOPIC}/response"


def process_client_id(base: str) -> str:
    """This process's client id: API workers share credentials, never a session.

    Two connections with one client id take the session from each other, so each worker
    process connects with its own; the link keeps no session to resume (clean start, no expiry).
    """
    return f"{base}-{os.getpid()}"


class BrokerUnavailable(RuntimeError):
    """The broker is not connected or did not answer in time."""


class BrokerLink:
    """A paho client in its own network thread, reconnecting by itself."""

    def __init__(self, settings: MqttSettings, client_id: str) -> None:
        self._settings = settings
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
        )
        if settings.mqtt_username:
            password = settings.mqtt_password.get_secret_value() if settings.mqtt_password else None
            self._client.username_pw_set(settings.mqtt_username, password)
        if settings.mqtt_tls_ca is not None:
            self._client.tls_set(ca_certs=str(settings.mqtt_tls_ca), cert_reqs=ssl.CERT_REQUIRED)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._client.on_disconnect = self._on_disconnect
        self._connected = threading.Event()
        self._pending: dict[str, tuple[threading.Event, list[dict[str, Any]], int]] = {}
        self._lock = threading.Lock()
        self.on_connected: list[Callable[[], object]] = []

    @property
    def connected(self) -> bool:
        """True while the session is up."""
        return self._connected.is_set() and self._client.is_connected()

    def start(self) -> None:
        """Connect in the background; the network thread retries until stopped."""
        self._client.connect_async(
            self._settings.mqtt_host,
            self._settings.mqtt_port,
            keepalive=self._settings.mqtt_keepalive_s,
        )
        self._client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        """Block until connected or `timeout` passed."""
        return self._connected.wait(timeout)

    def stop(self) -> None:
        """Disconnect and stop the network thread."""
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    def publish_retained(self, topic: str, payload: bytes, timeout: float) -> None:
        """Publish a retained QoS 1 message and wait until the broker has it."""
        if not self.connected:
            raise BrokerUnavailable("MQTT broker not connected")
        info = self._client.publish(topic, payload, qos=1, retain=True)
        info.wait_for_publish(timeout)
        if not info.is_published():
            raise BrokerUnavailable(f"MQTT broker did not acknowledge {topic} within {timeout}s")

    def dynsec(self, commands: list[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
        """Send dynamic-security commands and return their responses in order."""
        if not self.connected:
            raise BrokerUnavailable("MQTT broker not connected")
        correlation = uuid.uuid4().hex
        tagged = [
            command | {"correlationData": f"{correlation}:{index}"}
            for index, command in enumerate(commands)
        ]
        done = threading.Event()
        responses: list[dict[str, Any]] = []
        with self._lock:
            self._pending[correlation] = (done, responses, len(commands))
        try:
            info = self._client.publish(DYNSEC_TOPIC, json.dumps({"commands": tagged}), qos=1)
            info.wait_for_publish(timeout)
            if not done.wait(timeout) or len(responses) < len(commands):
                raise BrokerUnavailable("no answer from the dynamic-security plugin")
        finally:
            with self._lock:
                self._pending.pop(correlation, None)
        return sorted(responses, key=lambda item: int(str(item["correlationData"]).split(":")[1]))

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            _LOGGER.error("MQTT connection refused: %s", reason_code)
            return
        client.subscribe(DYNSEC_RESPONSE_TOPIC, qos=1)
        self._connected.set()
        for callback in self.on_connected:
            # Runs in a thread of its own: callbacks publish and must not block the network loop.
            threading.Thread(target=callback, name="mqtt-on-connect", daemon=True).start()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if message.topic != DYNSEC_RESPONSE_TOPIC:
            return
        try:
            document = json.loads(message.payload)
        except ValueError:
            _LOGGER.warning("unreadable dynamic-security response")
            return
        for response in document.get("responses", []):
            tag = str(response.get("correlationData", ""))
            correlation, _, _ = tag.partition(":")
            with self._lock:
                pending = self._pending.get(correlation)
            if pending is None:
                continue
            done, responses, expected = pending
            responses.append(response)
            if len(responses) >= expected:
                done.set()
